// The whole pipeline for one VM run, readable in one function:
// load -> boot -> wait for login -> connect -> sample -> check -> judge ->
// report. RunScenario never throws for a broken image: every outcome is a
// RunResult with a verdict (error = could not measure). All OS access goes
// through the seams in RunContext.
#pragma once

#include <map>
#include <string>

#include "backend/backend.h"
#include "result/result.h"
#include "runner/image_prep.h"
#include "runner/progress.h"
#include "scenario/profile.h"
#include "scenario/scenario.h"
#include "ssh/ssh_client.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/process.h"

namespace bootgate {

struct RunContext {
  Backend* backend = nullptr;
  ProcessLauncher* launcher = nullptr;
  const Clock* clock = nullptr;
  const CancelToken* cancel = nullptr;
  SshConnector* ssh = nullptr;
  Progress* progress = nullptr;
  RecipeRunner* recipes = nullptr;  ///< image recipes, run once per suite
  std::map<std::string, Profile> profiles;
  std::string state_dir;   ///< scratch workspaces
  std::string report_dir;  ///< the suite's report directory
  std::string accel_override;  ///< --accel; empty = scenario's
  bool keep = false;           ///< --keep: leave VM files for inspection
  bool echo_console = false;   ///< print the console live (sanitised)
};

/// Runs one scenario under one profile once. `run_subdir` is this run's
/// folder inside ctx.report_dir (console logs go there).
RunResult RunScenario(const Scenario& scenario, const std::string& profile,
                      int iteration, const std::string& run_subdir,
                      RunContext& ctx);

}  // namespace bootgate
