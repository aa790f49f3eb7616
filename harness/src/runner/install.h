// Pipeline stage 2 (optional), install: boot the installer with a blank
// target disk and its unattended configuration, time it to completion (a
// console pattern, power-off or reset), and hand the installed disk to the
// boot stage. The installer VM lives and dies inside the stage.
#pragma once

#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "result/result.h"
#include "runner/installer_id.h"
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
  std::string installer;          ///< e.g. "photon-os-installer 2.3 (from the initrd's ...)"
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
  std::string format;  ///< kickstart renderer: photon-2.3|2.4|2.7|2.8|2.9|text
  std::string complete;  ///< "pattern" | "poweroff" | "reset"
  /// With "pattern" the signal; otherwise a cross-check that must have been
  /// printed before the VM ended ("" for none).
  std::string marker;
  std::vector<FailPattern> fail_patterns;
  std::string installer;  ///< what was detected, for the report ("" if none)
  /// What its code says, one line ("" if nothing was detected).
  std::string installer_facts;
  std::string completion_rule;  ///< one phrase: how completion is detected
  /// The kickstart keys the installer accepts (empty: not checked) and
  /// whose they are ("photon-os-installer 2.7's installer.py").
  std::set<std::string> known_keys;
  std::string keys_source;
  /// The package lists the initrd's /installer holds; unset when no
  /// initrd told (then packagelist_file is not checked).
  std::optional<std::vector<std::string>> package_lists;
};

/// Resolves `auto` format and completion against what the ISO's initrd
/// holds (`found.initrd`; RPMS/ alone never resolves them). Throws Error
/// naming the cause and the scenario field to set when `auto` cannot be
/// resolved. Pure.
InstallPlan PlanInstall(const InstallSpec& spec,
                        const InstallerFindings& found);

/// Checks a rendered Photon kickstart against `plan`: every top-level key
/// must be one the installer knows, and packagelist_file (if set, not an
/// absolute path) must name a file the initrd's /installer holds. Throws
/// Error naming the key or file, the installer and what it does accept.
/// Pure.
void CheckInstallConfig(const std::string& rendered, const InstallPlan& plan,
                        const std::string& template_name);

/// The package list to name in the kickstart: the first of `wanted`'s
/// '|'-separated names that the initrd's /installer holds (or that is an
/// absolute path); the first one when no initrd told. Throws Error naming
/// the names and the files that are there. Pure.
std::string ResolvePackageList(const std::string& wanted, const InstallPlan& plan, const std::string& where);

/// Renders the unattended configuration for the installer version in
/// `format` ("photon-2.3"/"2.4"/"2.7": public_key is a string;
/// "photon-2.8"/"2.9": an object with "key" and "reason"; "text":
/// placeholders only). The reason is `vars["public_key_reason"]` or a
/// default. `{{password_crypted}}` is the SHA-512 crypt hash of
/// `vars["password"]` with a fresh salt unless `vars` gives it. Pure but for
/// that salt.
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
