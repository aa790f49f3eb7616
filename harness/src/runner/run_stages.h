// The values the pipeline's stages returned for one run, in stage order, and
// the one place that turns them into a RunResult. Members are declared in
// stage order, so they are destroyed in reverse: the SSH channel closes
// before the console stops and the VM dies, and the workspace goes last.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metrics/sampler.h"
#include "result/result.h"
#include "runner/access.h"
#include "runner/boot.h"
#include "runner/install.h"
#include "runner/run_context.h"
#include "runner/run_setup.h"
#include "runner/vm_session.h"

namespace bootgate {

struct RunStages {
  std::string started_at;  ///< RFC 3339
  std::optional<AccelChoice> accel;
  std::optional<RunSetup> setup;
  std::optional<InstallOutcome> install;
  std::unique_ptr<BootedSystem> booted;
  std::unique_ptr<EarlySsh> ssh;  ///< SSH attempts running since the VM started
  std::optional<LoginOutcome> login;
  std::optional<AccessOutcome> access;
  std::optional<SampleSeries> samples;
  std::optional<HostDiskUsage> host_disk;  ///< the system disk and its backing chain
  /// The guest's attribution of boot, RAM and disk, taken after the samples.
  std::optional<Explanation> explain;
  std::vector<CheckResult> checks;
  /// How the run ended early, if it did (a fail pattern, silence, an error).
  std::optional<Stop> stop;
};

/// The Stop for the exception being handled: a Stop as it is, Interrupted
/// as kInterrupted, anything else as "could not measure". Call inside catch.
Stop StopForCurrentException();

/// The run's result from what its stages returned: metrics, phases,
/// budgets, the judged verdict, all secrets redacted. Reads the console and
/// the VM (still alive) but changes neither.
RunResult AssembleRunResult(const RunRequest& run, const RunServices& services,
                            const RunOptions& options, const RunStages& stages);

}  // namespace bootgate
