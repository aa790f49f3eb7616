#include "report/junit_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <vector>

#include "budget/judge_suite.h"
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
  EXPECT_THAT(
      xml,
      HasSubstr("<testsuite name=\"photon-minimal / qemu-kvm\" tests=\"12\" "
                "failures=\"0\" errors=\"0\""));
  // alpine/hyperv: the verdict and two boots fail; its two budgets were
  // never measured.
  EXPECT_THAT(
      xml,
      HasSubstr("<testsuite name=\"alpine-virt / hyperv-gen2\" tests=\"5\" "
                "failures=\"3\" errors=\"0\" skipped=\"2\""));
  // photon/hyperv: the verdict, 2 boots, 3 checks, 4 budgets; the verdict,
  // the boot budget and one check fail (the boots are explained by them).
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"photon-minimal / hyperv-gen2\" "
                             "tests=\"10\" failures=\"3\" errors=\"0\""));
}

TEST(JUnitReportTest, BudgetAndCheckTestcases) {
  std::string xml = RenderJUnit(ExampleSuite());
  EXPECT_THAT(xml, HasSubstr("name=\"boot_s &lt;= 45 (median)\""));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"budget exceeded: boot_s median = 51.15 s, "
                             "budget 45 s, margin -6.15 (-13.7%)\" type=\"budget\">"));
  EXPECT_THAT(xml, HasSubstr("name=\"check: dropbear listening [iteration 2]\""));
  EXPECT_THAT(xml, HasSubstr("type=\"check\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"accelerator\" value=\"tcg\"/>"));
  EXPECT_THAT(xml,
              HasSubstr("<property name=\"phase.kernel_s\" value=\"3.3\"/>"));
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
  RunResult& a1 = suite.runs[6];
  ASSERT_EQ(a1.scenario + "/" + a1.profile, "alpine-virt/qemu-kvm");
  a1.verdict = Verdict::kError;
  a1.reason = "could not start QEMU: qemu-system-x86_64 not found";
  a1.failure_class = "";
  RunResult skipped = a1;
  skipped.profile = "vmware-esxi";
  skipped.verdict = Verdict::kSkipped;
  skipped.reason = "profile needs KVM";
  skipped.budgets.clear();
  skipped.checks.clear();
  suite.runs.push_back(skipped);
  JudgeSuite(&suite, nullptr);
  std::string xml = RenderJUnit(suite);
  ExpectWellFormed(xml);
  EXPECT_THAT(xml, HasSubstr("<error message=\"could not start QEMU: qemu-system-x86_64 not "
                             "found\" type=\"could-not-measure\">"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"profile needs KVM\"/>"));
  // The group's judged verdict is its own testcase: an error there too.
  EXPECT_THAT(
      xml, HasSubstr("<testsuite name=\"alpine-virt / qemu-kvm\" tests=\"3\" "
                     "failures=\"0\" errors=\"2\""));
}

// A warm-up is its own testcase: its failure fails the group, so a CI
// system must see it with its reason (the old writer left warm-ups out).
TEST(JUnitReportTest, WarmupsAreTheirOwnTestcasesWithTheirReason) {
  SuiteResult suite = ExampleSuite();
  std::string xml = RenderJUnit(suite);
  EXPECT_THAT(xml, HasSubstr("name=\"boot [warm-up 1]\""));
  EXPECT_THAT(xml, Not(HasSubstr("iteration 0")));
  RunResult& warm = suite.runs[0];
  ASSERT_TRUE(warm.warmup);
  warm.verdict = Verdict::kFail;
  warm.failure_class = "kernel-panic";
  warm.reason = "kernel panic in the warm-up";
  JudgeSuite(&suite, nullptr);
  xml = RenderJUnit(suite);
  EXPECT_THAT(
      xml, HasSubstr("name=\"boot [warm-up 1]\" time=\"12.5\">\n      <failure "
                     "message=\"kernel-panic: kernel panic in the warm-up\""));
  EXPECT_THAT(
      xml,
      HasSubstr("<testsuite name=\"photon-minimal / qemu-kvm\" tests=\"8\" "
                "failures=\"2\""));
}

// Maven Surefire's rerun format, which GitLab, Jenkins and GitHub's JUnit
// actions read: an attempt a later one superseded is a flakyError inside
// the passing testcase (never an <error> of its own: the old writer counted
// it in errors="1" under a green gate); when every attempt failed, the last
// is the <error> and the earlier ones rerunError.
TEST(JUnitReportTest, SupersededAttemptsAreSurefireReruns) {
  SuiteResult suite = ExampleSuite();
  std::string xml = RenderJUnit(suite);
  ExpectWellFormed(xml);
  EXPECT_THAT(
      xml, HasSubstr(
               "name=\"boot [iteration 2]\" time=\"11\">\n      <flakyError "
               "message=\"attempt 1 error (superseded by a later attempt): SSH "
               "did not answer within 60 s on port 40024\" type=\"ssh\">"
               "<stackTrace>"));
  EXPECT_THAT(
      xml,
      HasSubstr("<testsuite name=\"photon-minimal / qemu-kvm\" tests=\"12\" "
                "failures=\"0\" errors=\"0\""));
  // Attempt 2 could not measure either: the testcase errors, attempt 1 is
  // its rerunError.
  RunResult& p2 = suite.runs[3];
  ASSERT_EQ(p2.attempt, 2);
  p2.verdict = Verdict::kError;
  p2.failure_class = "ssh";
  p2.reason = "SSH did not answer again";
  JudgeSuite(&suite, nullptr);
  xml = RenderJUnit(suite);
  ExpectWellFormed(xml);
  EXPECT_THAT(xml, HasSubstr("<error message=\"ssh: SSH did not answer again\" "
                             "type=\"could-not-measure\">"));
  EXPECT_THAT(
      xml,
      HasSubstr("<rerunError message=\"attempt 1 error (superseded by a later "
                "attempt)"));
  EXPECT_THAT(xml, Not(HasSubstr("<flakyError")));
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
