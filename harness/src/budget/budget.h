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

}  // namespace bootgate
