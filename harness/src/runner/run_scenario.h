// The whole pipeline for one VM run, readable in one function:
// accelerator -> set-up -> [install] -> boot -> wait for login -> connect ->
// sample -> check -> judge. Each stage returns a value; RunScenario never
// throws for a broken image: every outcome is a RunResult with a verdict
// (error = could not measure). All OS access goes through RunServices.
#pragma once

#include "result/result.h"
#include "runner/run_context.h"

namespace bootgate {

/// Runs one scenario under one profile once; console logs go to
/// `options.report_dir/run.run_subdir`.
RunResult RunScenario(const RunRequest& run, const RunServices& services,
                      const RunOptions& options);

}  // namespace bootgate
