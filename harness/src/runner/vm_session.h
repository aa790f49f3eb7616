// Pieces shared by the install and boot phases of a run: the VM session
// (guest + console, torn down in the right order), the early-stop verdict
// and the console wait loop with progress, fail patterns and watchdogs.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "console/console.h"
#include "result/verdict.h"
#include "runner/run_scenario.h"

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
  ~VmSession() {
    if (console) console->Stop();
    if (guest) guest->Destroy();
  }
};

/// Waits for `target` on the console. Throws Stop on a fail pattern,
/// silence, timeout or the VM ending (unless `vm_exit_is_success`, then the
/// exit time is returned), Interrupted on cancellation. Returns the match
/// time in seconds after t0.
double WaitForConsole(VmSession& vm, const std::string& label,
                      const std::string& phase, const Pattern& target,
                      const std::vector<FailPattern>& fails, double timeout_s,
                      double silence_s, std::optional<double> budget_s,
                      RunContext& ctx, bool vm_exit_is_success,
                      std::string* matched_line);

/// "12.3"
std::string Fmt1(double v);
/// Sleeps up to `d`, waking early to throw Interrupted on cancellation.
void SleepCancellable(Duration d, const Clock& clock, const CancelToken* cancel);

}  // namespace bootgate
