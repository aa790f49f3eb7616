#include "budget/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "util/error.h"

namespace bootgate {

double QuantileType7(const std::vector<double>& sorted, double p) {
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

namespace {

// Median of `v` (reordered in place): type-7 at p = 0.5 is the usual median.
double MedianInPlace(std::vector<double>& v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

}  // namespace

Stats ComputeStats(std::vector<double> values, uint64_t seed) {
  Stats s;
  if (values.empty()) return s;
  for (double v : values) {
    if (!std::isfinite(v)) {
      throw Error("statistics", "a metric value is not a finite number; cannot compute statistics");
    }
  }
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  s.n = static_cast<int>(n);
  s.min = values.front();
  s.max = values.back();
  s.median = QuantileType7(values, 0.5);
  s.p95 = QuantileType7(values, 0.95);
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(n);
  if (n >= 2) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.stdev = std::sqrt(ss / static_cast<double>(n - 1));
  }
  s.cov = s.mean != 0 ? s.stdev / std::fabs(s.mean) : 0;

  if (n < 3) {
    s.ci_low = s.min;
    s.ci_high = s.max;
    return s;
  }
  // Index draws use `rng() % n` rather than std::uniform_int_distribution,
  // whose algorithm differs between standard libraries: the CI must be the
  // same everywhere for a given seed. The modulo bias is < n / 2^64.
  std::mt19937_64 rng(seed);
  std::vector<double> medians(kBootstrapResamples);
  std::vector<double> resample(n);
  for (int r = 0; r < kBootstrapResamples; ++r) {
    for (size_t i = 0; i < n; ++i) resample[i] = values[rng() % n];
    medians[static_cast<size_t>(r)] = MedianInPlace(resample);
  }
  std::sort(medians.begin(), medians.end());
  s.ci_low = QuantileType7(medians, 0.025);
  s.ci_high = QuantileType7(medians, 0.975);
  return s;
}

double Statistic(const Stats& stats, const std::string& name) {
  if (name == "median") return stats.median;
  if (name == "p95") return stats.p95;
  if (name == "max") return stats.max;
  if (name == "mean") return stats.mean;
  if (name == "min") return stats.min;
  throw Error("budgets", "unknown statistic \"" + name +
                             "\"; use median, p95, max, mean or min");
}

}  // namespace bootgate
