// The console hot path: every byte a guest prints goes through LineSplitter,
// SanitizeForTerminal and the pattern matchers. Targets: splitting > 1 GB/s
// on plain bytes; matching far above a 115200-baud UART (11.5 KB/s).
#include <benchmark/benchmark.h>

#include <string>
#include <thread>
#include <vector>

#include "console/console.h"
#include "console/line_splitter.h"
#include "console/timed_log.h"
#include "scenario/scenario.h"
#include "util/byte_stream.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/sanitize.h"

namespace bootgate {
namespace {

// About 80 bytes a line, like a real boot log (dmesg of a Debian cloud kernel).
const char* kKernelLines[] = {
    "[    0.000000] Linux version 6.1.0-28-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0)",
    "[    0.000000] Command line: BOOT_IMAGE=/isolinux/vmlinuz console=ttyS0,115200 printk.time=1",
    "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000001ffdffff] usable",
    "[    0.012345] ACPI: RSDP 0x00000000000F5A50 000014 (v00 BOCHS )",
    "[    0.123456] clocksource: hpet: mask: 0xffffffff max_cycles: 0xffffffff, max_idle_ns: 19112604467 ns",
    "[    0.234567] pci 0000:00:01.1: reg 0x20: [io  0xc040-0xc04f]",
    "[    0.345678] Freeing unused kernel image (initmem) memory: 2700K",
    "[    1.456789] virtio_net virtio0 ens3: renamed from eth0",
    "[    2.567890] EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.",
    "\x1b[0;32m[  OK  ]\x1b[0m Reached target \x1b[0;1;39mMulti-User System\x1b[0m.",
};

std::string KernelLog(size_t bytes) {
  std::string out;
  for (size_t i = 0; out.size() < bytes; ++i) {
    out += kKernelLines[i % std::size(kKernelLines)];
    out += "\r\n";
  }
  return out;
}

void BM_LineSplitterPlainBytes(benchmark::State& state) {
  // Long runs without a line ending: the memchr fast path.
  std::string data(1 << 20, 'x');
  for (size_t i = 4000; i < data.size(); i += 4000) data[i] = '\n';
  LineSplitter splitter(4096);
  size_t lines = 0;
  for (auto _ : state) {
    splitter.Feed(data, [&](std::string_view l) { lines += l.size() > 0; });
  }
  benchmark::DoNotOptimize(lines);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_LineSplitterPlainBytes);

void BM_LineSplitterKernelLog(benchmark::State& state) {
  std::string data = KernelLog(1 << 20);
  LineSplitter splitter(4096);
  size_t lines = 0;
  for (auto _ : state) {
    // 4 KiB chunks, as the reader thread gets them from a pipe.
    for (size_t off = 0; off < data.size(); off += 4096)
      splitter.Feed(std::string_view(data).substr(off, 4096),
                    [&](std::string_view) { ++lines; });
  }
  benchmark::DoNotOptimize(lines);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LineSplitterKernelLog);

void BM_SanitizeKernelLine(benchmark::State& state) {
  std::string data = KernelLog(1 << 16);
  std::vector<std::string> lines;
  LineSplitter splitter;
  splitter.Feed(data, [&](std::string_view l) { lines.emplace_back(l); });
  size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& l : lines) {
      std::string s = SanitizeForTerminal(l);
      benchmark::DoNotOptimize(s.data());
    }
  }
  for (const auto& l : lines) bytes += l.size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_SanitizeKernelLine);

// The login prompt and all default fail patterns, as one RE2::Set: what
// WaitFor matches during a boot.
PatternSet LoginAndFailPatterns() {
  std::vector<Pattern> patterns = {Pattern::Compile("login", BootSpec().login_pattern)};
  for (const auto& f : DefaultFailPatterns()) patterns.push_back(Pattern::Compile(f.name, f.regex));
  return PatternSet(std::move(patterns));
}

// Every one of `lines` matched against the login prompt and all default
// fail patterns at once; bytes per second of line text (+1 for its end).
void MatchLoginAndFailPatterns(benchmark::State& state,
                               const std::vector<std::string>& lines) {
  PatternSet patterns = LoginAndFailPatterns();
  size_t bytes = 0, hits = 0;
  for (const auto& l : lines) bytes += l.size() + 1;
  for (auto _ : state) {
    for (const auto& l : lines) hits += patterns.FirstMatch(l).has_value();
  }
  benchmark::DoNotOptimize(hits);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["patterns"] = static_cast<double>(patterns.size());
  state.counters["lines"] = static_cast<double>(lines.size());
}

void BM_MatchLoginAndFailPatterns(benchmark::State& state) {
  std::vector<std::string> lines;
  for (const char* l : kKernelLines) lines.push_back(SanitizeForTerminal(l));
  MatchLoginAndFailPatterns(state, lines);
}
BENCHMARK(BM_MatchLoginAndFailPatterns);

// The recorded consoles of real boots (harness/src/console/testdata: the
// reference ISO, its direct kernel boot, Debian 12 with systemd), sanitised
// as the Console keeps them: the kernel-log corpus of the console figures.
std::vector<std::string> CorpusLines() {
  std::vector<std::string> out;
  for (const char* name :
       {"reference_iso.timed.log", "reference_direct_kernel.timed.log",
        "debian12_systemd.timed.log"}) {
    std::string path = std::string(BOOTGATE_CONSOLE_CORPUS_DIR) + "/" + name;
    for (const auto& l : ParseTimedLog(ReadFile(path), path))
      out.push_back(l.text);
  }
  return out;
}

// Login + the 7 default fail patterns on every line of the recorded consoles:
// the work WaitFor does per line during a boot.
void BM_MatchCorpusLoginAndFailPatterns(benchmark::State& state) {
  MatchLoginAndFailPatterns(state, CorpusLines());
}
BENCHMARK(BM_MatchCorpusLoginAndFailPatterns);

// Pathological input: one line of N name characters and no prompt, against
// the login pattern (a backtracking matcher tries every start and, from
// each, every length: quadratic in N; std::regex took 0.45 s at 4 KiB).
void BM_MatchPathologicalLoginLine(benchmark::State& state) {
  Pattern login = Pattern::Compile("login", BootSpec().login_pattern);
  std::string line(static_cast<size_t>(state.range(0)), 'a');
  size_t hits = 0;
  for (auto _ : state) hits += MatchesLine(login, line);
  benchmark::DoNotOptimize(hits);
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * line.size()));
}
BENCHMARK(BM_MatchPathologicalLoginLine)
    ->Arg(1 << 10)
    ->Arg(4 << 10)
    ->Arg(64 << 10)
    ->Unit(benchmark::kMillisecond);

// Nested repetition, exponential for a backtracking matcher: (x+x+)+y on N
// x's and no y (std::regex: 4.8 ms at 16, 71 ms at 20). RE2 is linear, so
// 64 KiB is measured too.
void BM_MatchNestedRepetition(benchmark::State& state) {
  Pattern p = Pattern::Compile("nested", "(x+x+)+y");
  std::string line(static_cast<size_t>(state.range(0)), 'x');
  size_t hits = 0;
  for (auto _ : state) hits += MatchesLine(p, line);
  benchmark::DoNotOptimize(hits);
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * line.size()));
}
BENCHMARK(BM_MatchNestedRepetition)
    ->Arg(16)
    ->Arg(20)
    ->Arg(64 << 10)
    ->Unit(benchmark::kMillisecond);

// The whole reader pipeline: a FakeByteStream feeding a Console (its reader
// thread splits, sanitises, stamps, matches milestones and keeps lines),
// until the login prompt is matched.
void BM_ConsolePipeline(benchmark::State& state) {
  std::string log = KernelLog(static_cast<size_t>(state.range(0)));
  log += "refimg login: ";
  PatternSet login({Pattern::Compile("login", "refimg login: ?$")});
  SystemClock clock;
  for (auto _ : state) {
    FakeByteStream stream;
    ConsoleOptions options;
    options.milestones = DefaultPhaseMarkers();
    Console console(&stream, &clock, clock.Now(), options);
    console.Start();
    for (size_t off = 0; off < log.size(); off += 4096)
      stream.Push(std::string_view(log).substr(off, 4096));
    uint64_t cursor = 0;
    WaitOutcome w =
        console.WaitFor(login, &cursor, clock.Now() + std::chrono::seconds(30),
                        Duration(0), nullptr);
    if (w.kind != WaitOutcome::kMatched) state.SkipWithError("login prompt not matched");
    // Stopping waits out the reader's 100 ms read timeout: not throughput.
    state.PauseTiming();
    console.Stop();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log.size()));
}
// Wall time: the work happens on the Console's reader thread.
BENCHMARK(BM_ConsolePipeline)->Arg(64 << 10)->Arg(1 << 20)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace bootgate

BENCHMARK_MAIN();
