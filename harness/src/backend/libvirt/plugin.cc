#include "backend/libvirt/plugin.h"

#include "backend/libvirt/libvirt_backend.h"
#include "backend/libvirt/remote_volumes.h"

long BootgateLibvirtPluginAbi() { return ExpectedLibvirtPluginAbi(); }

bootgate::Backend* BootgateLibvirtMakeBackend(
    const std::string& uri, bootgate::ProcessLauncher* launcher,
    const bootgate::Clock* clock, bootgate::AccelResolver* accel,
    bootgate::ResourceRegistry* registry) {
  return new bootgate::LibvirtBackend(uri, launcher, clock, accel, registry);
}

void BootgateLibvirtDestroyLeftoverDomain(const std::string& uri,
                                          const std::string& domain) {
  bootgate::LibvirtConnection conn(uri);
  bootgate::DestroyDomainIfExists(conn, domain);
  // A remote run's per-guest pool has the domain's name.
  bootgate::RemoteVolumes::RemoveIfExists(conn.get(), domain);
}
