// Mann-Whitney U (Wilcoxon rank-sum) test for two independent samples; used
// by `bootgate compare` to tell a real change in boot time from noise.
#pragma once

#include <vector>

namespace bootgate {

struct MannWhitneyResult {
  double u = 0;            ///< U of sample a: #(a_i > b_j) + 0.5 * #(a_i == b_j)
  double p_two_sided = 1;  ///< two-sided p-value
  double z = 0;            ///< normal score of u (continuity-corrected), sign: a > b is positive
  int n1 = 0, n2 = 0;
  bool exact = false;      ///< p from the exact null distribution of U
};

/// Two-sided Mann-Whitney U test of `a` against `b`.
/// - Exact: when there are no ties and min(n1, n2) <= 10 (the exact null
///   distribution comes from the q-binomial generating function, so a large
///   other sample is cheap). p = min(1, 2 * min(P(U <= u), P(U >= u))).
/// - Otherwise the normal approximation: mean n1*n2/2, variance
///   n1*n2/12 * ((n+1) - sum(t^3 - t) / (n(n-1))) over tie groups t, and a 0.5
///   continuity correction towards the mean; p = erfc(|z| / sqrt 2).
/// Either sample empty: u = 0, p = 1. Identical values everywhere: p = 1.
MannWhitneyResult MannWhitneyU(const std::vector<double>& a,
                               const std::vector<double>& b);

/// The smallest two-sided p MannWhitneyU can return for sample sizes n1, n2
/// (complete separation, no ties). If it is >= alpha, no data of that size
/// can ever be significant at alpha.
double MinimumAchievableP(int n1, int n2);

}  // namespace bootgate
