// Pieces shared by the VM phases of a run (install, boot): the VM session
// (guest + console, torn down in the right order), the early-stop verdict
// and the console wait loop with progress, fail patterns and watchdogs.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "console/console.h"
#include "result/run_result.h"
#include "result/verdict.h"
#include "runner/run_context.h"
#include "runner/workspace.h"

namespace bootgate {

/// A run that ended before its pipeline finished: a verdict, not an error.
struct Stop {
  Verdict verdict;
  std::string failure_class;
  std::string reason;
};

/// Destroyed in reverse order: the console stops reading before the VM dies.
struct VmSession {
  std::unique_ptr<Guest> guest;
  std::unique_ptr<Console> console;
  std::string accel;  ///< what the guest runs under: "kvm" | "tcg"
  /// The host port of the guest's SSH forward as the hypervisor bound it
  /// (after retries); 0 without a forward.
  int ssh_host_port = 0;
  /// Ports that were taken when the hypervisor tried them, for the report.
  std::vector<int> ports_taken;
  ~VmSession() {
    if (console) console->Stop();
    if (guest) guest->Destroy();
  }
};

/// How often a VM start is tried with a fresh SSH-forward port when the
/// hypervisor finds the port taken.
inline constexpr int kPortAttempts = 8;

/// Boots `req` into `vm` and starts reading its console into
/// `<out_dir>/<log_name>.log` (and `.timed.log`); returns the phase record
/// for the report (`run_subdir/<log_name>.log`, argv, t0). If the SSH
/// forward's port is taken when the hypervisor binds it, boots again with a
/// port from `services.ports` (up to kPortAttempts starts in all). With a
/// `workspace`, what a later `bootgate clean` must destroy if this bootgate
/// dies is recorded in it before each start (the libvirt domain's name,
/// which is known before it exists) and after it (the VM's process id).
VmPhaseInfo BootIntoSession(VmSession& vm, const BootRequest& req, const std::string& phase,
                            const std::string& out_dir, const std::string& run_subdir,
                            const std::string& log_name, ConsoleOptions copts,
                            const RunServices& services, Workspace* workspace = nullptr);

/// What to wait for on a console, and for how long.
struct ConsoleWait {
  std::string label;  ///< the run's, for progress
  std::string phase;  ///< "boot", "install"
  Pattern target;     ///< empty source: wait only for the VM to end
  std::vector<FailPattern> fails;
  double timeout_s = 60;
  double silence_s = 0;  ///< 0: no silence watchdog
  std::optional<double> budget_s;  ///< shown in progress
  bool vm_exit_is_success = false;
  /// When set and returning a time: the guest answered SSH then. If the
  /// target has not appeared `serial_grace_s` later, the wait ends as
  /// "no-serial-login" (a system whose serial console was never set up
  /// would otherwise run into the timeout).
  std::function<std::optional<double>()> ssh_ready_s;
  double serial_grace_s = 30;
};

/// Waits for `wait.target` on the console. Throws Stop on a fail pattern,
/// silence, timeout (as "kvm-stuck", could not measure, when a KVM guest
/// printed no kernel output before it) or the VM ending (unless
/// `vm_exit_is_success`, then the exit time is returned), Interrupted on
/// cancellation. Returns the match time in seconds after t0.
double WaitForConsole(VmSession& vm, const ConsoleWait& wait, const RunServices& services);

/// "12.3"
std::string Fmt1(double v);

}  // namespace bootgate
