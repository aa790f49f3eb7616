#include "runner/vm_session.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "console/printk_check.h"

namespace bootgate {

std::string Fmt1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

namespace {
// How long an ended VM's console may take to close before the end is judged
// without it (every backend's console closes after the VM's last byte).
constexpr Duration kConsoleDrain = std::chrono::seconds(2);

// A fail pattern can match a line still being printed ("...: FAILED" before
// ": target disk too small"): wait briefly for the rest, for the reason and
// the console tail.
std::string CompleteLine(VmSession& vm, uint64_t cursor, const std::string& seen) {
  for (int i = 0; i < 10; ++i) {
    for (const auto& line : vm.console->LinesSince(cursor > 0 ? cursor - 1 : 0)) {
      if (line.text.rfind(seen, 0) == 0) return line.text;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return seen;
}

// A guest under KVM that goes quiet before its kernel printed a line is the
// signature of a host whose KVM hangs guests (firmware or kernel stalls with
// no output); TCG would have run it. Nothing else stalls there so early.
void ThrowIfKvmStuck(VmSession& vm, const std::string& what) {
  if (vm.accel != "kvm") return;
  std::vector<std::string> tail = vm.console->Tail(1);
  for (const auto& line : vm.console->LinesSince(0))
    if (IsKernelOutput(line.text)) return;
  if (!tail.empty() && IsKernelOutput(tail.back())) return;
  std::string last = tail.empty() || tail.back().empty()
                         ? "no output at all"
                         : "last output '" + tail.back().substr(0, 120) + "'";
  throw Stop{Verdict::kError, "kvm-stuck",
             "the guest printed no kernel output under KVM (" + what + "; " + last +
                 "): KVM hangs guests on this host"};
}
}  // namespace

VmPhaseInfo BootIntoSession(VmSession& vm, const BootRequest& req, const std::string& phase,
                            const std::string& out_dir, const std::string& run_subdir,
                            const std::string& log_name, ConsoleOptions copts,
                            const RunServices& services, Workspace* workspace) {
  BootRequest attempt = req;
  for (int tries = 1;; ++tries) {
    try {
      // Before the start: a bootgate killed while libvirt creates the
      // domain (or uploads its disks to a remote pool) leaves it recorded.
      if (workspace)
        workspace->RecordOwner(0, services.backend->name() == "libvirt" ? attempt.name : "",
                               services.backend->cleanup_uri());
      vm.guest = services.backend->Boot(attempt);
      break;
    } catch (const PortInUse& e) {
      if (tries >= kPortAttempts)
        throw Error(req.name,
                    std::string(e.what()) + " (" +
                        std::to_string(kPortAttempts) +
                        " ports were tried, each taken before QEMU bound it)");
      vm.ports_taken.push_back(attempt.ssh_host_port);
      attempt.ssh_host_port = PickPort(services);
    }
  }
  vm.ssh_host_port = attempt.ssh_host_port;
  vm.accel = req.accel;
  if (workspace)
    workspace->RecordOwner(vm.guest->pid(), vm.guest->domain_name(),
                           services.backend->cleanup_uri());
  VmPhaseInfo info{phase, run_subdir + "/" + log_name + ".log", vm.guest->Describe(), "",
                   WallTimeUnixAt(*services.clock, vm.guest->started_at())};
  copts.log_path = out_dir + "/" + log_name + ".log";
  copts.timed_log_path = out_dir + "/" + log_name + ".timed.log";
  copts.secrets = req.secrets;
  vm.console = std::make_unique<Console>(&vm.guest->console(), services.clock,
                                         vm.guest->started_at(), copts);
  vm.console->Start();
  return info;
}

double WaitForConsole(VmSession& vm, const ConsoleWait& wait, const RunServices& services) {
  // An empty target would match every line: then only the VM's end counts.
  const bool has_target = !wait.target.source.empty();
  std::vector<Pattern> list;
  if (has_target) list.push_back(wait.target);
  for (const auto& f : wait.fails)
    list.push_back(Pattern::Compile(f.name, f.regex));
  const PatternSet patterns(
      std::move(list));  // all matched in one pass per line
  const std::string& phase = wait.phase;
  const double timeout_s = wait.timeout_s, silence_s = wait.silence_s;
  const Clock& clock = *services.clock;
  uint64_t cursor = 0;
  TimePoint t0 = vm.guest->started_at();
  TimePoint deadline = t0 + FromSeconds(timeout_s);
  std::optional<TimePoint> drain_until;  // set once the VM is seen ended
  while (true) {
    TimePoint tick = std::min(deadline, clock.Now() + std::chrono::milliseconds(250));
    WaitOutcome w = vm.console->WaitFor(patterns, &cursor, tick,
                                        FromSeconds(silence_s), services.cancel);
    double elapsed = ToSeconds(clock.Now() - t0);
    if (services.progress) services.progress->Update(wait.label, phase, elapsed, wait.budget_s);
    if (w.kind != WaitOutcome::kMatched && has_target && wait.ssh_ready_s) {
      std::optional<double> ssh_s = wait.ssh_ready_s();
      if (ssh_s && elapsed >= *ssh_s + wait.serial_grace_s)
        throw Stop{Verdict::kFail, "no-serial-login",
                   "the guest answered SSH at " + Fmt1(*ssh_s) + " s, but " +
                       Fmt1(elapsed - *ssh_s) + " s later its serial console still shows no /" +
                       wait.target.source + "/ (" + std::to_string(vm.console->bytes_received()) +
                       " bytes in all, the last at " + Fmt1(vm.console->last_byte_s()) +
                       " s): the system has no console=ttyS0 on its kernel command line or no "
                       "getty on it (Photon OS: console= belongs in /boot/systemd.cfg's "
                       "systemd_cmdline)"};
    }
    switch (w.kind) {
      case WaitOutcome::kMatched:
        if (w.pattern_index == 0 && has_target) return w.t_s;
        throw Stop{Verdict::kFail, w.pattern_name,
                   w.pattern_name + " on the console at " + Fmt1(w.t_s) +
                       " s during " + phase + ": " +
                       CompleteLine(vm, cursor, w.line).substr(0, 300)};
      case WaitOutcome::kCancelled:
        services.cancel->ThrowIfCancelled();
        break;
      case WaitOutcome::kSilence:
        ThrowIfKvmStuck(vm, "silent for " + Fmt1(silence_s) + " s during " + phase);
        throw Stop{Verdict::kFail, "silence",
                   "the console was silent for " + Fmt1(silence_s) + " s during " +
                       phase + " (last output at " +
                       Fmt1(vm.console->last_byte_s()) + " s); the guest looks hung"};
      case WaitOutcome::kEof:
      case WaitOutcome::kTimeout: {
        auto ended = vm.guest->Ended();
        if (w.kind == WaitOutcome::kEof && !ended) {
          // The console closed; the process follows within moments.
          for (int i = 0; i < 20 && !ended; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            ended = vm.guest->Ended();
          }
        }
        // The VM's end is judged only once its console is read to the end:
        // what the guest printed last (a completion marker, then power-off)
        // may still be unread when the process is gone, and on a loaded
        // host the console reader lags more than a tick behind. A console
        // that never closes is given kConsoleDrain.
        if (ended && w.kind == WaitOutcome::kTimeout) {
          if (!drain_until) drain_until = clock.Now() + kConsoleDrain;
          if (clock.Now() < *drain_until) break;
        }
        if (ended) {
          if (wait.vm_exit_is_success) return ToSeconds(clock.Now() - t0);
          throw Stop{Verdict::kFail, "vm-exited",
                     "the VM ended during " + phase + " at " + Fmt1(elapsed) +
                         " s before the expected console output: " + *ended};
        }
        if (clock.Now() >= deadline) {
          ThrowIfKvmStuck(vm, phase + " timed out after " + Fmt1(timeout_s) + " s");
          throw Stop{Verdict::kFail, "timeout",
                     phase + " did not finish within its " + Fmt1(timeout_s) +
                         " s timeout" +
                         (has_target ? " (waiting for /" + wait.target.source + "/)" : "")};
        }
        break;
      }
    }
  }
}

}  // namespace bootgate
