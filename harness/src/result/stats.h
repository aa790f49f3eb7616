// Summary statistics of one metric over iterations, as the judge stage
// computes them (budget/stats.h) and the reporters print them.
#pragma once

namespace bootgate {

/// Summary statistics of one metric over iterations.
struct Stats {
  int n = 0;
  double min = 0, median = 0, p95 = 0, max = 0, mean = 0, stdev = 0, cov = 0;
  /// Exact order-statistics (binomial) CI of the median; [min, max] when
  /// n < 6, where no 95% interval exists.
  double ci_low = 0, ci_high = 0;
  /// Real coverage of [ci_low, ci_high] (0.96875 at n = 6, 0.75 at n = 3).
  double ci_level = 0;
};

}  // namespace bootgate
