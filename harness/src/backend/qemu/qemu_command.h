// Builds QEMU's argument vector from a BootRequest and its hardware profile.
// Pure: the same request gives the same argv (golden-tested), and everything
// the profile asked for that cannot be honoured becomes a warning.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace bootgate {

/// Host facts that decide what can be applied.
struct QemuHost {
  std::string qemu_binary = "qemu-system-x86_64";
  std::string ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
  std::string ovmf_vars_template = "/usr/share/OVMF/OVMF_VARS_4M.fd";
  /// fds the child inherits: QMP socket and debug-port pipe.
  int qmp_fd = -1;
  int debugcon_fd = -1;
};

struct QemuCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> applied;  ///< field -> what was applied
  std::vector<std::string> warnings;
  std::string ovmf_vars_copy;  ///< run_dir file to create from the template
};

QemuCommand BuildQemuCommand(const BootRequest& request, const QemuHost& host);

}  // namespace bootgate
