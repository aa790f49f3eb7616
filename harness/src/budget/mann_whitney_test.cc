#include "budget/mann_whitney.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace bootgate {
namespace {

// Hand derivations. Without ties, every one of the C(n1+n2, n1) ways to
// interleave the samples is equally likely under H0; U of `a` counts the
// pairs with a_i > b_j. Two-sided exact p = 2 * min(P(U <= u), P(U >= u)).

TEST(MannWhitneyU, CompleteSeparationThreeVsThree) {
  // a = {1,2,3}, b = {4,5,6}: no a exceeds any b -> U = 0. Only 1 of the
  // C(6,3) = 20 arrangements has U = 0 -> p = 2 * 1/20 = 0.1.
  MannWhitneyResult r = MannWhitneyU({1, 2, 3}, {4, 5, 6});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0);
  EXPECT_NEAR(r.p_two_sided, 0.1, 1e-12);
  EXPECT_LT(r.z, 0);
  EXPECT_EQ(r.n1, 3);
  EXPECT_EQ(r.n2, 3);
  // Swapped: U = 9 = n1 n2, the other tail, same p.
  MannWhitneyResult s = MannWhitneyU({4, 5, 6}, {1, 2, 3});
  EXPECT_DOUBLE_EQ(s.u, 9);
  EXPECT_NEAR(s.p_two_sided, 0.1, 1e-12);
  EXPECT_GT(s.z, 0);
}

TEST(MannWhitneyU, TwoVsTwoInterleaved) {
  // a = {1,3}, b = {2,4}: only 3 > 2 -> U = 1. Distribution of U for
  // n1 = n2 = 2 over C(4,2) = 6 arrangements: U = 0,1,2,2,3,4. P(U <= 1) = 2/6,
  // P(U >= 1) = 5/6 -> p = 2 * 2/6 = 2/3.
  MannWhitneyResult r = MannWhitneyU({1, 3}, {2, 4});
  EXPECT_DOUBLE_EQ(r.u, 1);
  EXPECT_NEAR(r.p_two_sided, 2.0 / 3.0, 1e-12);
}

TEST(MannWhitneyU, ThreeVsThreeOneInversion) {
  // a = {1,2,4}, b = {3,5,6}: 4 > 3 -> U = 1. Counts of U = 0..9 for n1 = n2 = 3:
  // 1,1,2,3,3,3,3,2,1,1 (sum 20). P(U <= 1) = 2/20 -> p = 0.2.
  MannWhitneyResult r = MannWhitneyU({1, 2, 4}, {3, 5, 6});
  EXPECT_DOUBLE_EQ(r.u, 1);
  EXPECT_NEAR(r.p_two_sided, 0.2, 1e-12);
}

TEST(MannWhitneyU, OneVsFive) {
  // a = {1}, b = {2..6}: U = 0; the single a value takes one of 6 ranks -> p = 2/6.
  MannWhitneyResult r = MannWhitneyU({1}, {2, 3, 4, 5, 6});
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_two_sided, 1.0 / 3.0, 1e-12);
}

TEST(MannWhitneyU, ExactWithALargeOtherSample) {
  // 3 vs 50, separated: p = 2 / C(53, 3) = 2 / 23426.
  std::vector<double> a = {1, 2, 3}, b;
  for (int i = 0; i < 50; ++i) b.push_back(10 + i);
  MannWhitneyResult r = MannWhitneyU(a, b);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_two_sided, 2.0 / 23426.0, 1e-15);
}

TEST(MannWhitneyU, ExactMatchesBruteForceEnumeration) {
  // Enumerate all C(9,4) = 126 ways to pick the ranks of a (n1 = 4, n2 = 5)
  // and count U; then check the p of every possible u against MannWhitneyU.
  const int n1 = 4, n2 = 5;
  std::map<int, int> count;
  std::vector<int> pick(n1 + n2, 0);
  std::fill(pick.begin(), pick.begin() + n1, 1);
  std::sort(pick.begin(), pick.end());
  int total = 0;
  do {
    int u = 0, bs_below = 0;
    for (int x : pick) {
      if (x == 1) u += bs_below; else ++bs_below;
    }
    ++count[u];
    ++total;
  } while (std::next_permutation(pick.begin(), pick.end()));
  ASSERT_EQ(total, 126);
  for (int u = 0; u <= n1 * n2; ++u) {
    int le = 0, ge = 0;
    for (auto [k, c] : count) {
      if (k <= u) le += c;
      if (k >= u) ge += c;
    }
    const double expected = std::min(1.0, 2.0 * std::min(le, ge) / total);
    // Build samples with exactly u inversions: a's j-th value sits above
    // the first min(u_j, n2) b values.
    std::vector<double> a, b;
    for (int j = 0; j < n2; ++j) b.push_back(10 * (j + 1));
    int left = u;
    for (int i = 0; i < n1; ++i) {
      const int above = std::min(left, n2);
      left -= above;
      a.push_back(10 * above + 5 + 0.1 * i);
    }
    MannWhitneyResult r = MannWhitneyU(a, b);
    ASSERT_DOUBLE_EQ(r.u, u);
    EXPECT_NEAR(r.p_two_sided, expected, 1e-12) << "u = " << u;
  }
}

TEST(MannWhitneyU, NormalApproximationWithTies) {
  // a = {1,2,3,4,5}, b = {3,6,7,8,9}: 4 > 3 and 5 > 3, one tie 3 = 3 ->
  // U = 2 + 0.5 = 2.5 (ties -> normal approximation). mu = 25/2 = 12.5.
  // One tie group of t = 2: sum(t^3 - t) = 6, n = 10:
  // var = 25/12 * (11 - 6/90) = 22.7778; z = -(10 - 0.5)/4.77261 = -1.990526;
  // p = erfc(1.990526 / sqrt 2) = 0.046533.
  MannWhitneyResult r = MannWhitneyU({1, 2, 3, 4, 5}, {3, 6, 7, 8, 9});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 2.5);
  EXPECT_NEAR(r.z, -1.9905263, 1e-6);
  EXPECT_NEAR(r.p_two_sided, 0.0465330, 1e-6);
}

TEST(MannWhitneyU, NormalApproximationForLargeSamples) {
  // 11 vs 11, separated, no ties: var = 121 * 23 / 12 = 231.9167,
  // z = -(60.5 - 0.5) / 15.2288 = -3.939901, p = 8.15154e-5.
  std::vector<double> a, b;
  for (int i = 0; i < 11; ++i) {
    a.push_back(i);
    b.push_back(100 + i);
  }
  MannWhitneyResult r = MannWhitneyU(a, b);
  EXPECT_FALSE(r.exact);
  EXPECT_NEAR(r.z, -3.9399006, 1e-6);
  EXPECT_NEAR(r.p_two_sided, 8.15154e-5, 1e-9);
}

TEST(MannWhitneyU, DegenerateInputs) {
  MannWhitneyResult empty = MannWhitneyU({}, {1, 2});
  EXPECT_DOUBLE_EQ(empty.p_two_sided, 1);
  EXPECT_EQ(empty.n1, 0);
  MannWhitneyResult same = MannWhitneyU({5, 5}, {5, 5, 5});
  EXPECT_DOUBLE_EQ(same.u, 3);  // 6 ties * 0.5
  EXPECT_DOUBLE_EQ(same.p_two_sided, 1);
}

TEST(MinimumAchievableP, KnownSizes) {
  EXPECT_NEAR(MinimumAchievableP(1, 5), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(MinimumAchievableP(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(MinimumAchievableP(5, 5), 2.0 / 252.0, 1e-12);  // C(10,5) = 252
  EXPECT_DOUBLE_EQ(MinimumAchievableP(0, 5), 1);
}

}  // namespace
}  // namespace bootgate
