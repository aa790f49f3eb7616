#include "history/compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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
  void RecordBuild(const std::string& build, const std::string& day,
                   double from, const std::string& accel = "tcg",
                   const std::string& scenario = "photon",
                   const std::string& profile = "qemu-kvm",
                   const std::string& backend = "qemu") {
    std::vector<RunSpec> specs;
    for (int i = 0; i < 10; ++i) {
      specs.push_back({.scenario = scenario,
                       .profile = profile,
                       .accel = accel,
                       .backend = backend,
                       .boot_s = from + 0.1 * i});
    }
    h_.Record(MakeSuite(build + "-" + scenario + "-" + profile,
                        "2024-05-" + day + "T10:00:00Z", build, specs));
  }
  CompareResult Run(const std::string& baseline, const std::string& candidate,
                    CompareOptions o = {}) {
    return Compare(h_, ParseSelector(baseline), ParseSelector(candidate), o);
  }
  TempDir dir_;
  History h_;
};

TEST_F(CompareTest, FindsARegressionBetweenBuilds) {
  RecordBuild("b1", "01", 10.0);
  RecordBuild("b2", "02", 11.0);
  const CompareResult result = Run("build=b1", "build=b2");
  const auto& reports = result.reports;
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
  // Two metrics tested: Holm doubles the smaller p.
  EXPECT_EQ(result.tests, 2);
  EXPECT_NEAR(r.metrics[0].p_adjusted, 4.0 / 184756.0, 1e-12);
  EXPECT_THAT(r.metrics[0].note, HasSubstr("Holm-adjusted p (over 2 tests)"));
  EXPECT_EQ(r.metrics[1].metric, "ram_mib");
  EXPECT_EQ(r.metrics[1].change, Change::kNoChange);  // identical values: p = 1

  const std::string table = FormatCompareTable(reports);
  EXPECT_THAT(table, HasSubstr("scenario"));
  EXPECT_THAT(table, HasSubstr("boot_s"));
  EXPECT_THAT(table, HasSubstr("10.45 (10)"));
  EXPECT_THAT(table, HasSubstr("11.45 (10)"));
  EXPECT_THAT(table, HasSubstr("+9.6%"));
  EXPECT_THAT(table, HasSubstr("regression"));
  const std::string full = FormatCompareTable(result);
  EXPECT_THAT(full, HasSubstr("p-values are Holm-corrected for 2 tests"));
  EXPECT_THAT(full, HasSubstr("result: REGRESSION"));
  EXPECT_EQ(CompareExitCode(result), 1);
}

TEST_F(CompareTest, ImprovementAndLatestVsPrevious) {
  RecordBuild("b1", "01", 11.0);
  RecordBuild("b2", "02", 10.0);
  auto reports = Run("previous", "latest").reports;
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].regression);
  EXPECT_EQ(reports[0].metrics[0].change, Change::kImprovement);
}

TEST_F(CompareTest, OneSidedGroupsAreInsufficientData) {
  RecordBuild("b1", "01", 10.0, "tcg", "photon");
  RecordBuild("b2", "02", 10.0, "tcg", "photon");
  RecordBuild("b2", "02", 5.0, "tcg", "alpine");
  const CompareResult result = Run("build=b1", "build=b2");
  EXPECT_EQ(result.refusal, "");
  const auto& reports = result.reports;
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].scenario, "alpine");
  EXPECT_THAT(reports[0].note, HasSubstr("no baseline runs"));
  EXPECT_EQ(reports[0].metrics[0].change, Change::kInsufficientData);
  const std::string table = FormatCompareTable(reports);
  EXPECT_THAT(table, HasSubstr("insufficient data"));
  EXPECT_THAT(table, HasSubstr("- alpine qemu-kvm: no baseline runs"));
}

// Fails on the old code: a selector that matched nothing gave "no
// regression" and exit 0, so a mistyped selector passed the gate.
TEST_F(CompareTest, AnEmptySideIsRefusedAndNamed) {
  RecordBuild("b1", "01", 10.0);
  CompareResult no_candidate = Run("build=b1", "build=b1-typo");
  EXPECT_EQ(CompareExitCode(no_candidate), 2);
  EXPECT_THAT(no_candidate.refusal,
              HasSubstr("the candidate selection matched no counted runs"));
  CompareResult no_baseline = Run("build=nope", "build=b1");
  EXPECT_EQ(CompareExitCode(no_baseline), 2);
  EXPECT_THAT(no_baseline.refusal,
              HasSubstr("the baseline selection matched no counted runs"));
  EXPECT_THAT(Run("build=x", "build=y").refusal,
              HasSubstr("neither selection"));
  // A metric no run has leaves both sides empty.
  CompareOptions o;
  o.metrics = {"boot_ms"};
  EXPECT_EQ(CompareExitCode(Run("build=b1", "build=b1", o)), 2);
}

// Fails on the old code, which compared tcg against kvm with only a note.
TEST_F(CompareTest,
       AcceleratorBackendAndProfileMismatchesAreRefusedUnlessAllowed) {
  RecordBuild("b1", "01", 10.0, "tcg");
  RecordBuild("b2", "02", 10.0, "kvm");
  CompareResult accel = Run("build=b1", "build=b2");
  EXPECT_EQ(CompareExitCode(accel), 2);
  EXPECT_THAT(accel.refusal, HasSubstr("photon / qemu-kvm: accelerators "
                                       "differ: baseline tcg, candidate kvm"));
  EXPECT_THAT(accel.refusal, HasSubstr("--allow-mismatch"));
  CompareOptions allow;
  allow.allow_mismatch = true;
  CompareResult allowed = Run("build=b1", "build=b2", allow);
  EXPECT_EQ(CompareExitCode(allowed), 0);
  ASSERT_EQ(allowed.reports.size(), 1u);
  EXPECT_THAT(allowed.reports[0].note, HasSubstr("compared across a mismatch"));
  EXPECT_THAT(FormatCompareTable(allowed),
              HasSubstr("- compared anyway: photon / qemu-kvm"));

  RecordBuild("b3", "03", 10.0, "tcg", "photon", "qemu-kvm", "libvirt");
  EXPECT_THAT(Run("build=b1", "build=b3").refusal,
              HasSubstr("backends differ: baseline qemu, candidate libvirt"));

  RecordBuild("b4", "04", 10.0, "tcg", "photon", "q35-uefi");
  CompareResult profiles = Run("build=b1", "build=b4");
  EXPECT_EQ(CompareExitCode(profiles), 2);
  EXPECT_THAT(
      profiles.refusal,
      HasSubstr(
          "photon: profiles differ: baseline qemu-kvm, candidate q35-uefi"));
  CompareResult paired = Run("build=b1", "build=b4", allow);
  ASSERT_EQ(paired.reports.size(), 1u);
  EXPECT_EQ(paired.reports[0].profile, "qemu-kvm vs q35-uefi");
  EXPECT_EQ(paired.reports[0].metrics[0].n_baseline, 10);
  EXPECT_EQ(paired.reports[0].metrics[0].n_candidate, 10);
}

// Fails on the old code (no --metric: every metric was compared).
TEST_F(CompareTest, DifferentVmSizesAreRefusedUnlessAllowed) {
  RecordBuild("b1", "01", 10.0);
  std::vector<RunSpec> bigger;
  for (int i = 0; i < 10; ++i)
    bigger.push_back({.boot_s = 10.0 + 0.1 * i, .vm_cpus = 2, .vm_memory_mib = 2048});
  h_.Record(MakeSuite("b2-photon", "2024-05-02T10:00:00Z", "b2", bigger));
  CompareResult r = Run("build=b1", "build=b2");
  EXPECT_EQ(CompareExitCode(r), 2);
  EXPECT_THAT(r.refusal, HasSubstr("photon / qemu-kvm: VM sizes differ: baseline 1 vCPU, 512 MiB, "
                                   "candidate 2 vCPU, 2048 MiB"));
  CompareOptions allow;
  allow.allow_mismatch = true;
  EXPECT_EQ(CompareExitCode(Run("build=b1", "build=b2", allow)), 0);
}

TEST_F(CompareTest, MetricSelectsWhatIsTestedAndOneTestIsNotCorrected) {
  RecordBuild("b1", "01", 10.0);
  RecordBuild("b2", "02", 11.0);
  CompareOptions o;
  o.metrics = {"boot_s"};
  CompareResult r = Run("build=b1", "build=b2", o);
  ASSERT_EQ(r.reports.size(), 1u);
  ASSERT_EQ(r.reports[0].metrics.size(), 1u);
  EXPECT_EQ(r.reports[0].metrics[0].metric, "boot_s");
  EXPECT_EQ(r.tests, 1);
  EXPECT_DOUBLE_EQ(r.reports[0].metrics[0].p_adjusted,
                   r.reports[0].metrics[0].p_value);
  EXPECT_THAT(FormatCompareTable(r),
              HasSubstr("1 U test: no multiple-testing correction"));
}

TEST_F(CompareTest, JsonCarriesTheDecisionAndTheCorrection) {
  RecordBuild("b1", "01", 10.0);
  RecordBuild("b2", "02", 11.0);
  nlohmann::json j =
      nlohmann::json::parse(RenderCompareJson(Run("build=b1", "build=b2")));
  EXPECT_EQ(j["result"], "regression");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["correction"], "holm");
  EXPECT_EQ(j["tests"], 2);
  ASSERT_EQ(j["groups"].size(), 1u);
  EXPECT_EQ(j["groups"][0]["metrics"][0]["metric"], "boot_s");
  EXPECT_EQ(j["groups"][0]["metrics"][0]["change"], "regression");
  nlohmann::json refused =
      nlohmann::json::parse(RenderCompareJson(Run("build=b1", "build=zz")));
  EXPECT_EQ(refused["result"], "refused");
  EXPECT_EQ(refused["exit_code"], 2);
}

}  // namespace
}  // namespace bootgate
