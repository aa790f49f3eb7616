// A whole `bootgate run`: scenarios x profiles x iterations (plus warm-ups
// and retries), run on a bounded worker pool that reserves each VM's vCPUs
// and memory, then aggregated and judged on the chosen statistic.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "result/result.h"
#include "runner/run_context.h"
#include "runner/run_scenario.h"

namespace bootgate {

struct SuiteOptions {
  int iterations = 0;       ///< 0: each scenario's own
  int warmup = -1;          ///< -1: each scenario's own
  int retries = 0;          ///< re-runs of runs that could not measure
  int jobs = 0;             ///< 0: from host cores and memory
  int shard_index = 0;      ///< --shard K/N: K (1-based) ...
  int shard_count = 0;      ///< ... and N; 0 = no sharding
  int until_confident_max = 0;  ///< take more samples while inconclusive
  /// --boots-per-install: installs per K boots of a group (0: each
  /// scenario's install.boots_per_install, default 1).
  int boots_per_install = 0;
  std::vector<std::string> profiles;  ///< overrides scenarios' profiles
  std::string run_id;
  std::string build_id;
  std::map<std::string, std::string> labels;
};

/// One unit of work.
struct PlannedRun {
  const Scenario* scenario;
  std::string profile;
  int iteration;  ///< 1-based; warm-ups are negative-free: see `warmup`
  bool warmup;
  std::string key() const;  ///< "scenario/profile" for sharding
};

/// The runs a suite will do, in a stable order; sharding keeps whole
/// scenario x profile groups together so statistics stay in one shard.
std::vector<PlannedRun> PlanRuns(const std::vector<Scenario>& scenarios,
                                 const SuiteOptions& options);

/// Default worker count: min(cores / vCPUs, MemAvailable / VM memory), >= 1.
/// Workers take whole scenario x profile groups: a group's runs never
/// overlap each other.
int DefaultJobs(int vm_cpus, int vm_memory_mib);

/// Runs the plan and judges it (budget/judge_suite.h JudgeSuite). Never
/// throws for a failing image.
SuiteResult RunSuite(const std::vector<Scenario>& scenarios,
                     const SuiteOptions& options, RunContext& ctx);

/// Every scenario/profile group of the plan before sharding, in plan order
/// ("reference/qemu-kvm"): what a shard's report records so that `merge`
/// can name the shards missing.
std::vector<std::string> PlannedGroups(const std::vector<Scenario>& scenarios,
                                       const SuiteOptions& options);

}  // namespace bootgate
