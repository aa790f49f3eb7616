// `bootgate compare`: judges a candidate selection of the history against a
// baseline selection, per scenario x profile and metric, with the
// Mann-Whitney rule of budget/budget.h (CompareMetric), Holm-corrected when
// several metrics are tested. It refuses what it cannot compare: an empty
// side, or sides that ran on different accelerators, backends or profiles
// (unless asked to compare them anyway).
#pragma once

#include <string>
#include <vector>

#include "budget/budget.h"
#include "history/explain_compare.h"
#include "history/history.h"

namespace bootgate {

struct CompareReport {
  std::string scenario, profile;
  std::vector<MetricComparison> metrics;  ///< sorted by metric name
  /// What moved inside the guest (history/explain_compare.h), per explained
  /// metric the top movers; empty when either side has no explanations.
  std::vector<ExplainMover> movers;
  bool regression = false;  ///< any metric is a regression
  std::string note;         ///< e.g. accelerators differ between the sides
};

struct CompareOptions {
  double alpha = 0.01;
  double min_effect_pct = 5.0;
  std::vector<std::string>
      metrics;                  ///< only these metrics (empty: every one seen)
  bool allow_mismatch = false;  ///< compare across accelerator/backend/profile
};

struct CompareResult {
  std::vector<CompareReport> reports;
  int baseline_runs = 0;  ///< counted runs with a selected metric, per side
  int candidate_runs = 0;
  /// Differences that make the sides incomparable, one sentence each
  /// ("photon / qemu-kvm: accelerators differ: baseline tcg, candidate kvm").
  std::vector<std::string> mismatches;
  int tests = 0;  ///< U tests in the Holm family (corrected when >= 2)
  bool regression = false;  ///< any metric is a regression
  /// "" if comparable, else why not: "the baseline selection matched no
  /// counted runs" / "... candidate ..." / the mismatches (when not allowed).
  std::string refusal;
};

/// `bootgate compare`. Reads the counted runs (not warmup, verdict not
/// error/interrupted/skipped) with a selected metric of both selections and
/// groups them by scenario x profile (sorted). Refuses (result.refusal, exit
/// 2) when a side has none, or when a group's sides ran on different
/// accelerators or backends, or a scenario on different profiles, unless
/// options.allow_mismatch: then they are compared with a note, and a scenario
/// with one profile on each side is compared across them (profile
/// "a vs b"). Every selected metric seen on either side is compared with
/// CompareMetric; all U tests together are Holm-corrected (HolmCorrect).
/// Each group's explanations are compared with CompareExplanations (not in
/// the Holm family: they explain, they do not decide).
CompareResult Compare(const History& history, const Selector& baseline,
                      const Selector& candidate,
                      const CompareOptions& options = {});

/// Exit code of `bootgate compare`: 2 refused, 1 regression, else 0.
int CompareExitCode(const CompareResult& result);

/// A plain-text table for the terminal: one line per metric, columns
/// scenario, profile, metric, baseline median (n), candidate median (n),
/// delta %, p, result; notes follow the table.
std::string FormatCompareTable(const std::vector<CompareReport>& reports);
/// The table of result.reports, then what the p-values mean ("p-values are
/// Holm-corrected for 6 tests" / "one test: no correction") and the result.
std::string FormatCompareTable(const CompareResult& result);

/// `compare --format json`: {"result": "regression" | "no regression" |
/// "refused", "refusal", "exit_code", "correction": "holm" | "none", "tests",
/// "mismatches": [...], "baseline_runs", "candidate_runs", "groups": [{
/// "scenario", "profile", "note", "regression", "metrics": [{"metric",
/// "change", "baseline_median", "candidate_median", "delta_pct", "p_value",
/// "p_adjusted", "n_baseline", "n_candidate", "note"}], "movers": [{"metric",
/// "kind", "name", "change", "unit", "baseline", "candidate", "delta",
/// "p_value", "u_tested"}]}]}, pretty-printed.
std::string RenderCompareJson(const CompareResult& result);

}  // namespace bootgate
