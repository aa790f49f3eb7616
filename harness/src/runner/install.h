// Pipeline stage 2 (optional), install: boot the installer with a blank
// target disk and its unattended configuration, time it to completion (a
// console pattern, power-off or reset), and hand the installed disk to the
// boot stage. The installer VM lives and dies inside the stage.
#pragma once

#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "result/result.h"
#include "runner/run_context.h"
#include "runner/run_setup.h"
#include "scenario/scenario.h"

namespace bootgate {

/// What the install stage measured, whether or not it finished.
struct InstallOutcome {
  std::string target_disk;        ///< the installed qcow2, in the workspace
  std::optional<double> install_s;   ///< set when the install completed
  std::optional<double> image_mib;   ///< size of the installer ISO
  std::string completion;         ///< how completion was seen
  std::optional<VmPhaseInfo> phase;  ///< set once the installer VM started
  std::vector<std::string> console_tail;  ///< the installer's, on failure
  std::vector<std::string> warnings;
  /// Set when the stage ended the run (Stop, Error, Interrupted); the
  /// pipeline rethrows it after keeping the rest.
  std::exception_ptr failure;
};

/// Renders the unattended configuration for the installer version in
/// `format` ("photon-2.7": public_key is a string; "photon-2.8": an object;
/// "text": placeholders only). Pure.
std::string RenderInstallConfig(const std::string& template_text,
                                const std::string& format,
                                const std::map<std::string, std::string>& vars,
                                const std::string& public_key,
                                const std::string& template_name);

/// Runs the installer to completion. Never throws: how it ended is in the
/// outcome (`failure`).
InstallOutcome RunInstall(const RunRequest& run, const RunSetup& setup,
                          const RunServices& services, const RunOptions& options);

}  // namespace bootgate
