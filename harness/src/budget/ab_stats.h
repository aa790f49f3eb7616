// Statistics of `bootgate ab`: a baseline and a candidate booted alternately
// on one host, pair by pair, so that each pair shares the host's state. The
// unit of analysis is the paired difference d_i = candidate_i - baseline_i
// (positive: the candidate is slower / bigger). Pure functions.
//
// - Shift: the Hodges-Lehmann estimate, the median of the Walsh averages
//   (d_i + d_j) / 2, i <= j; its confidence interval is the Wilcoxon
//   signed-rank test inverted (Hollander & Wolfe; R's
//   `wilcox.test(d, conf.int = TRUE)`), distribution-free for differences
//   symmetric about the shift.
// - p-value: the Wilcoxon signed-rank test of d against 0, exact (zeros
//   dropped, ties by midranks, the exact conditional distribution of V).
// - Decision: against a minimum effect +-delta: regression / improvement /
//   no change / inconclusive (AbDecide), with a projection of how many more
//   pairs would decide (PairsToDecide).
// - Sequential runs (--until-decided MAX): a group-sequential design with an
//   alpha-spending function (SequentialLooks): the per-look levels add up to
//   alpha, so stopping at the first decided look keeps the error rate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bootgate {

/// Order of one pair: "AB" (baseline first) or "BA".
enum class AbOrderMode { kAbba, kRandom };

/// The order of `pairs` pairs. kAbba: AB, BA, AB, BA, ... (blocks A B B A:
/// a drift linear within a block cancels from the block's two differences);
/// kRandom: each pair's order by a fair coin from `seed` (std::mt19937_64),
/// the same for the same seed. Requires pairs >= 0.
std::vector<std::string> AbSchedule(int pairs, AbOrderMode mode,
                                    uint64_t seed = 0);

/// "abba" | "random"; throws Error naming --order otherwise.
AbOrderMode ParseAbOrderMode(const std::string& text);

struct SignedRankResult {
  double v = 0;            ///< sum of the ranks of the positive differences
  double p_two_sided = 1;  ///< 1 when no difference is non-zero
  int n = 0;               ///< differences that are not zero
  bool exact = false;      ///< from the exact distribution (else normal)
};

/// Wilcoxon signed-rank test of `d` against 0, two-sided. Zeros are dropped
/// (Wilcoxon's convention, R's default); |d| ranked with midranks for ties.
/// Exact when n <= 400: the distribution of V over the 2^n sign flips,
/// counted on doubled ranks (so midranks stay integers); with no ties this
/// is R's psignrank. p = min(1, 2 min(P(V <= v), P(V >= v))). Beyond 400
/// the normal approximation with the tie correction and a 0.5 continuity
/// correction. Throws Error on NaN/inf.
SignedRankResult WilcoxonSignedRank(const std::vector<double>& d);

struct ShiftEstimate {
  double shift = 0;  ///< Hodges-Lehmann: median of the Walsh averages
  double ci_low = 0, ci_high = 0;
  /// The interval's real coverage from the exact null distribution (>= the
  /// asked level when `ci_reached`).
  double ci_level = 0;
  bool ci_reached = false;  ///< false: too few pairs for the asked level
  int n = 0;
};

/// Hodges-Lehmann shift of paired differences `d` with its
/// distribution-free interval at `level`: the sorted Walsh averages W (M =
/// n(n+1)/2 of them) give [W_(k), W_(M-k+1)] with k the smallest q such
/// that P(V <= q) >= (1 - level) / 2 under the signed-rank null (R's
/// qsignrank), at least 1; coverage 1 - 2 P(V <= k - 1) (n > 400: the normal
/// quantile of V). When n is too small
/// for `level` (n <= 5 at 95%) the interval is [min W, max W] and
/// ci_reached is false. Empty `d`: all zero, n 0. Throws on NaN/inf.
ShiftEstimate HodgesLehmannPaired(const std::vector<double>& d,
                                  double level = 0.95);

/// The minimum effect: an absolute amount in the metric's unit or a
/// percentage of the baseline median.
struct MinEffect {
  double value = 5;
  bool percent = true;
  /// delta for `metric` whose baseline median is `baseline_median`: the
  /// percentage of it, or the absolute value for a *_s metric (5% of the
  /// median for a metric in another unit).
  double For(const std::string& metric, double baseline_median) const;
};

/// "5%" (percent of the baseline median) or "0.25s" (an absolute amount,
/// in seconds for *_s metrics; metrics of other units then use 5%). Throws
/// Error naming --min-effect for anything else (a bare number is ambiguous)
/// or a negative value.
MinEffect ParseMinEffect(const std::string& text);

enum class AbDecision { kRegression, kImprovement, kNoChange, kInconclusive };
std::string ToString(AbDecision d);

/// The decision from a shift estimate and delta >= 0:
/// - no change: the interval lies inside (-delta, +delta);
/// - regression: the interval is above 0 and the shift is >= delta;
/// - improvement: the interval is below 0 and the shift is <= -delta;
/// - inconclusive otherwise, and whenever !estimate.ci_reached.
AbDecision AbDecide(const ShiftEstimate& estimate, double delta);

/// How many more pairs would decide, if further differences scatter as
/// these do: the interval's half-width is projected as
/// z_{(1+level)/2} * s * sqrt(pi / 3 / N) (s the sample standard deviation
/// of `d`; pi/3 the Hodges-Lehmann estimator's variance relative to the
/// mean's for normal data) around the present shift, and the smallest N
/// (total pairs, N > d.size(), N >= 6) whose projected interval AbDecide
/// decides gives N - d.size(). nullopt when no N <= max_pairs would (the
/// shift sits at +-delta) or when d has fewer than 2 values.
std::optional<int> PairsToDecide(const std::vector<double>& d, double delta,
                                 double level = 0.95, int max_pairs = 1000);

/// One look of a group-sequential A/B: after `pairs` pairs, decide with an
/// interval at level 1 - alpha.
struct SequentialLook {
  int pairs = 0;
  double alpha = 0;
};

/// The looks of --until-decided `max_pairs` at family-wise `alpha`: every
/// `step` pairs from `first` (and at max_pairs), alpha spent by the linear
/// spending function alpha(t) = alpha * t, t = pairs / max_pairs (the
/// Kim-DeMets power family with rho = 1, close to Pocock's boundaries: it
/// spends evenly, so a large effect stops early); look k gets the increment
/// alpha(t_k) - alpha(t_k-1). The levels are combined by the union
/// (Bonferroni) bound, not by the joint distribution of the looks: valid
/// for any dependence between looks, conservative by a few pairs. The
/// alphas sum to `alpha`. Requires 1 <= first, 1 <= step; max_pairs >=
/// first (else one look at max_pairs with all of alpha).
std::vector<SequentialLook> SequentialLooks(int max_pairs, double alpha,
                                            int first = 8, int step = 4);

/// Median of `values` (mean of the middle two when even); 0 when empty.
double MedianOf(std::vector<double> values);

}  // namespace bootgate
