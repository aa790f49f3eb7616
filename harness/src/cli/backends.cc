#include "cli/backends.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "backend/qemu/qemu_backend.h"
#include "util/error.h"
#ifdef BOOTGATE_WITH_LIBVIRT
#include "backend/libvirt/plugin.h"
#endif

namespace bootgate {
namespace {

#ifdef BOOTGATE_WITH_LIBVIRT
constexpr const char* kLibvirtPluginFile = "bootgate-libvirt.so";

struct LibvirtPlugin {
  decltype(&BootgateLibvirtMakeBackend) make = nullptr;
  decltype(&BootgateLibvirtDestroyLeftoverDomain) destroy_leftover = nullptr;
};

/// Where bootgate-libvirt.so may be, in order: $BOOTGATE_PLUGIN_DIR, beside
/// the running binary, ../lib/bootgate from it (installed), this build tree.
std::vector<std::filesystem::path> LibvirtPluginCandidates() {
  std::vector<std::filesystem::path> dirs;
  if (const char* d = getenv("BOOTGATE_PLUGIN_DIR"); d && *d)
    dirs.emplace_back(d);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path());
    dirs.push_back(exe.parent_path().parent_path() / "lib" / "bootgate");
  }
  dirs.emplace_back(BOOTGATE_BUILD_PLUGIN_DIR);
  std::vector<std::filesystem::path> files;
  for (const auto& d : dirs) files.push_back(d / kLibvirtPluginFile);
  return files;
}

LibvirtPlugin OpenLibvirtPlugin() {
  std::string tried;
  for (const auto& file : LibvirtPluginCandidates()) {
    if (access(file.c_str(), F_OK) != 0) continue;
    // Never closed: libvirt's event-loop thread runs plugin code until exit.
    void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += std::string(tried.empty() ? "" : "; ") + dlerror();
      continue;
    }
    auto abi = reinterpret_cast<decltype(&BootgateLibvirtPluginAbi)>(
        dlsym(handle, "BootgateLibvirtPluginAbi"));
    LibvirtPlugin p;
    p.make = reinterpret_cast<decltype(p.make)>(
        dlsym(handle, "BootgateLibvirtMakeBackend"));
    p.destroy_leftover = reinterpret_cast<decltype(p.destroy_leftover)>(
        dlsym(handle, "BootgateLibvirtDestroyLeftoverDomain"));
    if (!abi || !p.make || !p.destroy_leftover ||
        abi() != ExpectedLibvirtPluginAbi()) {
      tried += std::string(tried.empty() ? "" : "; ") + file.string() +
               " was built from other sources than this bootgate";
      continue;
    }
    return p;
  }
  throw Error(
      kLibvirtPluginFile,
      "cannot load the libvirt backend plugin" +
          (tried.empty()
               ? std::string(": not found beside the bootgate binary, in "
                             "../lib/bootgate or in $BOOTGATE_PLUGIN_DIR")
               : ": " + tried) +
          "; rebuild it (cmake --build build --target bootgate-libvirt) and "
          "keep it beside the binary");
}

/// The plugin, loaded on first use. A process-wide cache because dlopen's
/// handle is process-wide state anyway; a failed load is retried next call.
const LibvirtPlugin& LoadLibvirtPlugin() {
  static const LibvirtPlugin plugin = OpenLibvirtPlugin();
  return plugin;
}
#endif

}  // namespace

std::string QemuBinary() {
  const char* q = getenv("BOOTGATE_QEMU");
  return q && *q ? q : QemuHost().qemu_binary;
}

std::unique_ptr<Backend> MakeBackend(const std::string& name,
                                     const std::string& connect,
                                     ProcessLauncher* launcher,
                                     const Clock* clock, AccelResolver* accel,
                                     ResourceRegistry* registry) {
  if (name == "qemu") {
    QemuHost host;
    host.qemu_binary = QemuBinary();
    return std::make_unique<QemuBackend>(launcher, clock, host, accel);
  }
  if (name == "libvirt") {
#ifdef BOOTGATE_WITH_LIBVIRT
    return std::unique_ptr<Backend>(
        LoadLibvirtPlugin().make(connect.empty() ? kDefaultLibvirtUri : connect,
                                 launcher, clock, accel, registry));
#else
    (void)connect;
    (void)registry;
    throw Error("backend",
                "the libvirt backend is not built into this bootgate "
                "(libvirt development files were missing at build time)");
#endif
  }
  throw Error("backend",
              "unknown backend '" + name + "'; expected qemu or libvirt");
}

void DestroyLeftoverDomain(const std::string& uri, const std::string& domain) {
#ifdef BOOTGATE_WITH_LIBVIRT
  LoadLibvirtPlugin().destroy_leftover(uri.empty() ? kDefaultLibvirtUri : uri,
                                       domain);
#else
  throw Error(
      domain,
      "cannot destroy this leftover libvirt domain: the libvirt backend is not "
      "built into this bootgate; use virsh destroy");
#endif
}

}  // namespace bootgate
