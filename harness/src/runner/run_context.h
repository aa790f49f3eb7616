// What a run is given, split by purpose: the services it uses (every OS
// boundary, each a seam with a real and a fake implementation), the options
// the user chose for the whole invocation, and the one run to do. A stage
// takes only the parts it uses.
#pragma once

#include <map>
#include <string>

#include "backend/backend.h"
#include "runner/image_prep.h"
#include "runner/progress.h"
#include "scenario/profile.h"
#include "scenario/scenario.h"
#include "ssh/ssh_client.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/ports.h"
#include "util/process.h"

namespace bootgate {

/// The services a run uses; none is owned.
struct RunServices {
  Backend* backend = nullptr;
  ProcessLauncher* launcher = nullptr;
  const Clock* clock = nullptr;
  const CancelToken* cancel = nullptr;  ///< may be null
  SshConnector* ssh = nullptr;
  Progress* progress = nullptr;     ///< may be null
  RecipeRunner* recipes = nullptr;  ///< image recipes, once per suite; may be null
  PortPicker* ports =
      nullptr;  ///< SSH-forward ports; null: LoopbackPortPicker's
};

/// A port for an SSH forward from `services.ports` (or the kernel's choice).
int PickPort(const RunServices& services);

/// The user's choices for every run of one invocation.
struct RunOptions {
  std::map<std::string, Profile> profiles;
  std::string state_dir;       ///< scratch workspaces
  std::string report_dir;      ///< the suite's report directory
  std::string accel_override;  ///< --accel; empty = scenario's
  bool keep = false;           ///< --keep: leave VM files for inspection
  bool echo_console = false;   ///< print the console live (sanitised)
};

/// One VM run: a scenario under a profile, once.
struct RunRequest {
  const Scenario* scenario = nullptr;
  std::string profile;
  int iteration = 1;
  std::string run_subdir;  ///< this run's folder inside report_dir
  /// Set: overrides the scenario and --accel (the TCG rerun after KVM
  /// failed a run).
  std::string forced_accel;
  /// --boots-per-install K > 1 (runner/install_reuse.h): the installed disk
  /// this run boots through a fresh overlay instead of installing ("": it
  /// installs), or, on a run that installs, where to keep its installed
  /// disk for the group's next runs. install_id names the install whose
  /// disk the run booted (report.json's install_id).
  std::string installed_disk = {};
  std::string keep_installed_disk_at = {};
  std::string install_id = {};
  /// "scenario/profile#iteration", for progress lines.
  std::string Label() const;
  /// What the run asks of the accelerator: --accel, else the scenario's.
  std::string AccelRequested(const RunOptions& options) const;
};

/// Both halves, as the suite passes them around.
struct RunContext {
  RunServices services;
  RunOptions options;
};

}  // namespace bootgate
