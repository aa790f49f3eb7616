// `bootgate compare` explains what moved: per systemd unit and boot part,
// per process, kernel part, directory and package, between the runs of a
// baseline and a candidate (their HistoryRun::explain). Each item is tested
// like a metric (CompareMetric: the same Mann-Whitney U test and minimum
// effect size, or its small-sample fallback), but the items do not decide
// the verdict and are not in the Holm family: they say why a metric moved.
// Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "budget/budget.h"

namespace bootgate {

/// kind -> name -> value, as HistoryRun::explain.
using ExplainRowsOfRun = std::map<std::string, std::map<std::string, double>>;

struct ExplainMover {
  std::string metric;  ///< the metric it explains: boot_s, ram_mib, disk_mib
  std::string kind;    ///< unit, systemd, process, kernel, path, package
  std::string name;
  std::string unit;  ///< "s" | "MiB"
  /// "appeared" (in no baseline run), "disappeared" (in no candidate run),
  /// "grew" (a regression by CompareMetric's rule), "shrank" (an improvement).
  std::string change;
  double baseline = 0;  ///< median over the side's runs (0 where absent)
  double candidate = 0;
  double delta = 0;       ///< candidate - baseline, in `unit`
  MetricComparison test;  ///< the comparison behind `change`
};

/// The items that moved, for each explained metric the `top_n`: growth
/// (appeared, grew) before shrinkage; within each, the changes the runs
/// establish (appeared or disappeared, or U-tested) before those judged by
/// the effect size alone (too few runs for the U test), then the largest
/// |delta| first. Only
/// runs that have an item's kind count for it; in such a run an absent item
/// is 0. Items below `min_delta_s` / `min_delta_mib` are not listed.
std::vector<ExplainMover> CompareExplanations(
    const std::vector<const ExplainRowsOfRun*>& baseline,
    const std::vector<const ExplainRowsOfRun*>& candidate, double alpha = 0.01,
    double min_effect_pct = 5.0, int top_n = 5, double min_delta_s = 0.1,
    double min_delta_mib = 0.5);

/// "process bootgate-hog appeared: +30.0 MiB (0 -> 30.0)" or "unit
/// foo.service grew: +2.01 s (0.52 -> 2.53, p 0.004)".
std::string FormatMover(const ExplainMover& m);

}  // namespace bootgate
