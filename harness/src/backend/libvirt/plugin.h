// The libvirt backend as a plugin, bootgate-libvirt.so, which the CLI loads
// (cli/backends.cc) only when a run names the libvirt backend. libvirt pulls
// in some 40 shared libraries (GLib, GnuTLS, libxml2, ICU...) that would cost
// every bootgate process about 11 ms of start-up and 8 MiB of RSS, including
// the QEMU runs that never touch libvirt.
#pragma once

#include <string>

#include "backend/backend.h"
#include "backend/qemu/accel_resolver.h"
#include "util/clock.h"
#include "util/process.h"

/// Bumped whenever a type crossing this boundary changes; the loader refuses
/// a plugin built with another value (a stale build next to a new binary).
inline constexpr int kLibvirtPluginAbi = 5;

extern "C" {
/// kLibvirtPluginAbi as the plugin was built, plus the sizes of the structs
/// that cross the boundary, folded together.
long BootgateLibvirtPluginAbi();
/// A new LibvirtBackend; the caller owns it. Throws bootgate::Error.
bootgate::Backend* BootgateLibvirtMakeBackend(
    const std::string& uri, bootgate::ProcessLauncher* launcher,
    const bootgate::Clock* clock, bootgate::AccelResolver* accel,
    bootgate::ResourceRegistry* registry);
/// DestroyDomainIfExists on a fresh connection to `uri`. Throws Error.
void BootgateLibvirtDestroyLeftoverDomain(const std::string& uri,
                                          const std::string& domain);
}

/// The value BootgateLibvirtPluginAbi returns when built from these headers.
inline long ExpectedLibvirtPluginAbi() {
  return kLibvirtPluginAbi * 1000003L +
         static_cast<long>(sizeof(bootgate::BootRequest)) * 131 +
         static_cast<long>(sizeof(std::string));
}
