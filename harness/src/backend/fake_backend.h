// A Backend without a hypervisor, for unit tests of the pipeline: each Boot()
// plays a script (console bytes at set times, then optionally the VM ending)
// into a FakeByteStream, so RunScenario's classification of panics, silence,
// timeouts, VM exits, retries and interruptions is tested without QEMU.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "util/clock.h"

namespace bootgate {

/// What one fake VM does.
struct FakeGuestScript {
  struct Step {
    Duration after{};   ///< delay after the previous step (or the boot)
    std::string bytes;  ///< written to the serial console
  };
  FakeGuestScript(std::vector<Step> console_steps = {},
                  std::optional<std::string> exit = std::nullopt,
                  std::string error = "", std::string shutdown = "")
      : console(std::move(console_steps)),
        exit_status(std::move(exit)),
        boot_error(std::move(error)),
        shutdown_reason(std::move(shutdown)) {}
  std::vector<Step> console;
  /// Set: after the last step the VM ends, its console closes, and Ended()
  /// reports this text (e.g. "QEMU killed by signal 9 (SIGKILL)").
  std::optional<std::string> exit_status;
  /// Non-empty: Boot() throws Error with this message (the VM never starts).
  std::string boot_error;
  /// Set with exit_status: the VM's end is also a SHUTDOWN event with this
  /// reason ("guest-shutdown" for a power-off, "guest-reset" for a reboot
  /// under -no-reboot), as QEMU's QMP reports it.
  std::string shutdown_reason;
  /// With exit_status: the VM has already ended when its last step's delay
  /// begins; that step's bytes arrive after it, then the console closes. As
  /// when QEMU has exited and the console still holds what the guest printed
  /// last, not yet read.
  bool ends_before_last_step = false;
};

/// Plays scripts in order, one per Boot(); the last one repeats.
class FakeBackend : public Backend {
 public:
  FakeBackend(const Clock* clock, std::vector<FakeGuestScript> scripts);
  ~FakeBackend() override;

  std::string name() const override { return "fake"; }
  std::unique_ptr<Guest> Boot(const BootRequest& request) override;
  /// "fake" then the request's kernel, append and drives, one per line.
  BootPreview Preview(const BootRequest& request) const override;
  /// "tcg" is always given; "auto" and "kvm" give KVM while the fake host's
  /// KVM is usable (SetKvmUsable), and "kvm" throws Error when it is not.
  std::pair<std::string, std::string> ResolveAccel(
      const std::string& requested) override;
  void ReportAccelBroken(const std::string& accel, const std::string& evidence) override;
  void SetKvmUsable(bool usable);
  /// Evidence given to ReportAccelBroken, in order.
  std::vector<std::string> accel_reports() const;

  /// Boot() calls so far (including those that threw).
  int boots() const;
  /// Guests started and not yet destroyed: 0 after every run ends cleanly.
  int live_guests() const;
  /// The requests Boot() received, in order.
  std::vector<BootRequest> requests() const;

 private:
  const Clock* clock_;
  std::vector<FakeGuestScript> scripts_;
  mutable std::mutex mu_;
  int boots_ = 0;
  std::vector<BootRequest> requests_;
  bool kvm_usable_ = false;
  std::vector<std::string> accel_reports_;
  std::shared_ptr<std::atomic<int>> live_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace bootgate
