// Reporter throughput on a suite of 100 runs (10 scenarios x 2 profiles x 5
// iterations, each with phases, milestones, budgets, checks and a console
// tail). No gnuplot here: RenderHtml is measured with charts left out.
#include <benchmark/benchmark.h>

#include <string>

#include "report/html_report.h"
#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/markdown_report.h"
#include "report/prometheus_report.h"

namespace bootgate {
namespace {

SuiteResult HundredRuns() {
  SuiteResult suite;
  suite.run_id = "bench";
  suite.build_id = "build-1";
  suite.started_at = "2026-01-01T00:00:00.000Z";
  suite.verdict = Verdict::kFail;
  for (int s = 0; s < 10; ++s) {
    for (const char* profile : {"qemu-kvm", "hyperv-gen2"}) {
      AggregateResult agg;
      agg.scenario = "scenario-" + std::to_string(s);
      agg.profile = profile;
      agg.accelerator = "tcg";
      agg.verdict = s % 3 == 0 ? Verdict::kFail : Verdict::kPass;
      for (int i = 1; i <= 5; ++i) {
        RunResult r;
        r.scenario = agg.scenario;
        r.profile = profile;
        r.accelerator = "tcg";
        r.iteration = i;
        r.verdict = agg.verdict;
        r.reason = "boot_s exceeds its budget";
        r.started_at = "2026-01-01T00:0" + std::to_string(i) + ":00.000Z";
        double boot = 10 + s + 0.1 * i;
        r.metrics = {{"boot_s", boot}, {"ssh_ready_s", boot + 1},
                     {"ram_mib", 140.0 + i}, {"disk_mib", 900.0 + s}};
        r.phases = {{"firmware", 0, 0.5}, {"bootloader", 0.5, 2},
                    {"kernel", 2, 5}, {"userspace", 5, boot}};
        r.milestones = {{"linux-version", 2, "Linux version 6.1"},
                        {"login", boot, "host login:"}};
        r.budgets = {{"boot_s", boot, 12, "value",
                      boot <= 12 ? Verdict::kPass : Verdict::kFail, 12 - boot,
                      100 * (12 - boot) / 12, ""},
                     {"ram_mib", 140.0 + i, 150, "value", Verdict::kPass,
                      10.0 - i, 5, ""}};
        for (int c = 0; c < 5; ++c) {
          r.checks.push_back({"check " + std::to_string(c), "true",
                              Verdict::kPass, "", 0, "ok", 0.1, "ssh"});
        }
        for (int l = 0; l < 20; ++l) {
          r.console_tail.push_back("[    " + std::to_string(l) +
                                   ".000000] some <console> & \"output\" line");
        }
        suite.runs.push_back(std::move(r));
      }
      agg.budgets = suite.runs.back().budgets;
      suite.aggregates.push_back(agg);
    }
  }
  return suite;
}

const SuiteResult& Suite() {
  static const SuiteResult suite = HundredRuns();
  return suite;
}

void BM_RenderJson(benchmark::State& state) {
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderJson(Suite());
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderJson)->Unit(benchmark::kMillisecond);

void BM_ParseJsonReport(benchmark::State& state) {
  std::string text = RenderJson(Suite());
  for (auto _ : state) benchmark::DoNotOptimize(ParseJsonReport(text));
}
BENCHMARK(BM_ParseJsonReport)->Unit(benchmark::kMillisecond);

void BM_RenderJUnit(benchmark::State& state) {
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderJUnit(Suite());
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderJUnit)->Unit(benchmark::kMillisecond);

void BM_RenderMarkdown(benchmark::State& state) {
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderMarkdown(Suite());
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderMarkdown)->Unit(benchmark::kMillisecond);

void BM_RenderPrometheusText(benchmark::State& state) {
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderPrometheusText(Suite());
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderPrometheusText)->Unit(benchmark::kMillisecond);

void BM_RenderHtmlWithoutCharts(benchmark::State& state) {
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderHtml(Suite(), {}, HtmlOptions{});
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderHtmlWithoutCharts)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace bootgate

BENCHMARK_MAIN();
