#include "budget/budget.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "util/error.h"

namespace bootgate {

namespace {

// Every metric that has a budget entry, globally or for this profile.
std::set<std::string> BudgetedMetrics(const Budgets& budgets,
                                      const std::string& profile) {
  std::set<std::string> names;
  for (const auto& [metric, value] : budgets.limits) names.insert(metric);
  if (auto it = budgets.per_profile.find(profile); it != budgets.per_profile.end()) {
    for (const auto& [metric, value] : it->second) names.insert(metric);
  }
  return names;
}

void SetMargin(BudgetResult& b) {
  b.margin = b.limit - b.value;
  b.margin_pct = b.limit != 0 ? b.margin / b.limit * 100 : 0;
}

std::string RunName(const RunResult& run) {
  return fmt::format("{}iteration {} (attempt {})", run.warmup ? "warmup " : "",
                     run.iteration, run.attempt);
}

std::string Why(const RunResult& run) {
  std::string why = run.failure_class.empty() ? "" : run.failure_class;
  if (!run.reason.empty()) why += (why.empty() ? "" : ": ") + run.reason;
  return why.empty() ? "no reason given" : why;
}

}  // namespace


std::vector<BudgetResult> EvaluateBudgets(
    const Budgets& budgets, const std::map<std::string, double>& metrics,
    const std::string& profile, const std::string& accel) {
  std::vector<BudgetResult> out;
  for (const std::string& metric : BudgetedMetrics(budgets, profile)) {
    const std::optional<double> limit = budgets.Limit(metric, profile, accel);
    if (!limit) continue;
    BudgetResult b;
    b.metric = metric;
    b.limit = *limit;
    b.statistic = "value";
    auto it = metrics.find(metric);
    if (it == metrics.end()) {
      b.verdict = Verdict::kSkipped;
      b.note = "metric not measured";
    } else {
      b.value = it->second;
      b.verdict = b.value > b.limit ? Verdict::kFail : Verdict::kPass;
      SetMargin(b);
    }
    out.push_back(std::move(b));
  }
  return out;
}

RunJudgement JudgeRun(const std::vector<CheckResult>& checks,
                      const std::vector<BudgetResult>& budgets,
                      const RunEnd& end) {
  RunJudgement j;
  for (const CheckResult& c : checks) {
    if (c.verdict == Verdict::kError) {
      j.errors.push_back("check '" + c.name + "' could not run: " + c.reason);
    }
  }
  const bool stopped_unmeasured =
      end.verdict == Verdict::kError || end.verdict == Verdict::kInterrupted;
  auto fail = [&](std::string failure_class, std::string reason) {
    j.verdict = Verdict::kFail;
    j.failure_class = std::move(failure_class);
    j.reason = std::move(reason);
    if (stopped_unmeasured) j.errors.insert(j.errors.begin(), end.reason);
    if (!j.errors.empty()) {
      j.reason +=
          fmt::format("; also {} error{}: {}", j.errors.size(),
                      j.errors.size() == 1 ? "" : "s", j.errors.front());
    }
    return j;
  };
  if (end.verdict == Verdict::kFail) {
    return fail(end.failure_class, end.reason);
  }
  for (const CheckResult& c : checks) {
    if (c.verdict == Verdict::kFail) {
      return fail("check-failed", "check '" + c.name + "' failed: " + c.reason);
    }
  }
  std::string over;  // per-run budgets over their limit
  for (const BudgetResult& b : budgets) {
    if (b.verdict != Verdict::kFail) continue;
    over += fmt::format("{}{} {:.1f} exceeds its budget of {:.1f}",
                        over.empty() ? "" : ", ", b.metric, b.value, b.limit);
  }
  // A per-run budget is only a note for the group's judged statistic; a
  // run that also could not measure is not counted there, so it must not
  // fail on that note alone: it stays "could not measure".
  if (!over.empty() && !stopped_unmeasured && j.errors.empty()) {
    return fail("budget", over);
  }
  const std::string also = over.empty() ? "" : "; also: " + over;
  if (end.verdict != Verdict::kPass) {
    j.verdict = end.verdict;
    j.failure_class = end.failure_class;
    j.reason = end.reason + also;
    return j;
  }
  if (!j.errors.empty()) {
    j.verdict = Verdict::kError;
    j.failure_class = "could-not-measure";
    j.reason = j.errors.front() + also;
    return j;
  }
  j.reason = "all budgets and checks passed";
  return j;
}

void ApplyJudgement(const RunJudgement& judgement, RunResult* run) {
  run->verdict = judgement.verdict;
  run->failure_class = judgement.failure_class;
  run->reason = judgement.reason;
  for (const std::string& e : judgement.errors)
    run->warnings.push_back("could not measure: " + e);
}

namespace {

// The verdicts and reasons Aggregate collects; the final verdict is
// CombineVerdicts over them and its reason the first one given for it.
struct Notes {
  std::vector<Verdict> verdicts;
  std::map<Verdict, std::string> first_reason;
  void Add(Verdict v, const std::string& why) {
    verdicts.push_back(v);
    if (first_reason[v].empty()) first_reason[v] = why;
  }
};

// Notes every run's verdict and returns the counted ones (see Aggregate).
std::vector<const RunResult*> NoteRuns(const std::vector<RunResult>& runs,
                                       Notes& notes) {
  std::vector<const RunResult*> counted;
  for (const RunResult& run : runs) {
    switch (run.verdict) {
      case Verdict::kInterrupted:
      case Verdict::kError:
        notes.Add(run.verdict, fmt::format("{} {}: {}", RunName(run),
                                           run.verdict == Verdict::kError
                                               ? "could not measure"
                                               : "was interrupted",
                                           Why(run)));
        continue;  // never counted
      case Verdict::kSkipped:
        continue;
      case Verdict::kFail:
        if (!FailedOnlyOnOwnBudgets(run)) {
          notes.Add(Verdict::kFail,
                    fmt::format("{} failed: {}", RunName(run), Why(run)));
        }
        break;
      case Verdict::kPass:
      case Verdict::kInconclusive:
        break;
    }
    if (!run.warmup) counted.push_back(&run);
  }
  return counted;
}

// The note of a median budget whose limit lies inside the CI.
std::string InconclusiveNote(const BudgetResult& b, const Stats& s,
                             const std::vector<double>& values) {
  const std::optional<int> decide = RunsToDecide(values, b.limit);
  const std::string more =
      decide ? fmt::format(
                   "about {} runs in all would decide it if later runs fall "
                   "like these",
                   *decide)
             : "these runs sit on both sides of it: more runs are unlikely "
               "to decide it";
  if (s.n < kMinRunsForMedianCi) {
    return fmt::format(
        "budget {:g} inside [min, max] = [{:g}, {:g}] over {} runs; {} runs "
        "are too few for any 95% interval of the median ([min, max] covers "
        "it with {:.1f}%); {}",
        b.limit, s.ci_low, s.ci_high, s.n, s.n, s.ci_level * 100, more);
  }
  return fmt::format(
      "budget {:g} inside the exact {:.1f}% order-statistics CI of the "
      "median [{:g}, {:g}] over {} runs; {}",
      b.limit, s.ci_level * 100, s.ci_low, s.ci_high, s.n, more);
}

// Judges one budgeted metric on the group's statistic `judge`.
BudgetResult JudgeGroupBudget(const std::string& metric, double limit,
                              const AggregateResult& agg,
                              const std::vector<double>& values, Notes& notes) {
  BudgetResult b;
  b.metric = metric;
  b.limit = limit;
  b.statistic = agg.judge;
  auto it = agg.stats.find(metric);
  if (it == agg.stats.end()) {
    b.verdict = Verdict::kSkipped;
    b.note = "metric not measured in any counted run";
    return b;
  }
  const Stats& s = it->second;
  b.value = Statistic(s, agg.judge);
  SetMargin(b);
  b.verdict = b.value > b.limit ? Verdict::kFail : Verdict::kPass;
  if (agg.judge == "median" && s.n >= 3 && s.ci_low < b.limit &&
      b.limit < s.ci_high) {
    b.verdict = Verdict::kInconclusive;
    b.note = InconclusiveNote(b, s, values);
    notes.Add(b.verdict, metric + ": " + b.note);
  } else if (b.verdict == Verdict::kFail) {
    notes.Add(b.verdict, fmt::format("{} {} {:g} is over the budget {:g}",
                                     metric, agg.judge, b.value, b.limit));
  } else {
    notes.Add(b.verdict, "");
  }
  return b;
}

}  // namespace

AggregateResult Aggregate(const std::vector<RunResult>& runs,
                          const Budgets& budgets, const std::string& judge,
                          double noisy_cov) {
  if (judge != "median" && judge != "p95" && judge != "max" &&
      judge != "mean") {
    throw Error("budgets", "unknown judge statistic \"" + judge +
                               "\"; use median, p95, max or mean");
  }
  AggregateResult agg;
  agg.judge = judge;
  if (!runs.empty()) {
    agg.scenario = runs.front().scenario;
    agg.profile = runs.front().profile;
    agg.backend = runs.front().backend;
  }
  Notes notes;
  const std::vector<const RunResult*> counted = NoteRuns(runs, notes);
  std::set<std::string> accelerators;
  for (const RunResult* run : counted) {
    if (!run->accelerator.empty()) accelerators.insert(run->accelerator);
  }
  if (counted.empty()) {
    notes.Add(Verdict::kError, "no counted run: nothing to judge");
  } else {
    agg.accelerator = counted.front()->accelerator;
    if (accelerators.size() > 1) {
      std::string list;
      for (const auto& a : accelerators) list += (list.empty() ? "" : ", ") + a;
      agg.warnings.push_back("mixed accelerators across runs (" + list +
                             "); budgets use " + agg.accelerator + "'s limits");
    }
  }
  std::map<std::string, std::vector<double>> values;
  for (const RunResult* run : counted) {
    for (const auto& [metric, v] : run->metrics) values[metric].push_back(v);
  }
  for (const auto& [metric, vs] : values) {
    Stats s = ComputeStats(vs);
    if (s.n >= 2 && s.cov > noisy_cov) {
      agg.warnings.push_back(fmt::format("noisy host: {} CoV {:.1f}% over {} runs",
                                         metric, s.cov * 100, s.n));
    }
    agg.stats[metric] = s;
  }
  for (const std::string& metric : BudgetedMetrics(budgets, agg.profile)) {
    const std::optional<double> limit =
        budgets.Limit(metric, agg.profile, agg.accelerator);
    if (!limit) continue;
    agg.budgets.push_back(
        JudgeGroupBudget(metric, *limit, agg, values[metric], notes));
  }
  agg.verdict = CombineVerdicts(notes.verdicts);
  agg.reason = notes.first_reason[agg.verdict];
  // A failure outranks "could not measure"; the errors are listed beside it.
  for (Verdict v : {Verdict::kInterrupted, Verdict::kError}) {
    if (agg.verdict == Verdict::kFail && !notes.first_reason[v].empty()) {
      agg.reason += "; also: " + notes.first_reason[v];
    }
  }
  return agg;
}

bool NeedsMoreSamples(const AggregateResult& aggregate) {
  return std::any_of(aggregate.budgets.begin(), aggregate.budgets.end(),
                     [](const BudgetResult& b) { return b.verdict == Verdict::kInconclusive; });
}

std::string ToString(Change change) {
  switch (change) {
    case Change::kNoChange: return "no change";
    case Change::kRegression: return "regression";
    case Change::kImprovement: return "improvement";
    case Change::kInsufficientData: return "insufficient data";
  }
  return "unknown";
}

namespace {

// CompareMetric's rule once the U test ran, on c.p_adjusted: significant and
// at least min_effect_pct in either direction decides. `p_name` names the p
// in the note ("p", "Holm-adjusted p (over 6 tests)").
void DecideOnP(MetricComparison& c, double alpha, double min_effect_pct,
               const std::string& p_name) {
  const double p = c.p_adjusted;
  const bool significant = p < alpha;
  if (significant && c.delta_pct >= min_effect_pct) {
    c.change = Change::kRegression;
    c.note = fmt::format("{} {:.3g} < {:g} and median {:+.1f}%", p_name, p,
                         alpha, c.delta_pct);
  } else if (significant && c.delta_pct <= -min_effect_pct) {
    c.change = Change::kImprovement;
    c.note = fmt::format("{} {:.3g} < {:g} and median {:+.1f}%", p_name, p,
                         alpha, c.delta_pct);
  } else if (significant) {
    c.change = Change::kNoChange;
    c.note = fmt::format(
        "significant ({} {:.3g}) but median {:+.1f}% is under the {:g}% "
        "threshold",
        p_name, p, c.delta_pct, min_effect_pct);
  } else {
    c.change = Change::kNoChange;
    c.note =
        fmt::format("not significant: {} {:.3g} >= {:g}", p_name, p, alpha);
  }
}

}  // namespace

MetricComparison CompareMetric(const std::string& metric,
                               const std::vector<double>& baseline,
                               const std::vector<double>& candidate,
                               double alpha, double min_effect_pct) {
  MetricComparison c;
  c.metric = metric;
  c.n_baseline = static_cast<int>(baseline.size());
  c.n_candidate = static_cast<int>(candidate.size());
  if (baseline.empty() || candidate.empty()) {
    c.change = Change::kInsufficientData;
    c.note = baseline.empty() ? (candidate.empty() ? "no samples on either side"
                                                   : "no baseline samples")
                              : "no candidate samples";
    return c;
  }
  const Stats base = ComputeStats(baseline);
  const Stats cand = ComputeStats(candidate);
  c.baseline_median = base.median;
  c.candidate_median = cand.median;
  if (base.median != 0) {
    c.delta_pct = (cand.median - base.median) / std::fabs(base.median) * 100;
  } else if (cand.median != 0) {
    // No relative scale: any change from 0 counts as a full-size effect.
    c.delta_pct = cand.median > 0 ? 100 : -100;
  }

  const double min_p = MinimumAchievableP(c.n_baseline, c.n_candidate);
  if (min_p >= alpha) {
    c.p_value = MannWhitneyU(candidate, baseline).p_two_sided;
    c.p_adjusted = c.p_value;
    const std::string why = fmt::format(
        "too few samples for the U test ({} vs {}: smallest possible p {:.3g} >= alpha {:g}); "
        "judged by effect size against the baseline's range [{:g}, {:g}]",
        c.n_baseline, c.n_candidate, min_p, alpha, base.min, base.max);
    const double above = base.max != 0 ? (cand.median - base.max) / std::fabs(base.max) * 100
                                       : (cand.median > 0 ? 100 : 0);
    const double below = base.min != 0 ? (base.min - cand.median) / std::fabs(base.min) * 100
                                       : (cand.median < 0 ? 100 : 0);
    if (above >= min_effect_pct) {
      c.change = Change::kRegression;
      c.note = why + fmt::format(": candidate median {:.1f}% above the baseline max", above);
    } else if (below >= min_effect_pct) {
      c.change = Change::kImprovement;
      c.note = why + fmt::format(": candidate median {:.1f}% below the baseline min", below);
    } else {
      c.change = Change::kNoChange;
      c.note = why + fmt::format(": candidate median not {:g}% beyond it", min_effect_pct);
    }
    return c;
  }

  const MannWhitneyResult mw = MannWhitneyU(candidate, baseline);
  c.p_value = mw.p_two_sided;
  c.p_adjusted = c.p_value;
  c.u_tested = true;
  DecideOnP(c, alpha, min_effect_pct, "p");
  return c;
}

std::vector<double> HolmAdjust(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  for (size_t i = 0; i < m; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return p_values[a] < p_values[b];
  });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const double scaled =
        std::min(1.0, static_cast<double>(m - rank) * p_values[order[rank]]);
    running =
        std::max(running, scaled);  // step-down: never below a smaller p's
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

int HolmCorrect(const std::vector<MetricComparison*>& comparisons, double alpha,
                double min_effect_pct) {
  std::vector<MetricComparison*> tested;
  for (MetricComparison* c : comparisons) {
    if (c->u_tested) tested.push_back(c);
  }
  if (tested.size() < 2) return static_cast<int>(tested.size());
  std::vector<double> p;
  for (const MetricComparison* c : tested) p.push_back(c->p_value);
  const std::vector<double> adjusted = HolmAdjust(p);
  const std::string name =
      fmt::format("Holm-adjusted p (over {} tests)", tested.size());
  for (size_t i = 0; i < tested.size(); ++i) {
    tested[i]->p_adjusted = adjusted[i];
    DecideOnP(*tested[i], alpha, min_effect_pct, name);
  }
  return static_cast<int>(tested.size());
}

}  // namespace bootgate
