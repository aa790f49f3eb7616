// `bootgate ab`: judges a candidate against a baseline from pairs of runs
// taken alternately on one host (budget/ab_stats.h for the statistics), per
// metric, and says what moved inside the guest like `compare` does
// (history/explain_compare.h). Also renders the `ab` section of report.json,
// its Markdown and JUnit forms and the terminal table. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "budget/ab_stats.h"
#include "history/explain_compare.h"
#include "result/run_result.h"

namespace bootgate {

/// One pair: a counted baseline run and a counted candidate run taken one
/// right after the other, in `order` ("AB": baseline first).
struct AbPair {
  const RunResult* baseline = nullptr;
  const RunResult* candidate = nullptr;
  std::string order;
};

struct AbOptions {
  MinEffect min_effect;  ///< default 5%
  /// The metrics that decide (the exit code, the stopping rule); the others
  /// are reported with their own decision but decide nothing.
  std::vector<std::string> decisive = {"boot_s"};
};

struct AbMetric {
  std::string metric;
  double baseline_median = 0, candidate_median = 0;
  ShiftEstimate shift;    ///< candidate - baseline, in the metric's unit
  double p_value = 1;     ///< Wilcoxon signed-rank, two-sided
  double min_effect = 0;  ///< delta in the metric's unit
  double alpha = 0;       ///< the interval is at level 1 - alpha
  AbDecision decision = AbDecision::kInconclusive;
  bool decisive = false;
  std::optional<int> more_pairs;  ///< when inconclusive: PairsToDecide
  int n = 0;                      ///< pairs with the metric on both sides
};

struct AbResult {
  int pairs = 0;
  std::vector<std::string> order;  ///< per pair, "AB" | "BA"
  std::string order_mode;          ///< "abba" | "random"
  uint64_t seed = 0;
  /// How the run stopped: "fixed: 10 pairs" or "until decided: look 2 of 4
  /// (12 pairs, alpha 0.0125 of 0.05, linear alpha spending)".
  std::string stopping;
  std::vector<AbMetric> metrics;  ///< decisive first, then by name
  std::vector<ExplainMover> movers;
  AbDecision decision = AbDecision::kInconclusive;
  std::optional<int> more_pairs;  ///< when inconclusive, if projectable
  std::string baseline_name, candidate_name;
  /// Set when it could not measure (exit 2): why.
  std::string error;
};

/// Analyses `pairs` at interval level 1 - `alpha` (Bonferroni over the
/// decisive metrics: each decisive one at alpha / count). Metrics: those
/// measured on both sides of every pair, minus phase_* (the phase split
/// explains, it does not gate), plus the decisive ones, each judged on the
/// pairs that measured it on both sides (n); a metric no pair measured is
/// inconclusive. decision: regression if any decisive metric is one, else
/// inconclusive if any is, else improvement if any is, else no change;
/// more_pairs: the largest of the inconclusive decisive metrics'.
AbResult AnalyzeAb(const std::vector<AbPair>& pairs, double alpha,
                   const AbOptions& options);

/// Exit code of `bootgate ab`: 2 could not measure (error set), 1
/// regression, kAbInconclusiveExit inconclusive, else 0.
inline constexpr int kAbInconclusiveExit = 3;
int AbExitCode(const AbResult& result);

/// The `ab` object of report.json (JSON text): {"baseline", "candidate",
/// "pairs", "order": [...], "order_mode", "seed", "stopping", "decision",
/// "more_pairs" (null when none), "exit_code", "metrics": [{"metric",
/// "baseline_median", "candidate_median", "shift_s" (for *_s metrics) or
/// "shift", "ci_low", "ci_high", "ci_level", "p_value", "min_effect",
/// "decision", "decisive", "more_pairs", "n"}], "movers": [...]}.
std::string RenderAbJson(const AbResult& result);
/// A Markdown section "## A/B: baseline vs candidate" with the table.
std::string RenderAbMarkdown(const AbResult& result);
/// One <testsuite name="ab"> with a test case per metric; a regression is a
/// <failure>, inconclusive a <skipped> with how many more pairs would decide.
std::string RenderAbJUnitSuite(const AbResult& result);
/// The terminal table and the decision line.
std::string FormatAbTable(const AbResult& result);

}  // namespace bootgate
