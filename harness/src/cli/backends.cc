#include "cli/backends.h"

#include <cstdlib>

#include "backend/qemu/qemu_backend.h"
#include "util/error.h"
#ifdef BOOTGATE_WITH_LIBVIRT
#include "backend/libvirt/libvirt_backend.h"
#endif

namespace bootgate {

std::unique_ptr<Backend> MakeBackend(const std::string& name, const std::string& connect,
                                     ProcessLauncher* launcher, const Clock* clock,
                                     const std::string& cache_dir) {
  if (name == "qemu") {
    QemuHost host;
    if (const char* q = getenv("BOOTGATE_QEMU")) host.qemu_binary = q;
    return std::make_unique<QemuBackend>(launcher, clock, host, cache_dir);
  }
  if (name == "libvirt") {
#ifdef BOOTGATE_WITH_LIBVIRT
    return std::make_unique<LibvirtBackend>(connect.empty() ? kDefaultLibvirtUri : connect,
                                            launcher, clock, cache_dir);
#else
    (void)connect;
    throw Error("backend", "the libvirt backend is not built into this bootgate "
                           "(libvirt development files were missing at build time)");
#endif
  }
  throw Error("backend", "unknown backend '" + name + "'; expected qemu or libvirt");
}

void DestroyLeftoverDomain(const std::string& uri, const std::string& domain) {
#ifdef BOOTGATE_WITH_LIBVIRT
  LibvirtConnection conn(uri.empty() ? kDefaultLibvirtUri : uri);
  DestroyDomainIfExists(conn, domain);
#else
  throw Error(domain, "cannot destroy this leftover libvirt domain: the libvirt backend is not "
                      "built into this bootgate; use virsh destroy");
#endif
}

}  // namespace bootgate
