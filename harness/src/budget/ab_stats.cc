#include "budget/ab_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "util/error.h"

namespace bootgate {
namespace {

void RequireFinite(const std::vector<double>& d, const char* what) {
  for (double v : d)
    if (!std::isfinite(v))
      throw Error(what, "a paired difference is not a finite number");
}

/// Midranks (1-based) of `v`, as doubled integers (2 * rank), in input order.
std::vector<int64_t> DoubledMidranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(),
            [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<int64_t> rank2(v.size());
  size_t i = 0;
  while (i < idx.size()) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    // Ranks i+1 .. j+1 share (i+1 + j+1) / 2; doubled: i + j + 2.
    for (size_t k = i; k <= j; ++k)
      rank2[idx[k]] = static_cast<int64_t>(i + j + 2);
    i = j + 1;
  }
  return rank2;
}

/// P(S = s) for s = 0..sum(w), S = sum of a random subset of the weights `w`
/// (each in or out with probability 1/2).
std::vector<double> SubsetSumDistribution(const std::vector<int64_t>& w) {
  int64_t total = 0;
  for (int64_t x : w) total += x;
  std::vector<double> p(static_cast<size_t>(total) + 1, 0.0);
  p[0] = 1.0;
  int64_t reach = 0;
  for (int64_t x : w) {
    for (int64_t s = reach; s >= 0; --s) {
      double half = p[s] * 0.5;
      p[s] = half;
      p[s + x] += half;
    }
    reach += x;
  }
  return p;
}

/// P(V <= q) of the untied signed-rank statistic for n: cumulative counts
/// over 2^n, as probabilities, q = 0..n(n+1)/2.
std::vector<double> SignedRankCdf(int n) {
  std::vector<int64_t> w(n);
  for (int i = 0; i < n; ++i) w[i] = i + 1;
  std::vector<double> p = SubsetSumDistribution(w);
  for (size_t i = 1; i < p.size(); ++i) p[i] += p[i - 1];
  return p;
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/// z with NormalCdf(z) = p, 0 < p < 1 (bisection: plenty for a projection).
double NormalQuantile(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    double mid = 0.5 * (lo + hi);
    (NormalCdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

std::vector<std::string> AbSchedule(int pairs, AbOrderMode mode,
                                    uint64_t seed) {
  std::vector<std::string> out;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < pairs; ++i) {
    if (mode == AbOrderMode::kAbba)
      out.push_back(i % 2 == 0 ? "AB" : "BA");
    else
      out.push_back((rng() >> 63) == 0 ? "AB" : "BA");
  }
  return out;
}

AbOrderMode ParseAbOrderMode(const std::string& text) {
  if (text == "abba") return AbOrderMode::kAbba;
  if (text == "random") return AbOrderMode::kRandom;
  throw Error("--order", "'" + text + "' is neither 'abba' nor 'random'");
}

SignedRankResult WilcoxonSignedRank(const std::vector<double>& d) {
  RequireFinite(d, "signed-rank test");
  std::vector<double> abs_nonzero;
  std::vector<bool> positive;
  for (double x : d) {
    if (x == 0) continue;
    abs_nonzero.push_back(std::fabs(x));
    positive.push_back(x > 0);
  }
  SignedRankResult r;
  r.n = static_cast<int>(abs_nonzero.size());
  if (r.n == 0) return r;
  std::vector<int64_t> rank2 = DoubledMidranks(abs_nonzero);
  int64_t v2 = 0;
  for (size_t i = 0; i < rank2.size(); ++i)
    if (positive[i]) v2 += rank2[i];
  r.v = v2 / 2.0;
  if (r.n <= 400) {
    std::vector<double> p = SubsetSumDistribution(rank2);
    double below = 0, above = 0;  // P(V2 <= v2), P(V2 >= v2)
    for (size_t s = 0; s < p.size(); ++s) {
      if (static_cast<int64_t>(s) <= v2) below += p[s];
      if (static_cast<int64_t>(s) >= v2) above += p[s];
    }
    r.p_two_sided = std::min(1.0, 2 * std::min(below, above));
    r.exact = true;
    return r;
  }
  double n = r.n;
  double mean = n * (n + 1) / 4;
  // Tie correction: sum over tie groups of (t^3 - t) / 48.
  std::vector<int64_t> sorted = rank2;
  std::sort(sorted.begin(), sorted.end());
  double ties = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    double t = static_cast<double>(j - i);
    ties += t * t * t - t;
    i = j;
  }
  double var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48;
  if (var <= 0) return r;
  double diff = r.v - mean;
  double corrected = std::max(0.0, std::fabs(diff) - 0.5);
  r.p_two_sided =
      std::min(1.0, std::erfc(corrected / std::sqrt(var) / std::sqrt(2.0)));
  return r;
}

ShiftEstimate HodgesLehmannPaired(const std::vector<double>& d, double level) {
  RequireFinite(d, "Hodges-Lehmann shift");
  ShiftEstimate e;
  e.n = static_cast<int>(d.size());
  if (d.empty()) return e;
  std::vector<double> walsh;
  walsh.reserve(d.size() * (d.size() + 1) / 2);
  for (size_t i = 0; i < d.size(); ++i)
    for (size_t j = i; j < d.size(); ++j) walsh.push_back((d[i] + d[j]) / 2);
  std::sort(walsh.begin(), walsh.end());
  e.shift = MedianOf(walsh);
  const size_t m = walsh.size();
  // The exact untied distribution for n up to 400: beyond, a
  // normal quantile of V.
  int64_t k = 0;
  double coverage = 0;
  double tail = (1 - level) / 2;
  if (e.n <= 400) {
    std::vector<double> cdf = SignedRankCdf(e.n);
    while (k < static_cast<int64_t>(cdf.size()) && cdf[k] < tail) ++k;
    if (k == 0) k = 1;
    coverage = 1 - 2 * cdf[k - 1];
  } else {
    double n = e.n;
    double z = NormalQuantile(tail);
    k = static_cast<int64_t>(std::floor(
        n * (n + 1) / 4 + z * std::sqrt(n * (n + 1) * (2 * n + 1) / 24)));
    k = std::max<int64_t>(k, 1);
    coverage = level;
  }
  if (k > static_cast<int64_t>((m + 1) / 2))
    k = static_cast<int64_t>((m + 1) / 2);
  e.ci_low = walsh[k - 1];
  e.ci_high = walsh[m - k];
  e.ci_level = coverage;
  e.ci_reached = coverage >= level - 1e-12;
  return e;
}

double MinEffect::For(const std::string& metric, double baseline_median) const {
  bool seconds_metric =
      metric.size() > 2 && metric.compare(metric.size() - 2, 2, "_s") == 0;
  if (percent) return std::fabs(baseline_median) * value / 100;
  if (seconds_metric) return value;
  return std::fabs(baseline_median) * 5.0 / 100;
}

MinEffect ParseMinEffect(const std::string& text) {
  MinEffect m;
  std::string num = text;
  if (!text.empty() && text.back() == '%') {
    m.percent = true;
    num.pop_back();
  } else if (!text.empty() && text.back() == 's') {
    m.percent = false;
    num.pop_back();
  } else {
    throw Error("--min-effect",
                "'" + text +
                    "' needs a unit: a percentage of the baseline median "
                    "('5%') or seconds ('0.25s')");
  }
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (num.empty() || end != num.c_str() + num.size() || !std::isfinite(v) ||
      v < 0)
    throw Error("--min-effect",
                "'" + text + "' is not a number >= 0 followed by % or s");
  m.value = v;
  return m;
}

std::string ToString(AbDecision d) {
  switch (d) {
    case AbDecision::kRegression:
      return "regression";
    case AbDecision::kImprovement:
      return "improvement";
    case AbDecision::kNoChange:
      return "no change";
    case AbDecision::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

AbDecision AbDecide(const ShiftEstimate& e, double delta) {
  if (!e.ci_reached) return AbDecision::kInconclusive;
  if (e.ci_low > -delta && e.ci_high < delta) return AbDecision::kNoChange;
  if (e.ci_low > 0 && e.shift >= delta) return AbDecision::kRegression;
  if (e.ci_high < 0 && e.shift <= -delta) return AbDecision::kImprovement;
  return AbDecision::kInconclusive;
}

std::optional<int> PairsToDecide(const std::vector<double>& d, double delta,
                                 double level, int max_pairs) {
  RequireFinite(d, "pairs to decide");
  const int n = static_cast<int>(d.size());
  if (n < 2) return std::nullopt;
  double mean = 0;
  for (double x : d) mean += x;
  mean /= n;
  double ss = 0;
  for (double x : d) ss += (x - mean) * (x - mean);
  double s = std::sqrt(ss / (n - 1));
  double shift = HodgesLehmannPaired(d, level).shift;
  double z = NormalQuantile((1 + level) / 2);
  const double kPi = 3.14159265358979323846;
  for (int total = std::max(n + 1, 6); total <= max_pairs; ++total) {
    double half = z * s * std::sqrt(kPi / 3 / total);
    ShiftEstimate projected;
    projected.shift = shift;
    projected.ci_low = shift - half;
    projected.ci_high = shift + half;
    projected.ci_reached = true;
    if (AbDecide(projected, delta) != AbDecision::kInconclusive)
      return total - n;
  }
  return std::nullopt;
}

std::vector<SequentialLook> SequentialLooks(int max_pairs, double alpha,
                                            int first, int step) {
  std::vector<SequentialLook> looks;
  if (max_pairs < first) return {{max_pairs, alpha}};
  std::vector<int> at;
  for (int n = first; n < max_pairs; n += step) at.push_back(n);
  at.push_back(max_pairs);
  double spent = 0;
  for (int n : at) {
    double cumulative = alpha * static_cast<double>(n) / max_pairs;
    looks.push_back({n, cumulative - spent});
    spent = cumulative;
  }
  return looks;
}

double MedianOf(std::vector<double> values) {
  if (values.empty()) return 0;
  size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  double hi = values[mid];
  if (values.size() % 2 == 1) return hi;
  double lo = *std::max_element(values.begin(), values.begin() + mid);
  return (lo + hi) / 2;
}

}  // namespace bootgate
