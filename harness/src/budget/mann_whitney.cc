#include "budget/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace bootgate {

namespace {

constexpr int kExactMaxSmallerSample = 10;

// Counts of U = 0..n1*n2 over all C(n1+n2, n1) arrangements: the coefficients
// of the Gaussian binomial [n1+n2 choose n1]_q = prod_{i=1..m} (1 - q^(k+i)) /
// (1 - q^i) with m = min(n1, n2), k = max(n1, n2). After each factor the
// polynomial is [k+i choose i]_q, whose coefficients are non-negative.
std::vector<double> ExactUCounts(int n1, int n2) {
  const int m = std::min(n1, n2);
  const int k = std::max(n1, n2);
  const size_t degree = static_cast<size_t>(n1) * static_cast<size_t>(n2);
  std::vector<double> c(degree + 1, 0.0);
  c[0] = 1;
  for (int i = 1; i <= m; ++i) {
    const size_t up = static_cast<size_t>(k + i);
    const size_t down = static_cast<size_t>(i);
    for (size_t d = degree; d >= up; --d) c[d] -= c[d - up];  // * (1 - q^up)
    for (size_t d = down; d <= degree; ++d) c[d] += c[d - down];  // / (1 - q^down)
  }
  for (double& x : c) x = std::max(0.0, std::round(x));
  return c;
}

}  // namespace

MannWhitneyResult MannWhitneyU(const std::vector<double>& a,
                               const std::vector<double>& b) {
  MannWhitneyResult r;
  r.n1 = static_cast<int>(a.size());
  r.n2 = static_cast<int>(b.size());
  if (a.empty() || b.empty()) return r;

  // Rank the pooled sample (average ranks for ties) and collect tie groups.
  std::vector<std::pair<double, int>> pooled;  // value, 0 = a, 1 = b
  pooled.reserve(a.size() + b.size());
  for (double v : a) pooled.emplace_back(v, 0);
  for (double v : b) pooled.emplace_back(v, 1);
  std::sort(pooled.begin(), pooled.end());
  const double n = static_cast<double>(pooled.size());
  double rank_sum_a = 0;
  double tie_term = 0;  // sum(t^3 - t)
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].second == 0) rank_sum_a += avg_rank;
    }
    tie_term += t * t * t - t;
    i = j;
  }
  const double n1 = r.n1, n2 = r.n2;
  r.u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double mu = n1 * n2 / 2;
  const double var = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (var > 0) {
    const double dev = std::max(std::fabs(r.u - mu) - 0.5, 0.0);
    r.z = std::copysign(dev / std::sqrt(var), r.u - mu);
  }

  const bool ties = tie_term > 0;
  if (!ties && std::min(r.n1, r.n2) <= kExactMaxSmallerSample) {
    r.exact = true;
    const std::vector<double> counts = ExactUCounts(r.n1, r.n2);
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    // u is an integer without ties.
    const auto u = static_cast<size_t>(std::llround(r.u));
    double le = 0, ge = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
      if (k <= u) le += counts[k];
      if (k >= u) ge += counts[k];
    }
    r.p_two_sided = std::min(1.0, 2 * std::min(le, ge) / total);
    return r;
  }
  if (var <= 0) {  // every value identical: no evidence of any difference
    r.p_two_sided = 1;
    return r;
  }
  r.p_two_sided = std::min(1.0, std::erfc(std::fabs(r.z) / std::sqrt(2.0)));
  return r;
}

double MinimumAchievableP(int n1, int n2) {
  if (n1 <= 0 || n2 <= 0) return 1;
  std::vector<double> a(static_cast<size_t>(n1)), b(static_cast<size_t>(n2));
  std::iota(a.begin(), a.end(), 0.0);
  std::iota(b.begin(), b.end(), static_cast<double>(n1));
  return MannWhitneyU(a, b).p_two_sided;
}

}  // namespace bootgate
