// Pipeline stages 3 and 4, boot and wait for login: start the system (the
// installed disk, an ISO, a disk behind a throwaway overlay, or a kernel),
// with its NoCloud seed, read its console from t0, and time the login prompt.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runner/install.h"
#include "runner/run_context.h"
#include "runner/run_setup.h"
#include "runner/vm_session.h"

namespace bootgate {

class EarlySsh;  // runner/access.h

/// The running system under test. Owns the VM: destroying it stops the
/// console (finalising its logs) and then the VM.
struct BootedSystem {
  VmSession vm;
  std::string system_disk;  ///< the disk the VM writes to ("" for ISO/kernel)
  VmPhaseInfo phase;
  std::string hypervisor_version;
  std::map<std::string, std::string> profile_applied;
  std::vector<std::string> warnings;
};

/// The system VM's request: its drives (an overlay over a disk image, the
/// installed disk), kernel and credentials (a NoCloud seed is made). Starts
/// nothing; `system_disk` gets the disk the VM writes to, if any.
BootRequest PrepareBoot(const RunRequest& run, const RunSetup& setup,
                        const InstallOutcome* installed, const RunServices& services,
                        std::string* system_disk);

/// Boots the system with its console read from t0. Throws Error when the VM
/// cannot start.
std::unique_ptr<BootedSystem> BootSystem(const RunRequest& run, const RunSetup& setup,
                                         const InstallOutcome* installed,
                                         const RunServices& services,
                                         const RunOptions& options);

struct LoginOutcome {
  double boot_s = 0;                   ///< t0 to the login prompt's arrival
  std::optional<double> debug_port_s;  ///< the guest's mark on port 0x402
  std::vector<std::string> warnings;
};

/// Waits for the login prompt; throws Stop (fail pattern, silence, timeout,
/// VM exit, kvm-stuck) or Interrupted.
/// `ssh` (may be null): SSH attempts running since t0; a guest that answers
/// SSH but never shows its serial login fails as "no-serial-login" within
/// ConsoleWait::serial_grace_s instead of at the timeout.
LoginOutcome WaitForLogin(BootedSystem& booted, const RunRequest& run,
                          const RunSetup& setup, const RunServices& services,
                          EarlySsh* ssh = nullptr);

}  // namespace bootgate
