#include "history/compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "history/history_test_util.h"
#include "util/fs.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;
using namespace testing_history;

class CompareTest : public ::testing::Test {
 protected:
  CompareTest()
      : dir_(std::filesystem::temp_directory_path(), "compare-test-"),
        h_((dir_.path() / "h.db").string()) {}
  // Ten runs of boot_s from `from` in steps of 0.1 (ram_mib constant).
  void RecordBuild(const std::string& build, const std::string& day, double from,
                   const std::string& accel = "tcg", const std::string& scenario = "photon") {
    std::vector<RunSpec> specs;
    for (int i = 0; i < 10; ++i) {
      specs.push_back({.scenario = scenario, .accel = accel, .boot_s = from + 0.1 * i});
    }
    h_.Record(MakeSuite(build + "-" + scenario, "2024-05-" + day + "T10:00:00Z", build, specs));
  }
  TempDir dir_;
  History h_;
};

TEST_F(CompareTest, FindsARegressionBetweenBuilds) {
  RecordBuild("b1", "01", 10.0);
  RecordBuild("b2", "02", 11.0);
  auto reports = CompareSelections(h_, ParseSelector("build=b1"), ParseSelector("build=b2"));
  ASSERT_EQ(reports.size(), 1u);
  const CompareReport& r = reports[0];
  EXPECT_EQ(r.scenario, "photon");
  EXPECT_EQ(r.profile, "qemu-kvm");
  EXPECT_TRUE(r.regression);
  EXPECT_TRUE(r.note.empty());
  ASSERT_EQ(r.metrics.size(), 2u);
  EXPECT_EQ(r.metrics[0].metric, "boot_s");
  EXPECT_EQ(r.metrics[0].change, Change::kRegression);
  EXPECT_EQ(r.metrics[0].n_baseline, 10);
  EXPECT_NEAR(r.metrics[0].p_value, 2.0 / 184756.0, 1e-12);  // exact, separated 10 vs 10
  EXPECT_EQ(r.metrics[1].metric, "ram_mib");
  EXPECT_EQ(r.metrics[1].change, Change::kNoChange);  // identical values: p = 1

  const std::string table = FormatCompareTable(reports);
  EXPECT_THAT(table, HasSubstr("scenario"));
  EXPECT_THAT(table, HasSubstr("boot_s"));
  EXPECT_THAT(table, HasSubstr("10.45 (10)"));
  EXPECT_THAT(table, HasSubstr("11.45 (10)"));
  EXPECT_THAT(table, HasSubstr("+9.6%"));
  EXPECT_THAT(table, HasSubstr("regression"));
}

TEST_F(CompareTest, ImprovementAndLatestVsPrevious) {
  RecordBuild("b1", "01", 11.0);
  RecordBuild("b2", "02", 10.0);
  auto reports = CompareSelections(h_, ParseSelector("previous"), ParseSelector("latest"));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].regression);
  EXPECT_EQ(reports[0].metrics[0].change, Change::kImprovement);
}

TEST_F(CompareTest, OneSidedGroupsAndAcceleratorMismatchAreReported) {
  RecordBuild("b1", "01", 10.0, "tcg", "photon");
  RecordBuild("b2", "02", 10.0, "kvm", "photon");
  RecordBuild("b2", "02", 5.0, "kvm", "alpine");
  auto reports = CompareSelections(h_, ParseSelector("build=b1"), ParseSelector("build=b2"));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].scenario, "alpine");
  EXPECT_THAT(reports[0].note, HasSubstr("no baseline runs"));
  EXPECT_EQ(reports[0].metrics[0].change, Change::kInsufficientData);
  EXPECT_THAT(reports[1].note, HasSubstr("accelerators differ: baseline tcg, candidate kvm"));
  const std::string table = FormatCompareTable(reports);
  EXPECT_THAT(table, HasSubstr("insufficient data"));
  EXPECT_THAT(table, HasSubstr("- alpine qemu-kvm: no baseline runs"));
}

TEST_F(CompareTest, NothingMatched) {
  auto reports = CompareSelections(h_, ParseSelector("build=x"), ParseSelector("build=y"));
  EXPECT_TRUE(reports.empty());
  EXPECT_THAT(FormatCompareTable(reports), HasSubstr("no runs matched"));
}

}  // namespace
}  // namespace bootgate
