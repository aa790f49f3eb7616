// History throughput: recording suites, and the queries `bootgate compare`,
// `bootgate serve` and the HTML trend charts make, on a database holding
// 100 000 metric rows (2 000 suites x 5 runs x 10 metrics).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>

#include "history/history.h"
#include "util/fs.h"

namespace {

using bootgate::History;

constexpr int kRunsPerSuite = 5;
constexpr int kMetricsPerRun = 10;
constexpr int kSuites = 2000;  // x 5 x 10 = 100 000 metric rows
const char* const kScenarios[] = {"photon", "alpine", "debian", "fedora"};

bootgate::SuiteResult MakeSuite(int i) {
  bootgate::SuiteResult s;
  s.run_id = "suite-" + std::to_string(i);
  char ts[32];
  std::snprintf(ts, sizeof ts, "2024-%02d-%02dT%02d:%02d:00Z", 1 + (i / 600) % 12,
                1 + (i / 24) % 25, i % 24, i % 60);
  s.started_at = ts;
  s.finished_at = ts;
  s.host = "bench";
  s.build_id = "build-" + std::to_string(i / 10);
  s.labels["branch"] = i % 2 ? "main" : "dev";
  for (int r = 0; r < kRunsPerSuite; ++r) {
    bootgate::RunResult run;
    run.scenario = kScenarios[i % 4];
    run.profile = r % 2 ? "qemu-kvm" : "hyperv";
    run.accelerator = "tcg";
    run.iteration = r + 1;
    run.verdict = bootgate::Verdict::kPass;
    run.started_at = ts;
    for (int m = 0; m < kMetricsPerRun; ++m) {
      run.metrics["metric_" + std::to_string(m)] = 10 + (i * 7 + r * 3 + m) % 17 * 0.1;
    }
    s.runs.push_back(run);
  }
  return s;
}

struct Fixture {
  bootgate::TempDir dir{std::filesystem::temp_directory_path(), "history-bench-"};
  std::unique_ptr<History> history;
  Fixture() {
    history = std::make_unique<History>((dir.path() / "h.db").string());
    for (int i = 0; i < kSuites; ++i) history->Record(MakeSuite(i));
  }
};

Fixture& Filled() {
  static Fixture f;  // built once, shared by the query benchmarks
  return f;
}

void BM_RecordSuite(benchmark::State& state) {
  bootgate::TempDir dir(std::filesystem::temp_directory_path(), "history-bench-rec-");
  History h((dir.path() / "h.db").string());
  int i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto suite = MakeSuite(i++);
    state.ResumeTiming();
    h.Record(suite);
  }
  state.counters["suites/s"] = benchmark::Counter(static_cast<double>(i), benchmark::Counter::kIsRate);
  state.counters["metric_rows/s"] = benchmark::Counter(
      static_cast<double>(i) * kRunsPerSuite * kMetricsPerRun, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecordSuite)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_MetricValues(benchmark::State& state) {
  History& h = *Filled().history;
  const auto sel = bootgate::ParseSelector("scenario=photon,profile=qemu-kvm,label.branch=dev");
  size_t n = 0;
  for (auto _ : state) n = h.MetricValues(sel, "metric_3").size();
  state.counters["values"] = static_cast<double>(n);
}
BENCHMARK(BM_MetricValues)->Unit(benchmark::kMicrosecond);

void BM_MetricValuesLatest(benchmark::State& state) {
  History& h = *Filled().history;
  const auto sel = bootgate::ParseSelector("latest,scenario=photon");
  for (auto _ : state) benchmark::DoNotOptimize(h.MetricValues(sel, "metric_3"));
}
BENCHMARK(BM_MetricValuesLatest)->Unit(benchmark::kMicrosecond);

void BM_LatestJudgedSuites(benchmark::State& state) {
  History& h = *Filled().history;
  for (auto _ : state) benchmark::DoNotOptimize(h.LatestJudgedSuites());
}
BENCHMARK(BM_LatestJudgedSuites)->Unit(benchmark::kMicrosecond);

void BM_MetricTrend(benchmark::State& state) {
  History& h = *Filled().history;
  for (auto _ : state) benchmark::DoNotOptimize(h.MetricTrend("photon", "qemu-kvm", "metric_0", 100));
}
BENCHMARK(BM_MetricTrend)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
