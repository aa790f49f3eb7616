#include "budget/stats.h"

#include <gtest/gtest.h>

#include <cmath>

#include "util/error.h"

namespace bootgate {
namespace {

TEST(QuantileType7, InterpolatesBetweenOrderStatistics) {
  // h = (n-1) p. {10, 20}: p95 -> h = 0.95 -> 10 + 0.95 * 10 = 19.5.
  EXPECT_DOUBLE_EQ(QuantileType7({10, 20}, 0.95), 19.5);
  // {1..5}: p95 -> h = 3.8 -> 4 + 0.8 * 1 = 4.8; p0 = min; p1 = max.
  EXPECT_DOUBLE_EQ(QuantileType7({1, 2, 3, 4, 5}, 0.95), 4.8);
  EXPECT_DOUBLE_EQ(QuantileType7({1, 2, 3, 4, 5}, 0.0), 1);
  EXPECT_DOUBLE_EQ(QuantileType7({1, 2, 3, 4, 5}, 1.0), 5);
  EXPECT_DOUBLE_EQ(QuantileType7({7}, 0.95), 7);
}

TEST(ComputeStats, KnownValuesOfUnsortedInput) {
  Stats s = ComputeStats({5, 1, 4, 2, 3});
  EXPECT_EQ(s.n, 5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.p95, 4.8);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  // Sample stdev: sum of squares 10, / (n-1) = 2.5.
  EXPECT_DOUBLE_EQ(s.stdev, std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(s.cov, std::sqrt(2.5) / 3);
  EXPECT_LE(s.ci_low, s.median);
  EXPECT_GE(s.ci_high, s.median);
  EXPECT_GE(s.ci_low, 1);
  EXPECT_LE(s.ci_high, 5);
  EXPECT_LT(s.ci_low, s.ci_high);
}

TEST(ComputeStats, EvenCountMedianAveragesTheMiddlePair) {
  Stats s = ComputeStats({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.p95, 3 + 0.85);  // h = 2.85
}

TEST(ComputeStats, SmallSamplesUseMinMaxAsTheInterval) {
  Stats one = ComputeStats({7.5});
  EXPECT_EQ(one.n, 1);
  EXPECT_DOUBLE_EQ(one.stdev, 0);
  EXPECT_DOUBLE_EQ(one.ci_low, 7.5);
  EXPECT_DOUBLE_EQ(one.ci_high, 7.5);
  Stats two = ComputeStats({9, 11});
  EXPECT_DOUBLE_EQ(two.ci_low, 9);
  EXPECT_DOUBLE_EQ(two.ci_high, 11);
  EXPECT_DOUBLE_EQ(two.stdev, std::sqrt(2.0));
}

TEST(ComputeStats, EmptyInputIsAllZero) {
  Stats s = ComputeStats({});
  EXPECT_EQ(s.n, 0);
  EXPECT_DOUBLE_EQ(s.median, 0);
}

TEST(ComputeStats, ConstantValuesHaveADegenerateInterval) {
  Stats s = ComputeStats({7, 7, 7, 7});
  EXPECT_DOUBLE_EQ(s.ci_low, 7);
  EXPECT_DOUBLE_EQ(s.ci_high, 7);
  EXPECT_DOUBLE_EQ(s.cov, 0);
}

// Fails on the old code: the bootstrap "95% CI" at n = 3 was [min, max],
// which covers the median with only 75%.
TEST(MedianCi, NoNinetyFivePercentIntervalBelowSixRuns) {
  for (int n = 1; n < kMinRunsForMedianCi; ++n)
    EXPECT_EQ(MedianCiRank(n), 0) << n;
  EXPECT_DOUBLE_EQ(MedianCiCoverage(3, 1), 0.75);
  EXPECT_DOUBLE_EQ(MedianCiCoverage(5, 1), 0.9375);
  Stats s = ComputeStats({9, 10, 11});
  EXPECT_DOUBLE_EQ(s.ci_low, 9);
  EXPECT_DOUBLE_EQ(s.ci_high, 11);
  EXPECT_DOUBLE_EQ(s.ci_level, 0.75);
}

TEST(MedianCi, ExactRanksFromTheBinomial) {
  // Known table values (e.g. Conover, Practical Nonparametric Statistics):
  // n = 6..9 -> k = 1, 1, 1, 2; n = 10 -> k = 2 (97.9%); n = 20 -> k = 6.
  EXPECT_EQ(MedianCiRank(6), 1);
  EXPECT_NEAR(MedianCiCoverage(6, 1), 1 - 2.0 / 64, 1e-12);
  EXPECT_EQ(MedianCiRank(7), 1);
  EXPECT_EQ(MedianCiRank(8), 1);  // k = 2 would cover only 1 - 2 * 9/256 = 93%
  EXPECT_NEAR(MedianCiCoverage(8, 2), 1 - 2 * 9.0 / 256, 1e-12);
  EXPECT_EQ(MedianCiRank(9), 2);
  EXPECT_EQ(MedianCiRank(10), 2);
  EXPECT_NEAR(MedianCiCoverage(10, 2), 0.978515625, 1e-12);
  EXPECT_EQ(MedianCiRank(20), 6);
  for (int n = 6; n <= 200; ++n) {
    const int k = MedianCiRank(n);
    ASSERT_GE(k, 1) << n;
    EXPECT_GE(MedianCiCoverage(n, k), 0.95) << n;
    if (2 * (k + 1) <= n + 1) {
      EXPECT_LT(MedianCiCoverage(n, k + 1), 0.95) << n;
    }
  }
}

TEST(ComputeStats, IntervalIsTheOrderStatisticsOfTheExactRanks) {
  // n = 100: k = 40 -> [x(40), x(61)], coverage 96.5%.
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  Stats s = ComputeStats(v);
  EXPECT_DOUBLE_EQ(s.median, 50.5);
  EXPECT_DOUBLE_EQ(s.ci_low, 40);
  EXPECT_DOUBLE_EQ(s.ci_high, 61);
  EXPECT_NEAR(s.ci_level, 0.9648, 1e-4);
}

TEST(RunsToDecide, ProjectsTheShareOfRunsUnderTheLimit) {
  // 4 of 5 under the limit: 80% under; the smallest N whose exact interval
  // then lies under the limit. N = 6 (k = 1) needs all 6 under: no; the
  // first N with round(0.8 N) >= N - k + 1 decides.
  std::optional<int> n = RunsToDecide({9, 9.5, 10, 10.5, 11}, 10.75);
  ASSERT_TRUE(n.has_value());
  const int k = MedianCiRank(*n);
  EXPECT_GE(std::lround(0.8 * *n), *n - k + 1);
  EXPECT_GT(*n, 5);
  // Half on each side: more runs will not decide.
  EXPECT_FALSE(RunsToDecide({9, 11}, 10).has_value());
  EXPECT_FALSE(RunsToDecide({}, 10).has_value());
}

TEST(ComputeStats, RejectsNonFiniteValues) {
  EXPECT_THROW(ComputeStats({1, NAN}), Error);
  EXPECT_THROW(ComputeStats({INFINITY}), Error);
}

TEST(Statistic, NamesAndUnknown) {
  Stats s = ComputeStats({1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(Statistic(s, "median"), 3);
  EXPECT_DOUBLE_EQ(Statistic(s, "p95"), 4.8);
  EXPECT_DOUBLE_EQ(Statistic(s, "max"), 5);
  EXPECT_DOUBLE_EQ(Statistic(s, "min"), 1);
  EXPECT_DOUBLE_EQ(Statistic(s, "mean"), 3);
  EXPECT_THROW(Statistic(s, "p99"), Error);
}

}  // namespace
}  // namespace bootgate
