#include "backend/qemu/kvm_probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kPanicLine = "Kernel panic - not syncing";
constexpr const char* kCacheFile = "kvm-verdict.json";
// Generous for TCG on a loaded 2-core host; a normal probe needs 2-4 s.
constexpr double kTcgLimitS = 30;

std::string StateName(KvmVerdict::State s) {
  switch (s) {
    case KvmVerdict::State::kUsable:
      return "usable";
    case KvmVerdict::State::kBroken:
      return "broken";
    case KvmVerdict::State::kUnavailable:
      return "unavailable";
  }
  return "unavailable";
}

std::string Secs(double s) { return fmt::format("{:.2f} s", s); }

// The last non-empty line of what the guest printed, as plain ASCII.
std::string LastLine(const std::string& seen) {
  size_t end = seen.size();
  while (end > 0 && (seen[end - 1] == '\n' || seen[end - 1] == '\r')) --end;
  size_t start = seen.rfind('\n', end == 0 ? 0 : end - 1);
  start = start == std::string::npos ? 0 : start + 1;
  std::string out;
  for (size_t i = start; i < end && out.size() < 160; ++i) {
    unsigned char c = static_cast<unsigned char>(seen[i]);
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
  }
  return out;
}

// One QEMU booting the probe kernel, its serial console on a pipe.
struct Trial {
  KernelTrial result;
  std::unique_ptr<ChildProcess> child;
  int fd = -1;
  std::string seen;
  SteadyClock::time_point start;
  bool done = false;

  void Finish(const std::string& why) {
    if (done) return;
    done = true;
    result.elapsed_s =
        std::chrono::duration<double>(SteadyClock::now() - start).count();
    result.last_line = LastLine(seen);
    result.ended = why;
    if (fd >= 0) close(fd);
    fd = -1;
    if (child) {
      // How QEMU ended matters only if it ended by itself (an error at start,
      // "failed to initialize kvm"); our own SIGTERM says nothing.
      std::optional<ExitStatus> own = child->TryWait();
      child->Terminate(std::chrono::milliseconds(200));
      if (own && !result.reached)
        result.ended += " (QEMU " + own->Describe() + ")";
    }
    child.reset();
  }
  ~Trial() {
    if (fd >= 0) close(fd);
  }
};

void StartTrial(ProcessLauncher& launcher, const std::string& qemu,
                const std::string& kernel, Trial* t) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) throw Error(ErrnoMessage("pipe", errno));
  SpawnOptions opts;
  // The machine a real run uses (q35), one vCPU, no disks, no network: the
  // kernel runs its initcalls, finds no root file system and panics, and
  // panic=-1 with -no-reboot makes QEMU exit.
  opts.argv = {qemu,
               "-nodefaults",
               "-no-user-config",
               "-display",
               "none",
               "-machine",
               "q35,accel=" + t->result.accel,
               "-m",
               "128",
               "-smp",
               "1",
               "-no-reboot",
               "-kernel",
               kernel,
               "-append",
               "console=ttyS0 panic=-1 earlyprintk=ttyS0",
               "-chardev",
               "file,id=ser,path=/dev/fd/" + std::to_string(p[1]),
               "-serial",
               "chardev:ser"};
  opts.keep_fds = {p[1]};
  t->start = SteadyClock::now();
  try {
    t->child = launcher.Spawn(opts);
  } catch (...) {
    close(p[0]);
    close(p[1]);
    throw;
  }
  close(p[1]);
  t->fd = p[0];
  t->result.ran = true;
}

// Reads what is there; returns false at end of file.
bool Pump(Trial* t) {
  char buf[8192];
  ssize_t n = read(t->fd, buf, sizeof buf);
  if (n <= 0) return false;
  t->seen.append(buf, static_cast<size_t>(n));
  // Only the tail is needed: the panic line and the last line.
  if (t->seen.size() > (64 << 10))
    t->seen.erase(0, t->seen.size() - (32 << 10));
  if (t->seen.find(kPanicLine) != std::string::npos) t->result.reached = true;
  return true;
}

// Reads what is there; ends the trial at its panic line or at QEMU's exit.
void PumpOrFinish(Trial* t) {
  if (!Pump(t))
    t->Finish(t->result.reached ? "reached its panic" : "QEMU exited before the panic line");
  else if (t->result.reached)
    t->Finish("reached its panic");
}

double ElapsedS(const Trial& t) {
  return std::chrono::duration<double>(SteadyClock::now() - t.start).count();
}

}  // namespace

double KvmBoundS(double tcg_s) { return std::max(2.0, 1.5 * tcg_s + 0.5); }

KvmVerdict JudgeTrials(const KernelTrial& kvm, const KernelTrial& tcg) {
  KvmVerdict v;
  v.kvm = kvm;
  v.tcg = tcg;
  v.how = "kernel probe";
  auto seen = [](const KernelTrial& t) {
    return t.last_line.empty() ? std::string("no output at all")
                               : "last output '" + t.last_line + "'";
  };
  std::string tcg_part =
      tcg.reached ? "TCG reached it in " + Secs(tcg.elapsed_s)
                  : "TCG " + tcg.ended + " after " + Secs(tcg.elapsed_s);
  if (kvm.reached &&
      (!tcg.reached || kvm.elapsed_s <= KvmBoundS(tcg.elapsed_s))) {
    v.state = KvmVerdict::State::kUsable;
    v.evidence = "a Linux kernel booted under KVM reached its panic line in " +
                 Secs(kvm.elapsed_s) + " (" + tcg_part + ")";
  } else if (kvm.reached) {
    v.state = KvmVerdict::State::kBroken;
    v.evidence = "a Linux kernel under KVM reached its panic line only after " +
                 Secs(kvm.elapsed_s) + ", slower than the bound of " +
                 Secs(KvmBoundS(tcg.elapsed_s)) + " from TCG's " +
                 Secs(tcg.elapsed_s);
  } else {
    v.state = KvmVerdict::State::kBroken;
    v.evidence =
        "a Linux kernel booted under KVM did not reach its panic line (" +
        kvm.ended + ", " + seen(kvm) + "; " + tcg_part +
        (tcg.reached ? ", so KVM had " + Secs(KvmBoundS(tcg.elapsed_s)) : "") +
        ")";
  }
  return v;
}

bool CachedVerdictHolds(const KvmVerdict& v, double now_unix_s,
                        const std::string& boot_id, std::string* why_not) {
  auto no = [&](std::string why) {
    if (why_not) *why_not = std::move(why);
    return false;
  };
  if (v.boot_id != boot_id) return no("made on another host boot");
  if (now_unix_s + 60 < v.made_unix_s)
    return no("made in the future (clock changed)");
  if (v.state == KvmVerdict::State::kBroken &&
      now_unix_s - v.made_unix_s > kBrokenVerdictTtlS)
    return no(fmt::format("a 'broken' verdict expires after {:.0f} min",
                          kBrokenVerdictTtlS / 60));
  return true;
}

std::string SerializeVerdict(const KvmVerdict& v) {
  auto trial = [](const KernelTrial& t) {
    return json{{"accel", t.accel},         {"ran", t.ran},
                {"reached", t.reached},     {"elapsed_s", t.elapsed_s},
                {"last_line", t.last_line}, {"ended", t.ended}};
  };
  json j = {{"schema", "bootgate.kvm-verdict/v1"},
            {"state", StateName(v.state)},
            {"how", v.how},
            {"made_unix_s", v.made_unix_s},
            {"boot_id", v.boot_id},
            {"kernel", v.kernel},
            {"qemu_binary", v.qemu_binary},
            {"probe_s", v.probe_s},
            {"evidence", v.evidence},
            {"kvm", trial(v.kvm)},
            {"tcg", trial(v.tcg)}};
  return j.dump(2) + "\n";
}

std::optional<KvmVerdict> ParseVerdict(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.value("schema", "") != "bootgate.kvm-verdict/v1")
    return std::nullopt;
  try {
    KvmVerdict v;
    std::string state = j.at("state").get<std::string>();
    if (state == "usable")
      v.state = KvmVerdict::State::kUsable;
    else if (state == "broken")
      v.state = KvmVerdict::State::kBroken;
    else if (state == "unavailable")
      v.state = KvmVerdict::State::kUnavailable;
    else
      return std::nullopt;
    v.how = j.at("how").get<std::string>();
    v.made_unix_s = j.at("made_unix_s").get<double>();
    v.boot_id = j.at("boot_id").get<std::string>();
    v.kernel = j.value("kernel", "");
    v.qemu_binary = j.value("qemu_binary", "");
    v.probe_s = j.value("probe_s", 0.0);
    v.evidence = j.at("evidence").get<std::string>();
    for (auto* t : {&v.kvm, &v.tcg}) {
      const json& k = j.at(t == &v.kvm ? "kvm" : "tcg");
      t->accel = k.value("accel", "");
      t->ran = k.value("ran", false);
      t->reached = k.value("reached", false);
      t->elapsed_s = k.value("elapsed_s", 0.0);
      t->last_line = k.value("last_line", "");
      t->ended = k.value("ended", "");
    }
    return v;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string FindProbeKernel(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  std::vector<std::string> cloud, any;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("vmlinuz-", 0) != 0 || access(e.path().c_str(), R_OK) != 0)
      continue;
    any.push_back(e.path().string());
    if (name.find("-cloud-amd64") != std::string::npos)
      cloud.push_back(e.path().string());
  }
  // Newest by version: "6.1.0-57" sorts after "6.1.0-9" only when compared
  // number by number.
  auto newest = [](std::vector<std::string> v) -> std::string {
    if (v.empty()) return "";
    std::sort(v.begin(), v.end(),
              [](const std::string& a, const std::string& b) {
                return strverscmp(a.c_str(), b.c_str()) < 0;
              });
    return v.back();
  };
  std::string k = newest(cloud);
  return k.empty() ? newest(any) : k;
}

ProbeHost ProbeHost::Current() {
  ProbeHost h;
  h.now_unix_s = std::chrono::duration<double>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  try {
    h.boot_id = ReadFile("/proc/sys/kernel/random/boot_id");
    while (!h.boot_id.empty() &&
           std::isspace(static_cast<unsigned char>(h.boot_id.back())))
      h.boot_id.pop_back();
  } catch (const Error&) {
  }
  h.kvm_device = access("/dev/kvm", R_OK | W_OK) == 0;
  return h;
}

KernelTrial RunKernelTrial(ProcessLauncher& launcher,
                           const std::string& qemu_binary,
                           const std::string& kernel, const std::string& accel,
                           double timeout_s) {
  Trial t;
  t.result.accel = accel;
  StartTrial(launcher, qemu_binary, kernel, &t);
  while (!t.done) {
    double left = timeout_s - ElapsedS(t);
    if (left <= 0) {
      t.Finish(fmt::format("no panic line within {:.1f} s", timeout_s));
      break;
    }
    pollfd pf{t.fd, POLLIN, 0};
    if (poll(&pf, 1, static_cast<int>(left * 1000) + 1) <= 0) continue;
    PumpOrFinish(&t);
  }
  return t.result;
}

KvmProber::KvmProber(ProcessLauncher* launcher, std::string qemu_binary,
                     std::string cache_dir, std::string kernel)
    : launcher_(launcher),
      qemu_binary_(std::move(qemu_binary)),
      cache_dir_(std::move(cache_dir)),
      kernel_(std::move(kernel)) {}

std::string KvmProber::cache_path() const {
  return cache_dir_.empty() ? "" : (fs::path(cache_dir_) / kCacheFile).string();
}

void KvmProber::Store(const KvmVerdict& v) {
  if (cache_dir_.empty() || v.boot_id.empty()) return;
  try {
    fs::create_directories(cache_dir_);
    WriteFileAtomic(cache_path(), SerializeVerdict(v));
  } catch (const std::exception&) {
    // A cache we cannot write only costs the next run another probe.
  }
}

KvmVerdict KvmProber::Decide(const ProbeHost& host) {
  if (!host.kvm_device) {
    KvmVerdict v;
    v.state = KvmVerdict::State::kUnavailable;
    v.how = "no /dev/kvm";
    v.evidence = "/dev/kvm is not available (no KVM module, or no access)";
    return v;
  }
  std::string why_not;
  if (!cache_dir_.empty()) {
    std::error_code ec;
    if (fs::exists(cache_path(), ec)) {
      std::optional<KvmVerdict> cached;
      try {
        cached = ParseVerdict(ReadFile(cache_path()));
      } catch (const Error&) {
      }
      if (cached && CachedVerdictHolds(*cached, host.now_unix_s, host.boot_id,
                                       &why_not)) {
        cached->from_cache = true;
        return *cached;
      }
    }
  }
  return ProbeNow(host);
}

KvmVerdict KvmProber::ProbeNow(const ProbeHost& host) {
  auto start = SteadyClock::now();
  KvmVerdict v;
  if (kernel_.empty()) {
    v.state = KvmVerdict::State::kBroken;
    v.how = "no probe kernel";
    v.evidence =
        "KVM cannot be proven: no Linux kernel to probe with (install "
        "linux-image-cloud-amd64, or pass --probe-kernel)";
  } else {
    Trial kvm, tcg;
    kvm.result.accel = "kvm";
    tcg.result.accel = "tcg";
    StartTrial(*launcher_, qemu_binary_, kernel_, &kvm);
    StartTrial(*launcher_, qemu_binary_, kernel_, &tcg);
    while (!kvm.done) {
      // KVM's deadline: the bound from TCG once TCG has answered, else TCG's
      // own limit.
      double kvm_limit =
          tcg.result.reached ? KvmBoundS(tcg.result.elapsed_s) : kTcgLimitS;
      if (!tcg.done && ElapsedS(tcg) >= kTcgLimitS)
        tcg.Finish(fmt::format("no panic line within {:.0f} s", kTcgLimitS));
      if (ElapsedS(kvm) >= kvm_limit) {
        kvm.Finish(fmt::format("given up after {:.2f} s", kvm_limit));
        break;
      }
      pollfd pf[2] = {{kvm.fd, POLLIN, 0}, {tcg.done ? -1 : tcg.fd, POLLIN, 0}};
      double wait_s = kvm_limit - ElapsedS(kvm);
      if (!tcg.done) wait_s = std::min(wait_s, kTcgLimitS - ElapsedS(tcg));
      if (poll(pf, 2, static_cast<int>(std::max(0.0, wait_s) * 1000) + 1) <= 0)
        continue;
      if (pf[1].revents && !tcg.done) PumpOrFinish(&tcg);
      if (pf[0].revents) PumpOrFinish(&kvm);
    }
    tcg.Finish(kvm.result.reached
                   ? "stopped: KVM answered first"
                   : fmt::format("no panic line within {:.0f} s", kTcgLimitS));
    v = JudgeTrials(kvm.result, tcg.result);
    if (!tcg.result.reached && !kvm.result.reached) {
      v.how = "probe inconclusive";
      v.evidence +=
          "; the probe kernel did not reach its panic under TCG either, so "
          "KVM is not proven";
    }
  }
  v.made_unix_s = host.now_unix_s;
  v.boot_id = host.boot_id;
  v.kernel = kernel_;
  v.qemu_binary = qemu_binary_;
  v.probe_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  Store(v);
  return v;
}

KvmVerdict KvmProber::MarkBroken(const ProbeHost& host,
                                 const std::string& evidence) {
  KvmVerdict v;
  v.state = KvmVerdict::State::kBroken;
  v.how = "contradicted by a run";
  v.evidence = evidence;
  v.made_unix_s = host.now_unix_s;
  v.boot_id = host.boot_id;
  v.kernel = kernel_;
  v.qemu_binary = qemu_binary_;
  Store(v);
  return v;
}

bool ForgetKvmVerdict(const std::string& cache_dir) {
  std::error_code ec;
  return fs::remove(fs::path(cache_dir) / kCacheFile, ec);
}

std::string DescribeVerdict(const KvmVerdict& v, double now_unix_s) {
  std::string head;
  switch (v.state) {
    case KvmVerdict::State::kUsable:
      head = "KVM usable";
      break;
    case KvmVerdict::State::kBroken:
      head = "KVM unusable";
      break;
    case KvmVerdict::State::kUnavailable:
      head = "KVM unavailable";
      break;
  }
  std::string out = head + " (" + v.how + "): " + v.evidence;
  if (v.probe_s > 0) out += fmt::format("; the probe took {:.2f} s", v.probe_s);
  if (v.from_cache) {
    out += "; cached";
    if (v.made_unix_s > 0) {
      double age = now_unix_s - v.made_unix_s;
      out += fmt::format(" {:.0f} s ago", std::max(0.0, age));
    }
  }
  return out;
}

}  // namespace bootgate
