// Summary statistics for one metric over the counted iterations of a
// scenario x profile. Pure functions. The confidence interval of the median is
// the exact distribution-free one from order statistics (binomial), so its
// coverage is what it says for any continuous distribution of the runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "result/stats.h"

namespace bootgate {

/// The coverage Stats::ci_low/ci_high aims for.
inline constexpr double kMedianCiLevel = 0.95;

/// The smallest n for which an order-statistics interval of the median
/// reaches kMedianCiLevel: [min, max] covers it with 1 - 2 * 0.5^n, which is
/// 93.75% at n = 5 and 96.9% at n = 6.
inline constexpr int kMinRunsForMedianCi = 6;

/// Quantile of sorted `values` at `p` in [0, 1] by linear interpolation
/// between order statistics (Hyndman & Fan / R type 7, numpy's default):
/// h = (n - 1) * p; q = x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)]).
/// Requires a non-empty, ascending `sorted`.
double QuantileType7(const std::vector<double>& sorted, double p);

/// The exact distribution-free interval of the median from order statistics:
/// [x_(k), x_(n-k+1)] (1-based ranks of the sorted sample) covers the
/// population median with probability 1 - 2 P(Binomial(n, 1/2) <= k - 1).
/// Returns the largest k whose coverage is >= `level`, or 0 when even
/// [min, max] (k = 1) falls short (n < 6 at 95%). Pure.
int MedianCiRank(int n, double level = kMedianCiLevel);

/// Coverage of [x_(k), x_(n-k+1)]: 1 - 2 P(Binomial(n, 1/2) <= k - 1).
/// Requires 1 <= k <= (n + 1) / 2.
double MedianCiCoverage(int n, int k);

/// n, min, median, p95, max (quantiles: R type 7), mean, sample standard
/// deviation (n - 1 denominator; 0 when n < 2), cov = stdev / mean (0 when the
/// mean is 0) and the exact order-statistics 95% CI of the median
/// (MedianCiRank); ci_level is its real coverage (>= 0.95). When n < 6 no
/// such interval exists: the CI is [min, max] and ci_level says how little it
/// covers (0.75 at n = 3). An empty input gives Stats{} (n = 0, all zero).
/// Throws Error on NaN/inf.
Stats ComputeStats(std::vector<double> values);

/// How many runs in all would decide whether the median is under `limit`,
/// if further runs fall on either side of the limit in the same proportion as
/// `values` do: the smallest N >= max(values.size(), 6) whose exact 95% CI
/// of the median excludes `limit`. nullopt when no N <= `max_runs` would
/// (e.g. half the runs on each side of the limit). Pure.
std::optional<int> RunsToDecide(const std::vector<double>& values, double limit,
                                int max_runs = 1000);

/// The statistic named `name`: "median" | "p95" | "max" | "mean" | "min".
/// Throws Error for any other name.
double Statistic(const Stats& stats, const std::string& name);

}  // namespace bootgate
