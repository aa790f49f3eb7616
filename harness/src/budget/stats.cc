#include "budget/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "util/error.h"

namespace bootgate {

double QuantileType7(const std::vector<double>& sorted, double p) {
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

namespace {

// P(Binomial(n, 1/2) <= j), summed in log space so large n does not overflow.
double BinomialHalfCdf(int n, int j) {
  double sum = 0;
  for (int i = 0; i <= j; ++i) {
    sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) -
                    std::lgamma(n - i + 1.0) - n * std::log(2.0));
  }
  return sum;
}

}  // namespace

double MedianCiCoverage(int n, int k) {
  return 1 - 2 * BinomialHalfCdf(n, k - 1);
}

int MedianCiRank(int n, double level) {
  int best = 0;
  for (int k = 1; 2 * k <= n + 1; ++k) {
    if (MedianCiCoverage(n, k) < level) break;
    best = k;
  }
  return best;
}

std::optional<int> RunsToDecide(const std::vector<double>& values, double limit,
                                int max_runs) {
  if (values.empty()) return std::nullopt;
  double below = 0;
  for (double v : values) below += v < limit ? 1 : (v == limit ? 0.5 : 0);
  const double share = below / static_cast<double>(values.size());
  const int from =
      std::max<int>(static_cast<int>(values.size()), kMinRunsForMedianCi);
  for (int n = from; n <= max_runs; ++n) {
    const int k = MedianCiRank(n);
    if (k == 0) continue;
    // With round(share * n) runs under the limit, the limit is above the
    // interval's upper rank n-k+1 (pass) or below its lower rank k (fail).
    const auto under = static_cast<int>(std::lround(share * n));
    if (under >= n - k + 1 || under < k) return n;
  }
  return std::nullopt;
}

Stats ComputeStats(std::vector<double> values) {
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

  const int k = MedianCiRank(s.n);
  if (k == 0) {
    // No order-statistics interval reaches 95%: report [min, max] with the
    // coverage it really has rather than a figure that claims 95%.
    s.ci_low = s.min;
    s.ci_high = s.max;
    s.ci_level = MedianCiCoverage(s.n, 1);
    return s;
  }
  s.ci_low = values[static_cast<size_t>(k - 1)];
  s.ci_high = values[n - static_cast<size_t>(k)];
  s.ci_level = MedianCiCoverage(s.n, k);
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
