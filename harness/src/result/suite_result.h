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
  /// What the judge counted (budget/judge_suite.h): per verdict the number
  /// of counted runs (RunRole::kCounted) that count as it, and how many
  /// attempts were superseded and how many warm-ups ran.
  std::map<std::string, int> counts;
  int superseded = 0;
  int warmups = 0;
  /// Every run of the group that could not measure or was interrupted
  /// (warm-ups included, superseded attempts not): "iteration 2 (attempt
  /// 1): timeout: ...".
  std::vector<std::string> errors;
  /// Every warm-up that did not pass, with its reason.
  std::vector<std::string> warmup_failures;
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
  /// --shard K/N (0/0: not sharded) and every scenario/profile group of the
  /// whole plan, this shard's or not: `merge` names the shards missing.
  int shard_index = 0;
  int shard_count = 0;
  std::vector<std::string> planned_groups;
  /// Per merged shard "K/N": its run id, build, labels, timeout scale and
  /// suite verdict (empty for an unmerged report).
  std::vector<std::map<std::string, std::string>> shards;
  bool interrupted = false;  ///< Ctrl-C or a signal stopped the suite
  /// Set by the judge: CombineVerdicts over the groups' verdicts, plus
  /// kInterrupted when interrupted (a failure still outranks it).
  Verdict verdict = Verdict::kPass;
  std::vector<RunResult> runs;
  std::vector<AggregateResult> aggregates;
  std::string report_dir;
};

}  // namespace bootgate
