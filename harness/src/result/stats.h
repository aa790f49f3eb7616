// Summary statistics of one metric over iterations, as the judge stage
// computes them (budget/stats.h) and the reporters print them.
#pragma once

namespace bootgate {

/// Summary statistics of one metric over iterations.
struct Stats {
  int n = 0;
  double min = 0, median = 0, p95 = 0, max = 0, mean = 0, stdev = 0, cov = 0;
  double ci_low = 0, ci_high = 0;  ///< bootstrap 95% CI of the median
};

}  // namespace bootgate
