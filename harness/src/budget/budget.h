// Stage "judge" of the pipeline: after a run has been sampled and its checks
// ran (and after all iterations of a scenario x profile are in), the numbers
// are judged here against the scenario's budgets; the report stage only prints
// what this stage decided. `bootgate compare` uses the same statistics to
// judge a candidate build against a baseline from the history.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "budget/mann_whitney.h"
#include "budget/stats.h"
#include "result/result.h"
#include "scenario/scenario.h"

namespace bootgate {

/// Judges one run's metrics ("value" statistic). All metrics are lower-is-
/// better. For every metric that has a limit under (profile, accel):
///   - measured: kPass if value <= limit, else kFail; margin = limit - value,
///     margin_pct = margin / limit * 100 (0 when the limit is 0);
///   - not measured (e.g. ram_mib without SSH): kSkipped, note
///     "metric not measured" - not a failure.
/// Metrics without a limit are not judged. Results are ordered by metric name.
std::vector<BudgetResult> EvaluateBudgets(
    const Budgets& budgets, const std::map<std::string, double>& metrics,
    const std::string& profile, const std::string& accel);

/// How a run's pipeline ended before judging: kPass if it ran to the end;
/// otherwise the verdict, class and reason of the step that stopped it (a
/// kernel panic is kFail "kernel-panic", a timeout kError, Ctrl-C
/// kInterrupted).
struct RunEnd {
  Verdict verdict = Verdict::kPass;
  std::string failure_class;
  std::string reason;
};

/// The judged outcome of one run.
struct RunJudgement {
  Verdict verdict = Verdict::kPass;
  std::string failure_class;  ///< "check-failed", "budget", the stop's class
  std::string reason;         ///< one sentence: the deciding failure first
  std::vector<std::string> errors;  ///< what could not be measured, listed
                                    ///< beside a failure rather than hiding it
};

/// Judges one run from its checks, its per-run budgets (EvaluateBudgets) and
/// how its pipeline ended. A real failure wins over "could not measure":
///   1. a stop with kFail (panic, fail pattern...) -> kFail, its class;
///   2. a failed check -> kFail "check-failed" (the first one);
///   3. a failed per-run budget -> kFail "budget" (all of them), unless the
///      run also could not measure (rule 4 or 5 applies): a per-run budget
///      is a note for the group's judged statistic, and a run that could
///      not measure is not counted there, so it stays kError / kInterrupted
///      with the budget named in its reason ("...; also: boot_s ...");
///   4. else a stop with kInterrupted / kError -> that verdict and class;
///   5. else a check that errored -> kError "could-not-measure";
///   6. else kPass, reason "all budgets and checks passed".
/// Every errored check and an error/interrupt stop that did not decide the
/// verdict are listed in `errors` ("check 'x' could not run: ..."). The
/// reason of a kFail names the errors too ("...; also: 1 error"). Pure.
RunJudgement JudgeRun(const std::vector<CheckResult>& checks,
                      const std::vector<BudgetResult>& budgets,
                      const RunEnd& end);

/// Writes `judgement` into `run`: verdict, failure_class, reason; each error
/// is appended to run->warnings as "could not measure: <error>".
void ApplyJudgement(const RunJudgement& judgement, RunResult* run);

/// Aggregates the iterations of one scenario x profile.
/// Counted runs: not warmup, verdict not kError/kInterrupted/kSkipped; only
/// they feed Stats. Verdict, worst first:
///   - kInterrupted if any run was interrupted;
///   - kError if any run (warmup included) could not measure, or no run counts;
///   - kFail if any run (warmup included) failed for a reason other than its
///     own per-run budgets (a panic, a failed check, a failure_class), or a
///     budget fails on the judged statistic;
///   - kInconclusive if a budget is inconclusive: judging the median with
///     n >= 3 and the limit strictly inside the bootstrap 95% CI of the median;
///   - else kPass.
/// A run that failed only its per-run budgets does not fail the aggregate by
/// itself: the judged statistic decides (that is the point of iterating).
/// `judge` is "median" | "p95" | "max" | "mean" (throws Error otherwise).
/// Warnings: "noisy host: boot_s CoV 12.3% over 5 runs" for every metric with
/// n >= 2 and cov > noisy_cov. Budget limits use the accelerator of the first
/// counted run (a warning names mixed accelerators).
AggregateResult Aggregate(const std::vector<RunResult>& runs,
                          const Budgets& budgets, const std::string& judge,
                          double noisy_cov = 0.10);

/// True if any budget of the aggregate is inconclusive (--until-confident).
bool NeedsMoreSamples(const AggregateResult& aggregate);


enum class Change { kNoChange, kRegression, kImprovement, kInsufficientData };
std::string ToString(Change change);  ///< "no change", "regression", ...

struct MetricComparison {
  std::string metric;
  Change change = Change::kInsufficientData;
  double baseline_median = 0;
  double candidate_median = 0;
  double delta_pct = 0;  ///< (candidate - baseline) / baseline median * 100
  double p_value = 1;    ///< Mann-Whitney U, two-sided (1 when not tested)
  /// The p the decision used: p_value, or its Holm-adjusted value when
  /// several metrics were tested (HolmCorrect).
  double p_adjusted = 1;
  bool u_tested = false;  ///< decided by the U test (not the small-n fallback)
  int n_baseline = 0;
  int n_candidate = 0;
  std::string note;      ///< how the decision was made, in a sentence
};

/// Compares a lower-is-better metric between a baseline and a candidate.
/// - Either side empty: kInsufficientData.
/// - Enough samples (MinimumAchievableP(n_b, n_c) < alpha): kRegression iff
///   p < alpha AND delta_pct >= min_effect_pct; kImprovement iff p < alpha AND
///   delta_pct <= -min_effect_pct; else kNoChange (the note says whether p or
///   the effect size fell short).
/// - Too few samples for the U test ever to reach alpha (e.g. 1 vs 5): the
///   note says so, and the decision falls back to effect size against the
///   baseline's spread: kRegression if the candidate median exceeds the
///   baseline max by >= min_effect_pct of that max; kImprovement if it is
///   below the baseline min by >= min_effect_pct of that min; else kNoChange
///   ("within the baseline's range").
MetricComparison CompareMetric(const std::string& metric,
                               const std::vector<double>& baseline,
                               const std::vector<double>& candidate,
                               double alpha = 0.01,
                               double min_effect_pct = 5.0);

/// Holm's step-down adjustment of `p_values` (any order): with the m values
/// sorted ascending, adjusted p_(i) = max over j <= i of min(1, (m - j + 1)
/// p_(j)); returned in the input order. Controls the family-wise error rate
/// at alpha for any dependence between the tests. Pure.
std::vector<double> HolmAdjust(const std::vector<double>& p_values);

/// Corrects the comparisons decided by the U test (u_tested) for multiple
/// testing: when there are two or more, sets each p_adjusted by HolmAdjust
/// and re-decides its change with CompareMetric's rule on p_adjusted; the
/// note says "Holm-adjusted p ... over N tests". One test or none: p_adjusted
/// = p_value, nothing changes. Returns the number of tests in the family.
int HolmCorrect(const std::vector<MetricComparison*>& comparisons,
                double alpha = 0.01, double min_effect_pct = 5.0);

}  // namespace bootgate
