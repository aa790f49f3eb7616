#include "report/junit_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <vector>

#include "report/example_suite.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ExampleSuite;

// Minimal well-formedness check: every element closes in order, attribute
// values are quoted, and no byte XML 1.0 forbids appears.
void ExpectWellFormed(const std::string& xml) {
  for (unsigned char c : xml) {
    ASSERT_TRUE(c >= 0x20 || c == '\n' || c == '\t' || c == '\r')
        << "illegal control byte " << int(c);
  }
  std::vector<std::string> stack;
  static const std::regex kTag(R"(<(/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(/?)>)");
  size_t pos = 0;
  std::string rest;
  while (true) {
    size_t lt = xml.find('<', pos);
    if (lt == std::string::npos) break;
    if (xml.compare(lt, 5, "<?xml") == 0) {
      pos = xml.find("?>", lt) + 2;
      continue;
    }
    size_t gt = xml.find('>', lt);
    ASSERT_NE(gt, std::string::npos);
    std::string tag = xml.substr(lt, gt - lt + 1);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(tag, m, kTag)) << "malformed tag: " << tag;
    if (m[1] == "/") {
      ASSERT_FALSE(stack.empty()) << tag;
      ASSERT_EQ(stack.back(), m[2].str()) << tag;
      stack.pop_back();
    } else if (m[4] != "/") {
      stack.push_back(m[2]);
    }
    pos = gt + 1;
  }
  EXPECT_TRUE(stack.empty());
}

TEST(JUnitReportTest, MatchesGolden) {
  testing::ExpectGolden("junit.xml", RenderJUnit(ExampleSuite()));
}

TEST(JUnitReportTest, IsWellFormedXml) {
  std::string xml = RenderJUnit(ExampleSuite());
  ExpectWellFormed(xml);
  EXPECT_THAT(xml, Not(HasSubstr("\x01")));
  EXPECT_THAT(xml, Not(HasSubstr("\x1b")));
}

TEST(JUnitReportTest, OneSuitePerScenarioAndProfileWithCounts) {
  std::string xml = RenderJUnit(ExampleSuite());
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"photon-minimal / qemu-kvm\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"alpine-virt / hyperv-gen2\" tests=\"2\" "
                             "failures=\"2\" errors=\"0\" skipped=\"0\""));
  // photon/hyperv: 2 boots + 3 checks + 2 budgets; the boot budget and one
  // check fail.
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"photon-minimal / hyperv-gen2\" "
                             "tests=\"7\" failures=\"2\""));
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"bootgate\" tests=\"23\" failures=\"4\""));
}

TEST(JUnitReportTest, BudgetAndCheckTestcases) {
  std::string xml = RenderJUnit(ExampleSuite());
  EXPECT_THAT(xml, HasSubstr("name=\"boot_s &lt;= 45 (median)\""));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"budget exceeded: boot_s median = 51.15 s, "
                             "budget 45 s, margin -6.15 (-13.7%)\" type=\"budget\">"));
  EXPECT_THAT(xml, HasSubstr("name=\"check: dropbear listening [iteration 2]\""));
  EXPECT_THAT(xml, HasSubstr("type=\"check\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"accelerator\" value=\"tcg\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"phase.kernel_s\" value=\"3.06\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"metric.boot_s.median\" value=\"10\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"build\" value=\"photon-5.0-build-1234\"/>"));
}

TEST(JUnitReportTest, PanicFailsTheBootTestcaseWithConsoleTail) {
  std::string xml = RenderJUnit(ExampleSuite());
  EXPECT_THAT(xml, HasSubstr("<failure message=\"kernel-panic: kernel panic at 3.2 s: VFS: "
                             "Unable to mount root fs on unknown-block(0,0)\" "
                             "type=\"kernel-panic\">"));
  EXPECT_THAT(xml, HasSubstr("&lt;here&gt; &amp; there"));
  EXPECT_THAT(xml, HasSubstr("Kernel panic - not syncing: VFS [0m|x|"));
  EXPECT_THAT(xml, HasSubstr("type=\"timeout\""));
}

TEST(JUnitReportTest, ErrorAndSkippedOutcomes) {
  SuiteResult suite = ExampleSuite();
  suite.runs[5].verdict = Verdict::kError;
  suite.runs[5].reason = "could not start QEMU: qemu-system-x86_64 not found";
  suite.runs[5].failure_class = "";
  suite.aggregates.clear();
  RunResult skipped = suite.runs[5];
  skipped.profile = "vmware-esxi";
  skipped.verdict = Verdict::kSkipped;
  skipped.reason = "profile needs KVM";
  skipped.budgets.clear();
  skipped.checks.clear();
  suite.runs.push_back(skipped);
  std::string xml = RenderJUnit(suite);
  ExpectWellFormed(xml);
  EXPECT_THAT(xml, HasSubstr("<error message=\"could not start QEMU: qemu-system-x86_64 not "
                             "found\" type=\"could-not-measure\">"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"profile needs KVM\"/>"));
  // Without aggregates, budgets come from each run (statistic "value").
  EXPECT_THAT(xml, HasSubstr("name=\"boot_s &lt;= 45 (value) [iteration 1]\""));
}

TEST(JUnitReportTest, WarmupRunsAreLeftOut) {
  std::string xml = RenderJUnit(ExampleSuite());
  EXPECT_THAT(xml, Not(HasSubstr("iteration 0")));
}

// Fails on the old reporter: the boot testcase of iteration 2 got
// <failure type="budget"> while the aggregate passed and the exit code was 0.
TEST(JUnitReportTest, ARunOverOnlyItsOwnBudgetIsANoteNotAFailure) {
  std::string xml = RenderJUnit(testing::OwnBudgetNoteSuite());
  ExpectWellFormed(xml);
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  EXPECT_THAT(xml, HasSubstr("failures=\"0\" errors=\"0\""));
  EXPECT_THAT(
      xml,
      HasSubstr(
          "<system-out>note: boot_s 10.5 over its own budget 10 in this run; "
          "the group is judged on its median"));
  // The never-measured ram_mib budget is skipped, not passed.
  EXPECT_THAT(
      xml,
      HasSubstr(
          "<skipped message=\"metric not measured in any counted run\"/>"));
}

}  // namespace
}  // namespace bootgate
