// The QEMU backend: each Guest is a qemu-system-x86_64 child process started
// without a shell, its serial console on a pipe, QMP on a socketpair, and the
// optional debug port on another pipe. The process dies with its Guest (and,
// through PR_SET_PDEATHSIG, with bootgate itself).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "backend/backend.h"
#include "backend/qemu/accel_resolver.h"
#include "backend/qemu/qemu_command.h"
#include "util/process.h"

namespace bootgate {

class QemuBackend : public Backend {
 public:
  /// `accel` decides KVM for the host (shared with other backends).
  QemuBackend(ProcessLauncher* launcher, const Clock* clock, QemuHost host,
              AccelResolver* accel);
  std::string name() const override { return "qemu"; }
  std::unique_ptr<Guest> Boot(const BootRequest& request) override;
  /// The argv without bootgate's private QMP/debug-port descriptors.
  BootPreview Preview(const BootRequest& request) const override;
  std::pair<std::string, std::string> ResolveAccel(
      const std::string& requested) override;
  void ReportAccelBroken(const std::string& accel, const std::string& evidence) override;

 private:
  ProcessLauncher* launcher_;
  const Clock* clock_;
  QemuHost host_;
  AccelResolver* accel_;
};

/// "QEMU emulator version 7.2.22 (...)" -> "7.2.22"; "" if unparsable.
std::string ParseQemuVersion(const std::string& version_output);

}  // namespace bootgate
