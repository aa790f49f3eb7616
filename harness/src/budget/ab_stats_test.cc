// The expected values of the signed-rank test and the Hodges-Lehmann
// interval come from R 4.2.2 (Debian's r-base-core), not from bootgate:
// wilcox.test(y, x, paired = TRUE, conf.int = TRUE) on the example of R's
// own ?wilcox.test page (Hollander & Wolfe, depression scale) and on small
// made-up samples, printed with sprintf("%.17g"). Ties are checked against a
// brute-force enumeration of all 2^n sign flips.
#include "budget/ab_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "util/error.h"

namespace bootgate {
namespace {

std::vector<double> Diff(const std::vector<double>& candidate,
                         const std::vector<double>& baseline) {
  std::vector<double> d;
  for (size_t i = 0; i < candidate.size(); ++i)
    d.push_back(candidate[i] - baseline[i]);
  return d;
}

// ?wilcox.test: x = first measurement, y = second (Hollander & Wolfe p. 29).
const std::vector<double> kX = {1.83, 0.50, 1.62, 2.48, 1.68,
                                1.88, 1.55, 3.06, 1.30};
const std::vector<double> kY = {0.878, 0.647, 0.598, 2.05, 1.06,
                                1.29,  1.06,  3.14,  1.29};

TEST(WilcoxonSignedRank, MatchesRDocumentedExample) {
  // R: wilcox.test(x, y, paired = TRUE, alternative = "greater"):
  // V = 40, p-value = 0.01953 (two-sided: 0.0390625).
  SignedRankResult r = WilcoxonSignedRank(Diff(kX, kY));
  EXPECT_DOUBLE_EQ(r.v, 40);
  EXPECT_NEAR(r.p_two_sided, 0.0390625, 1e-12);
  EXPECT_TRUE(r.exact);
  // The other direction: R's V = 5, same p.
  SignedRankResult back = WilcoxonSignedRank(Diff(kY, kX));
  EXPECT_DOUBLE_EQ(back.v, 5);
  EXPECT_NEAR(back.p_two_sided, 0.0390625, 1e-12);
}

TEST(WilcoxonSignedRank, MatchesRAllPositiveAndMixed) {
  // R: wilcox.test(c(0.91, ..., 0.99)): V = 55, p = 0.001953125.
  SignedRankResult a = WilcoxonSignedRank(
      {0.91, 1.12, 0.87, 1.30, 0.95, 1.05, 0.78, 1.21, 1.01, 0.99});
  EXPECT_DOUBLE_EQ(a.v, 55);
  EXPECT_NEAR(a.p_two_sided, 0.001953125, 1e-12);
  // R: V = 41, p = 0.90966796875.
  SignedRankResult b =
      WilcoxonSignedRank({-0.12, 0.05, 0.21, -0.08, 0.14, -0.30, 0.02, 0.09,
                          -0.04, 0.11, 0.07, -0.16});
  EXPECT_DOUBLE_EQ(b.v, 41);
  EXPECT_NEAR(b.p_two_sided, 0.90966796875, 1e-12);
}

TEST(WilcoxonSignedRank, NormalApproximationMatchesRForLargeN) {
  // R: d <- sin(1:450) + 0.05; wilcox.test(d): V = 56519, p = 0.0362277805864.
  std::vector<double> d;
  for (int i = 1; i <= 450; ++i) d.push_back(std::sin(i) + 0.05);
  SignedRankResult r = WilcoxonSignedRank(d);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.v, 56519);
  EXPECT_NEAR(r.p_two_sided, 0.036227780586436338, 1e-9);
}

TEST(WilcoxonSignedRank, TiesAndZerosMatchBruteForceSignFlips) {
  // Ties (|1| x2, |2| x3, 5 x2) and a zero, which is dropped.
  std::vector<double> d = {1, 2, 2, 3, -1, 4, 5, 5, 0, -2};
  SignedRankResult r = WilcoxonSignedRank(d);
  EXPECT_EQ(r.n, 9);
  // Brute force: midranks of |d| without the zero, then all 2^9 signs.
  std::vector<double> nz = {1, 2, 2, 3, -1, 4, 5, 5, -2};
  std::vector<double> ranks(nz.size());
  for (size_t i = 0; i < nz.size(); ++i) {
    double less = 0, equal = 0;
    for (double y : nz) {
      if (std::fabs(y) < std::fabs(nz[i])) ++less;
      if (std::fabs(y) == std::fabs(nz[i])) ++equal;
    }
    ranks[i] = less + (equal + 1) / 2;
  }
  double v = 0;
  for (size_t i = 0; i < nz.size(); ++i)
    if (nz[i] > 0) v += ranks[i];
  EXPECT_DOUBLE_EQ(r.v, v);
  int below = 0, above = 0, total = 1 << nz.size();
  for (int mask = 0; mask < total; ++mask) {
    double s = 0;
    for (size_t i = 0; i < nz.size(); ++i)
      if (mask & (1 << i)) s += ranks[i];
    if (s <= v + 1e-9) ++below;
    if (s >= v - 1e-9) ++above;
  }
  double p = std::min(1.0, 2.0 * std::min(below, above) / total);
  EXPECT_NEAR(r.p_two_sided, p, 1e-12);
}

TEST(WilcoxonSignedRank, AllZeroIsNoEvidence) {
  SignedRankResult r = WilcoxonSignedRank({0, 0, 0});
  EXPECT_EQ(r.n, 0);
  EXPECT_EQ(r.p_two_sided, 1);
  EXPECT_THROW(WilcoxonSignedRank({1, NAN}), Error);
}

TEST(HodgesLehmannPaired, MatchesRConfInt) {
  // R: wilcox.test(y, x, paired = TRUE, conf.int = TRUE): estimate -0.46,
  // 95% CI [-0.786, -0.010].
  ShiftEstimate e = HodgesLehmannPaired(Diff(kY, kX), 0.95);
  EXPECT_NEAR(e.shift, -0.46, 1e-12);
  EXPECT_NEAR(e.ci_low, -0.786, 1e-12);
  EXPECT_NEAR(e.ci_high, -0.010, 1e-12);
  EXPECT_TRUE(e.ci_reached);
  // n = 9: k = qsignrank(0.025, 9) = 6, coverage 1 - 2 psignrank(5, 9).
  EXPECT_NEAR(e.ci_level, 1 - 2 * 10.0 / 512, 1e-12);
  // R: estimate 1.01, 95% CI [0.91, 1.13].
  ShiftEstimate a = HodgesLehmannPaired(
      {0.91, 1.12, 0.87, 1.30, 0.95, 1.05, 0.78, 1.21, 1.01, 0.99}, 0.95);
  EXPECT_NEAR(a.shift, 1.01, 1e-12);
  EXPECT_NEAR(a.ci_low, 0.91, 1e-12);
  EXPECT_NEAR(a.ci_high, 1.13, 1e-12);
  // R, conf.level = 0.99: estimate 0.0075, CI [-0.14, 0.125].
  ShiftEstimate b = HodgesLehmannPaired({-0.12, 0.05, 0.21, -0.08, 0.14, -0.30,
                                         0.02, 0.09, -0.04, 0.11, 0.07, -0.16},
                                        0.99);
  EXPECT_NEAR(b.shift, 0.0075, 1e-12);
  EXPECT_NEAR(b.ci_low, -0.14, 1e-12);
  EXPECT_NEAR(b.ci_high, 0.125, 1e-12);
  EXPECT_GE(b.ci_level, 0.99);
}

TEST(HodgesLehmannPaired, TooFewPairsForTheLevel) {
  // n = 5: [min, max] of the Walsh averages covers 1 - 2/32 = 93.75% < 95%.
  ShiftEstimate e = HodgesLehmannPaired({1, 2, 3, 4, 5}, 0.95);
  EXPECT_FALSE(e.ci_reached);
  EXPECT_NEAR(e.ci_level, 0.9375, 1e-12);
  EXPECT_DOUBLE_EQ(e.ci_low, 1);
  EXPECT_DOUBLE_EQ(e.ci_high, 5);
  EXPECT_DOUBLE_EQ(e.shift, 3);
  EXPECT_EQ(AbDecide(e, 0.1), AbDecision::kInconclusive);
  EXPECT_EQ(HodgesLehmannPaired({}).n, 0);
}

ShiftEstimate Interval(double shift, double lo, double hi) {
  ShiftEstimate e;
  e.shift = shift;
  e.ci_low = lo;
  e.ci_high = hi;
  e.ci_reached = true;
  return e;
}

TEST(AbDecide, EachOutcome) {
  EXPECT_EQ(AbDecide(Interval(1.0, 0.8, 1.2), 0.25), AbDecision::kRegression);
  EXPECT_EQ(AbDecide(Interval(-1.0, -1.2, -0.8), 0.25),
            AbDecision::kImprovement);
  EXPECT_EQ(AbDecide(Interval(0.02, -0.1, 0.15), 0.25), AbDecision::kNoChange);
  // Significant but smaller than the minimum effect and not inside it.
  EXPECT_EQ(AbDecide(Interval(0.2, 0.1, 0.3), 0.25), AbDecision::kInconclusive);
  // Significant, small and inside +-delta: no change that matters.
  EXPECT_EQ(AbDecide(Interval(0.1, 0.05, 0.2), 0.25), AbDecision::kNoChange);
  // Wide: could be anything.
  EXPECT_EQ(AbDecide(Interval(0.3, -0.5, 1.1), 0.25),
            AbDecision::kInconclusive);
  EXPECT_EQ(ToString(AbDecision::kNoChange), "no change");
}

TEST(PairsToDecide, ProjectsFromTheSpread) {
  // Shift ~1 with sd ~0.5 at 3 pairs: a few more decide a regression.
  std::vector<double> d = {0.5, 1.0, 1.5};
  auto more = PairsToDecide(d, 0.25);
  ASSERT_TRUE(more.has_value());
  // Check the projection by hand: s = 0.5, z = 1.96: N with
  // 1.96 * 0.5 * sqrt(pi/3/N) < 1.0 - 0 (interval above 0) -> N >= 2, and
  // at least 6 pairs for any exact 95% interval.
  EXPECT_EQ(*more, 3);
  // No shift, a wide spread and a tiny delta: nothing up to 50 pairs decides.
  EXPECT_FALSE(
      PairsToDecide({-1, 1, -0.5, 0.5, 0, 0.2}, 0.01, 0.95, 50).has_value());
  EXPECT_FALSE(PairsToDecide({1.0}, 0.25).has_value());
}

TEST(SequentialLooks, SpendsAlphaLinearlyAndSumsToAlpha) {
  auto looks = SequentialLooks(20, 0.05);
  ASSERT_EQ(looks.size(), 4u);
  EXPECT_EQ(looks[0].pairs, 8);
  EXPECT_EQ(looks[3].pairs, 20);
  EXPECT_NEAR(looks[0].alpha, 0.05 * 8 / 20, 1e-15);
  EXPECT_NEAR(looks[1].alpha, 0.05 * 4 / 20, 1e-15);
  double sum = 0;
  for (const auto& l : looks) sum += l.alpha;
  EXPECT_NEAR(sum, 0.05, 1e-15);
  auto one = SequentialLooks(6, 0.05);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].pairs, 6);
  EXPECT_DOUBLE_EQ(one[0].alpha, 0.05);
}

// The stopping rule keeps its promise: under no change (symmetric noise
// around 0, delta 0) the chance that any look declares a regression or an
// improvement stays under alpha. A simulation of 4000 sequential A/Bs.
TEST(SequentialLooks, FamilyWiseErrorStaysUnderAlpha) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 0.2);
  const double alpha = 0.05;
  auto looks = SequentialLooks(24, alpha);
  int false_decisions = 0, naive_false = 0;
  const int trials = 4000;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> d;
    bool decided = false, naive = false;
    for (const auto& look : looks) {
      while (static_cast<int>(d.size()) < look.pairs) d.push_back(noise(rng));
      ShiftEstimate e = HodgesLehmannPaired(d, 1 - look.alpha);
      AbDecision dec = AbDecide(e, 0.0);
      if (!decided &&
          (dec == AbDecision::kRegression || dec == AbDecision::kImprovement))
        decided = true;
      // The naive rule: every look at the full alpha.
      AbDecision naive_dec = AbDecide(HodgesLehmannPaired(d, 1 - alpha), 0.0);
      if (naive_dec == AbDecision::kRegression ||
          naive_dec == AbDecision::kImprovement)
        naive = true;
    }
    false_decisions += decided;
    naive_false += naive;
  }
  EXPECT_LT(false_decisions, trials * alpha);
  // And the naive rule does not: the test can tell a correct rule from one
  // that peeks.
  EXPECT_GT(naive_false, trials * alpha);
}

TEST(AbSchedule, AbbaAndSeededRandom) {
  EXPECT_EQ(AbSchedule(4, AbOrderMode::kAbba),
            (std::vector<std::string>{"AB", "BA", "AB", "BA"}));
  auto r1 = AbSchedule(64, AbOrderMode::kRandom, 42);
  auto r2 = AbSchedule(64, AbOrderMode::kRandom, 42);
  auto r3 = AbSchedule(64, AbOrderMode::kRandom, 43);
  EXPECT_EQ(r1, r2);
  EXPECT_NE(r1, r3);
  int ab = 0;
  for (const auto& o : r1) ab += o == "AB";
  EXPECT_GT(ab, 16);
  EXPECT_LT(ab, 48);
  EXPECT_THROW(ParseAbOrderMode("zigzag"), Error);
}

TEST(ParseMinEffect, UnitsAndErrors) {
  MinEffect pct = ParseMinEffect("5%");
  EXPECT_TRUE(pct.percent);
  EXPECT_DOUBLE_EQ(pct.For("boot_s", 20), 1.0);
  MinEffect sec = ParseMinEffect("0.25s");
  EXPECT_FALSE(sec.percent);
  EXPECT_DOUBLE_EQ(sec.For("boot_s", 20), 0.25);
  EXPECT_DOUBLE_EQ(sec.For("ram_mib", 100), 5.0);  // not seconds: 5%
  EXPECT_THROW(ParseMinEffect("0.25"), Error);
  EXPECT_THROW(ParseMinEffect("-1%"), Error);
  EXPECT_THROW(ParseMinEffect("abc%"), Error);
}

TEST(MedianOf, OddEvenEmpty) {
  EXPECT_DOUBLE_EQ(MedianOf({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(MedianOf({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(MedianOf({}), 0);
}

}  // namespace
}  // namespace bootgate
