#include "backend/qemu/kvm_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {

bool FirmwareReachesBoot(ProcessLauncher& launcher, const std::string& qemu_binary,
                         const std::string& accel, double timeout_s,
                         std::string* detail) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) throw Error(ErrnoMessage("pipe", errno));
  SpawnOptions opts;
  opts.argv = {qemu_binary, "-nodefaults", "-no-user-config", "-display", "none",
               "-machine", "q35,accel=" + accel, "-m", "64", "-boot", "menu=off",
               "-no-reboot", "-chardev",
               "file,id=dbg,path=/dev/fd/" + std::to_string(p[1]), "-device",
               "isa-debugcon,iobase=0x402,chardev=dbg"};
  opts.keep_fds = {p[1]};
  opts.pipe_stderr = true;
  std::unique_ptr<ChildProcess> child;
  try {
    child = launcher.Spawn(opts);
  } catch (...) {
    close(p[0]);
    close(p[1]);
    throw;
  }
  close(p[1]);
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + FromSeconds(timeout_s);
  bool ok = false;
  char buf[4096];
  while (!ok) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pf{p[0], POLLIN, 0};
    if (poll(&pf, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<size_t>(n));
    ok = seen.find("Booting from") != std::string::npos ||
         seen.find("No bootable device") != std::string::npos;
  }
  close(p[0]);
  auto status = child->Terminate(std::chrono::milliseconds(200));
  if (detail) {
    if (ok) {
      *detail = "firmware reached its boot step under " + accel;
    } else {
      auto nl = seen.find_last_of('\n', seen.size() >= 2 ? seen.size() - 2 : 0);
      std::string last = seen.empty() ? "(no output)" : seen.substr(nl == std::string::npos ? 0 : nl + 1);
      while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.pop_back();
      *detail = "firmware did not reach its boot step under " + accel + " within " +
                std::to_string(timeout_s).substr(0, 3) + " s (last output: '" + last +
                "'; QEMU " + status.Describe() + ")";
    }
  }
  return ok;
}

AccelProbe ProbeKvm(ProcessLauncher& launcher, const std::string& qemu_binary,
                    const std::string& cache_dir, double timeout_s) {
  AccelProbe result;
  if (access("/dev/kvm", R_OK | W_OK) != 0) {
    result.note = "/dev/kvm is not available; using TCG (software emulation)";
    return result;
  }
  // Cache per host boot: nested virtualisation does not change without one.
  std::string boot_id;
  try {
    boot_id = ReadFile("/proc/sys/kernel/random/boot_id");
    while (!boot_id.empty() && boot_id.back() == '\n') boot_id.pop_back();
  } catch (const Error&) {
  }
  fs::path cache;
  if (!cache_dir.empty() && !boot_id.empty()) {
    cache = fs::path(cache_dir) / ("kvm-probe-" + boot_id);
    std::error_code ec;
    if (fs::exists(cache, ec)) {
      std::string c = ReadFile(cache);
      result.kvm_usable = c.rfind("usable", 0) == 0;
      auto nl = c.find('\n');
      result.note = (nl == std::string::npos ? c : c.substr(nl + 1)) +
                    " (probe cached for this host boot)";
      return result;
    }
  }
  std::string detail;
  result.kvm_usable = FirmwareReachesBoot(launcher, qemu_binary, "kvm", timeout_s, &detail);
  result.note = result.kvm_usable
                    ? "KVM probe passed: " + detail
                    : "/dev/kvm exists but a probe guest did not run: " + detail +
                          "; using TCG";
  if (!cache.empty()) {
    try {
      WriteFileAtomic(cache, std::string(result.kvm_usable ? "usable" : "broken") +
                                 "\n" + result.note);
    } catch (const Error&) {
      // A cache we cannot write only costs the next run another probe.
    }
  }
  return result;
}

}  // namespace bootgate
