// Summary statistics for one metric over the counted iterations of a
// scenario x profile. Pure functions; the bootstrap is seeded, so the same
// input always gives the same confidence interval.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "result/stats.h"

namespace bootgate {

/// Number of bootstrap resamples behind Stats::ci_low/ci_high.
inline constexpr int kBootstrapResamples = 2000;

/// Quantile of sorted `values` at `p` in [0, 1] by linear interpolation
/// between order statistics (Hyndman & Fan / R type 7, numpy's default):
/// h = (n - 1) * p; q = x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)]).
/// Requires a non-empty, ascending `sorted`.
double QuantileType7(const std::vector<double>& sorted, double p);

/// n, min, median, p95, max (quantiles: R type 7), mean, sample standard
/// deviation (n - 1 denominator; 0 when n < 2), cov = stdev / mean (0 when the
/// mean is 0) and a percentile-bootstrap 95% CI of the median: 2000 resamples
/// with replacement drawn from std::mt19937_64(seed), CI = type-7 2.5% and
/// 97.5% quantiles of the resampled medians. For n < 3 the CI is [min, max].
/// An empty input gives Stats{} (n = 0, all zero). Throws Error on NaN/inf.
Stats ComputeStats(std::vector<double> values, uint64_t seed = 42);

/// The statistic named `name`: "median" | "p95" | "max" | "mean" | "min".
/// Throws Error for any other name.
double Statistic(const Stats& stats, const std::string& name);

}  // namespace bootgate
