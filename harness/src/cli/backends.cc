#include "cli/backends.h"

#include <cstdlib>

#include "backend/qemu/qemu_backend.h"
#include "util/error.h"

namespace bootgate {

std::unique_ptr<Backend> MakeBackend(const std::string& name, const std::string& connect,
                                     ProcessLauncher* launcher, const Clock* clock,
                                     const std::string& cache_dir) {
  if (name == "qemu") {
    QemuHost host;
    if (const char* q = getenv("BOOTGATE_QEMU")) host.qemu_binary = q;
    return std::make_unique<QemuBackend>(launcher, clock, host, cache_dir);
  }
  (void)connect;
  throw Error("backend", "the libvirt backend is not built into this bootgate");
}

void DestroyLeftoverDomain(const std::string& uri, const std::string& domain) {
  (void)uri;
  (void)domain;
}

}  // namespace bootgate
