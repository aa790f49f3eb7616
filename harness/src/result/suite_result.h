// A whole `bootgate run`: its runs and, per scenario x profile, the aggregate
// the judge stage computed over the counted iterations.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "result/budget_result.h"
#include "result/run_result.h"
#include "result/stats.h"
#include "result/verdict.h"

namespace bootgate {

/// A scenario x profile over its counted iterations.
struct AggregateResult {
  std::string scenario;
  std::string profile;
  std::string backend;
  std::string accelerator;
  std::string judge = "median";  ///< the statistic budgets are judged on
  Verdict verdict = Verdict::kPass;
  std::string reason;
  std::map<std::string, Stats> stats;  ///< metric -> statistics
  std::vector<BudgetResult> budgets;   ///< judged on the chosen statistic
  std::vector<std::string> warnings;   ///< e.g. "noisy host: CoV 12%"
};

/// A whole `bootgate run`.
struct SuiteResult {
  std::string schema = "bootgate.report/v1";
  std::string run_id;
  std::string started_at;
  std::string finished_at;
  std::string host;
  std::string bootgate_version;
  /// --timeout-scale: every scenario timeout was multiplied by this.
  double timeout_scale = 1.0;
  std::string build_id;
  std::map<std::string, std::string> labels;
  Verdict verdict = Verdict::kPass;
  std::vector<RunResult> runs;
  std::vector<AggregateResult> aggregates;
  std::string report_dir;
};

}  // namespace bootgate
