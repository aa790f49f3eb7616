// Backend construction for the CLI: picks the QEMU or libvirt backend.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "backend/qemu/accel_resolver.h"
#include "util/process.h"

namespace bootgate {

/// The libvirt URI used when neither the scenario nor --connect gives one.
inline constexpr const char* kDefaultLibvirtUri = "qemu:///system";

/// `registry` (may be null) gets every libvirt domain while it exists (QEMU
/// processes are registered by their launcher).
std::unique_ptr<Backend> MakeBackend(const std::string& name,
                                     const std::string& connect,
                                     ProcessLauncher* launcher,
                                     const Clock* clock, AccelResolver* accel,
                                     ResourceRegistry* registry = nullptr);
/// The QEMU binary: $BOOTGATE_QEMU, else qemu-system-x86_64 from PATH.
std::string QemuBinary();
/// Destroys a libvirt domain left by a dead bootgate (leftover clean-up):
/// connects to `uri` (default kDefaultLibvirtUri), destroys and undefines
/// `domain` if it still exists. Throws Error if libvirt cannot be reached.
void DestroyLeftoverDomain(const std::string& uri, const std::string& domain);

}  // namespace bootgate
