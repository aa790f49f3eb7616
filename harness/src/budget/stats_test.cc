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

TEST(ComputeStats, BootstrapIsDeterministicForASeed) {
  std::vector<double> v = {9.1, 10.4, 9.8, 11.2, 10.0, 9.5, 10.9};
  Stats a = ComputeStats(v, 7);
  Stats b = ComputeStats(v, 7);
  EXPECT_EQ(a.ci_low, b.ci_low);
  EXPECT_EQ(a.ci_high, b.ci_high);
}

TEST(ComputeStats, BootstrapIntervalMatchesOrderStatisticTheory) {
  // For the median of n = 100 distinct values the 95% interval spans roughly
  // ranks n/2 -+ 1.96 sqrt(n)/2, i.e. about 40..61 for the values 1..100.
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  Stats s = ComputeStats(v);
  EXPECT_DOUBLE_EQ(s.median, 50.5);
  EXPECT_GE(s.ci_low, 38);
  EXPECT_LE(s.ci_low, 45);
  EXPECT_GE(s.ci_high, 56);
  EXPECT_LE(s.ci_high, 63);
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
