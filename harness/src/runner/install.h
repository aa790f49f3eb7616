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
#include "runner/installer_id.h"
#include "runner/run_setup.h"
#include "scenario/scenario.h"

namespace bootgate {

/// What the install stage measured, whether or not it finished.
struct InstallOutcome {
  std::string target_disk;        ///< the installed qcow2, in the workspace
  std::optional<double> install_s;   ///< set when the install completed
  std::optional<double> image_mib;   ///< size of the installer ISO
  std::string completion;         ///< how completion was seen
  std::string installer;          ///< e.g. "photon-os-installer 2.3 (RPMS/...)"
  std::optional<VmPhaseInfo> phase;  ///< set once the installer VM started
  /// What the installer VM's hardware really was (Guest::ProfileApplied):
  /// the report's profile_applied when the run never boots the installed
  /// system (a failed install), so a fault such as a CD on the wrong bus is
  /// visible there too.
  std::map<std::string, std::string> profile_applied;
  std::vector<std::string> console_tail;  ///< the installer's, on failure
  std::vector<std::string> warnings;
  /// Set when the stage ended the run (Stop, Error, Interrupted); the
  /// pipeline rethrows it after keeping the rest.
  std::exception_ptr failure;
};

/// How this install is driven, resolved from the scenario and the installer
/// the ISO carries.
struct InstallPlan {
  std::string format;    ///< kickstart renderer: photon-2.3|2.7|2.8|text
  std::string complete;  ///< "pattern" | "poweroff" | "reset"
  /// With "pattern" the signal; otherwise a cross-check that must have been
  /// printed before the VM ended ("" for none).
  std::string marker;
  std::vector<FailPattern> fail_patterns;
  std::string installer;  ///< what was detected, for the report ("" if none)
  std::string completion_rule;  ///< one phrase: how completion is detected
};

/// Resolves `auto` format and completion against `detected` (the ISO's
/// photon-os-installer, if any). Throws Error naming the scenario field when
/// `auto` cannot be resolved. Pure.
InstallPlan PlanInstall(const InstallSpec& spec, const std::optional<InstallerVersion>& detected);

/// Renders the unattended configuration for the installer version in
/// `format` ("photon-2.3"/"photon-2.7": public_key is a string;
/// "photon-2.8": an object with "key" and "reason"; "text": placeholders
/// only). The reason is `vars["public_key_reason"]` or a default. Pure.
std::string RenderInstallConfig(const std::string& template_text,
                                const std::string& format,
                                const std::map<std::string, std::string>& vars,
                                const std::string& public_key,
                                const std::string& template_name);

/// Runs the installer to completion. Never throws: how it ended is in the
/// outcome (`failure`).
InstallOutcome RunInstall(const RunRequest& run, const RunSetup& setup,
                          const RunServices& services, const RunOptions& options);

/// What the installer VM would be given, for --dry-run: prepared exactly as
/// RunInstall prepares it (recipes run, blank target disk made, kernel and
/// initrd read out of the ISO, kickstart rendered), with no VM started.
struct InstallPreview {
  InstallOutcome outcome;  ///< target disk, image size, installer, warnings
  BootRequest request;     ///< the installer VM's
  InstallPlan plan;
  std::string config;      ///< the rendered kickstart, secrets included
};

/// Prepares the install as RunInstall does and starts nothing. Throws Error.
InstallPreview PreviewInstall(const RunRequest& run, const RunSetup& setup,
                              const RunServices& services);

}  // namespace bootgate
