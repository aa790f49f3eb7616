// Pipeline stage 1, set-up: the accelerator, the run's private workspace, its
// credentials (an ephemeral SSH key, the secrets to redact) and the boot
// request every VM phase of the run starts from. Nothing boots yet.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "runner/run_context.h"
#include "runner/workspace.h"
#include "ssh/ssh_client.h"

namespace bootgate {

/// The accelerator a run's VMs use, and why.
struct AccelChoice {
  std::string accel;  ///< "kvm" | "tcg"
  std::string note;
};

/// Asks the backend (forced_accel, else --accel, else the scenario's).
/// Throws Error when an explicit "kvm" is not usable here.
AccelChoice ChooseAccel(const RunRequest& run, const RunServices& services,
                        const RunOptions& options);

struct RunSetup {
  std::string out_dir;  ///< this run's report folder (absolute or as given)
  std::string vm_name;  ///< unique: "bootgate-<scenario>-<pid>-<hex>"
  std::map<std::string, std::string> profile_fields;  ///< requested
  std::unique_ptr<Workspace> workspace;
  BootRequest base;  ///< profile, accel, size, secrets, SSH forward
  std::optional<SshKeyPair> key;
  std::string public_key;  ///< OpenSSH line of `key`, or ""
  bool wants_access = false;  ///< log in at all (SSH or serial)
  bool wants_ssh = false;
};

/// The secrets of a scenario: redacted from every log, report and message.
std::vector<std::string> ScenarioSecrets(const Scenario& s);

/// Creates the workspace, runs the image recipe and makes the credentials.
/// Throws Error (could not measure) when any of it fails.
RunSetup SetUpRun(const RunRequest& run, const AccelChoice& accel,
                  const RunServices& services, const RunOptions& options);

}  // namespace bootgate
