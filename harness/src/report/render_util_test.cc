#include "report/render_util.h"

#include <gtest/gtest.h>

#include "report/example_suite.h"

namespace bootgate::report_internal {
namespace {

TEST(RenderUtilTest, FormatNumberTrimsZeros) {
  EXPECT_EQ(FormatNumber(12.5), "12.5");
  EXPECT_EQ(FormatNumber(45.0), "45");
  EXPECT_EQ(FormatNumber(-0.001), "0");
  EXPECT_EQ(FormatNumber(1.23456, 3), "1.235");
  EXPECT_EQ(FormatMetric("boot_s", 10.25), "10.25 s");
  EXPECT_EQ(FormatMetric("ram_mib", 142.04), "142 MiB");
  EXPECT_EQ(FormatMetric("count", 3), "3");
}

TEST(RenderUtilTest, ParseRfc3339) {
  EXPECT_DOUBLE_EQ(*ParseRfc3339("2026-01-01T00:00:00.000Z"), 1767225600.0);
  EXPECT_DOUBLE_EQ(*ParseRfc3339("2026-01-01T01:00:00.500+01:00"), 1767225600.5);
  EXPECT_DOUBLE_EQ(*ParseRfc3339("1970-01-01T00:00:10Z"), 10.0);
  EXPECT_FALSE(ParseRfc3339("yesterday"));
  EXPECT_FALSE(ParseRfc3339("2026-01-01T00:00:00"));  // no zone
  EXPECT_FALSE(ParseRfc3339("2026-13-01T00:00:00Z"));
}

TEST(RenderUtilTest, GroupRunsPairsRunsWithAggregates) {
  SuiteResult suite = testing::ExampleSuite();
  auto groups = GroupRuns(suite);
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0].scenario, "photon-minimal");
  EXPECT_EQ(groups[0].profile, "qemu-kvm");
  // Every attempt is in the group; the judge's roles say which count.
  EXPECT_EQ(groups[0].runs.size(), 4u);
  EXPECT_EQ(groups[0].WithRole(RunRole::kCounted).size(), 2u);
  EXPECT_EQ(groups[0].WithRole(RunRole::kWarmup).size(), 1u);
  ASSERT_EQ(groups[0].WithRole(RunRole::kSuperseded).size(), 1u);
  EXPECT_EQ(groups[0].SupersededBy(*groups[0].runs.back()).size(), 1u);
  ASSERT_NE(groups[1].aggregate, nullptr);
  EXPECT_EQ(groups[1].GroupVerdict(), Verdict::kFail);
  EXPECT_EQ(groups[1].Budgets()[0].statistic, "median");
  // A group the judge never saw is not a verdict anyone may print as one.
  suite.aggregates.clear();
  groups = GroupRuns(suite);
  EXPECT_TRUE(groups[0].Budgets().empty());
  EXPECT_EQ(groups[0].GroupVerdict(), Verdict::kError);
}

}  // namespace
}  // namespace bootgate::report_internal
