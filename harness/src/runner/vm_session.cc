#include "runner/vm_session.h"

#include <algorithm>
#include <thread>

#include "console/printk_check.h"

namespace bootgate {

std::string Fmt1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

void SleepCancellable(Duration d, const Clock& clock, const CancelToken* cancel) {
  TimePoint end = clock.Now() + d;
  while (clock.Now() < end) {
    if (cancel) cancel->ThrowIfCancelled();
    std::this_thread::sleep_for(
        std::min<Duration>(end - clock.Now(), std::chrono::milliseconds(50)));
  }
}

namespace {
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

double WaitForConsole(VmSession& vm, const std::string& label,
                      const std::string& phase, const Pattern& target,
                      const std::vector<FailPattern>& fails, double timeout_s,
                      double silence_s, std::optional<double> budget_s,
                      RunContext& ctx, bool vm_exit_is_success,
                      std::string* matched_line) {
  std::vector<Pattern> patterns = {target};
  for (const auto& f : fails) patterns.push_back(Pattern::Compile(f.name, f.regex));
  uint64_t cursor = 0;
  TimePoint t0 = vm.guest->started_at();
  TimePoint deadline = t0 + FromSeconds(timeout_s);
  while (true) {
    TimePoint tick = std::min(deadline, ctx.clock->Now() + std::chrono::milliseconds(250));
    WaitOutcome w = vm.console->WaitFor(patterns, &cursor, tick,
                                        FromSeconds(silence_s), ctx.cancel);
    double elapsed = ToSeconds(ctx.clock->Now() - t0);
    if (ctx.progress) ctx.progress->Update(label, phase, elapsed, budget_s);
    switch (w.kind) {
      case WaitOutcome::kMatched:
        if (w.pattern_index == 0 && !target.source.empty()) {
          if (matched_line) *matched_line = w.line;
          return w.t_s;
        }
        throw Stop{Verdict::kFail, w.pattern_name,
                   w.pattern_name + " on the console at " + Fmt1(w.t_s) +
                       " s during " + phase + ": " +
                       CompleteLine(vm, cursor, w.line).substr(0, 300)};
      case WaitOutcome::kCancelled:
        ctx.cancel->ThrowIfCancelled();
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
        if (ended) {
          if (vm_exit_is_success) return ToSeconds(ctx.clock->Now() - t0);
          throw Stop{Verdict::kFail, "vm-exited",
                     "the VM ended during " + phase + " at " + Fmt1(elapsed) +
                         " s before the expected console output: " + *ended};
        }
        if (ctx.clock->Now() >= deadline) {
          ThrowIfKvmStuck(vm, phase + " timed out after " + Fmt1(timeout_s) + " s");
          throw Stop{Verdict::kFail, "timeout",
                     phase + " did not finish within its " + Fmt1(timeout_s) +
                         " s timeout" +
                         (target.source.empty() ? "" : " (waiting for /" + target.source + "/)")};
        }
        break;
      }
    }
  }
}

}  // namespace bootgate
