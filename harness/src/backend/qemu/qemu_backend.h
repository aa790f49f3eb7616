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
#include "backend/qemu/qemu_command.h"
#include "util/process.h"

namespace bootgate {

class QemuBackend : public Backend {
 public:
  /// `cache_dir` keeps the KVM probe result per host boot ("" = no cache).
  QemuBackend(ProcessLauncher* launcher, const Clock* clock, QemuHost host,
              std::string cache_dir);
  std::string name() const override { return "qemu"; }
  std::unique_ptr<Guest> Boot(const BootRequest& request) override;
  std::pair<std::string, std::string> ResolveAccel(
      const std::string& requested) override;

 private:
  ProcessLauncher* launcher_;
  const Clock* clock_;
  QemuHost host_;
  std::string cache_dir_;
  std::mutex probe_mu_;
  std::optional<std::pair<bool, std::string>> probe_;
};

/// "QEMU emulator version 7.2.22 (...)" -> "7.2.22"; "" if unparsable.
std::string ParseQemuVersion(const std::string& version_output);

}  // namespace bootgate
