// Cost of judging: ComputeStats (with its 2000-resample bootstrap) and the
// Mann-Whitney U test used by `bootgate compare`.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "budget/mann_whitney.h"
#include "budget/stats.h"

namespace {

std::vector<double> Sample(size_t n, double mean, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(mean, mean * 0.05);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

void BM_ComputeStats(benchmark::State& state) {
  const auto values = Sample(static_cast<size_t>(state.range(0)), 10.0, 1);
  for (auto _ : state) benchmark::DoNotOptimize(bootgate::ComputeStats(values));
}
BENCHMARK(BM_ComputeStats)->Arg(5)->Arg(20)->Arg(100)->Unit(benchmark::kMicrosecond);

void BM_MannWhitneyU(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto a = Sample(n, 10.0, 1);
  const auto b = Sample(n, 10.5, 2);
  bool exact = false;
  for (auto _ : state) {
    auto r = bootgate::MannWhitneyU(a, b);
    exact = r.exact;
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(exact ? "exact" : "normal approximation");
}
BENCHMARK(BM_MannWhitneyU)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
