// `bootgate compare`: judges a candidate selection of the history against a
// baseline selection, per scenario x profile and metric, with the
// Mann-Whitney rule of budget/budget.h (CompareMetric).
#pragma once

#include <string>
#include <vector>

#include "budget/budget.h"
#include "history/history.h"

namespace bootgate {

struct CompareReport {
  std::string scenario, profile;
  std::vector<MetricComparison> metrics;  ///< sorted by metric name
  bool regression = false;  ///< any metric is a regression
  std::string note;         ///< e.g. accelerators differ between the sides
};

/// Reads the counted runs (not warmup, verdict not error/interrupted/skipped)
/// of both selections, groups them by scenario x profile (sorted) and compares
/// every metric seen on either side with CompareMetric. A group present on one
/// side only yields kInsufficientData comparisons. Sides that ran on different
/// accelerators are compared anyway, with a note.
std::vector<CompareReport> CompareSelections(const History& history,
                                             const Selector& baseline,
                                             const Selector& candidate,
                                             double alpha = 0.01,
                                             double min_effect_pct = 5.0);

/// A plain-text table for the terminal: one line per metric, columns
/// scenario, profile, metric, baseline median (n), candidate median (n),
/// delta %, p, result; notes follow the table.
std::string FormatCompareTable(const std::vector<CompareReport>& reports);

}  // namespace bootgate
