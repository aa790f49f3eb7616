// The optional install phase of a run: boot the installer with a blank target
// disk and its unattended configuration, time it to completion (a console
// pattern, power-off or reset), then hand the installed disk to the boot
// phase.
#pragma once

#include <map>
#include <string>

#include "backend/backend.h"
#include "result/result.h"
#include "scenario/scenario.h"

namespace bootgate {

struct RunContext;

struct InstallOutcome {
  std::string target_disk;  ///< the installed qcow2, in the workspace
};

/// Renders the unattended configuration for the installer version in
/// `format` ("photon-2.7": public_key is a string; "photon-2.8": an object;
/// "text": placeholders only). Pure.
std::string RenderInstallConfig(const std::string& template_text,
                                const std::string& format,
                                const std::map<std::string, std::string>& vars,
                                const std::string& public_key,
                                const std::string& template_name);

/// Runs the install phase; records install_s, image_mib, the installer's
/// console log and events in `result`. Throws Stop-like failures through the
/// same path as boot (see run_scenario.cc).
InstallOutcome RunInstallPhase(const Scenario& s, const BootRequest& base,
                               const std::string& public_key,
                               const std::string& out_dir,
                               const std::string& label, RunContext& ctx,
                               RunResult* result);

}  // namespace bootgate
