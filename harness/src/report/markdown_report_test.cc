#include "report/markdown_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "budget/judge_suite.h"
#include "report/example_suite.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ExampleSuite;

TEST(MarkdownReportTest, MatchesGolden) {
  testing::ExpectGolden("summary.md", RenderMarkdown(ExampleSuite()));
}

TEST(MarkdownReportTest, HeadlineTableAndSections) {
  std::string md = RenderMarkdown(ExampleSuite());
  EXPECT_EQ(md.rfind("## bootgate: **FAIL**\n", 0), 0u);
  EXPECT_THAT(md, HasSubstr("| photon-minimal | hyperv-gen2 | tcg | boot_s | 51.15 s (median) "
                            "| <= 45 s | -6.15 s (-13.7%) | **fail** |"));
  EXPECT_THAT(md, HasSubstr("| photon-minimal | qemu-kvm | tcg | install_s | 18.5 s (median) "
                            "| <= 20 s | +1.5 s (+7.5%) | pass |"));
  EXPECT_THAT(md, HasSubstr("### Failed checks"));
  EXPECT_THAT(md, HasSubstr("**dropbear listening** fail"));
  EXPECT_THAT(md, HasSubstr("### Failures"));
  EXPECT_THAT(md, HasSubstr("(kernel-panic)"));
  EXPECT_THAT(md, HasSubstr("### Warnings"));
  EXPECT_THAT(md, HasSubstr("noisy host"));
  EXPECT_THAT(md, HasSubstr("profile not honoured"));
  EXPECT_THAT(md, HasSubstr("`report.json` · `junit.xml` · `report.html`"));
  EXPECT_THAT(md, Not(HasSubstr("\x01")));
}

TEST(MarkdownReportTest, NamesTheInstallerAndHowItsEndWasSeenOncePerGroup) {
  SuiteResult suite = ExampleSuite();
  EXPECT_EQ(RenderMarkdown(suite).find("### Installers"), std::string::npos);
  for (auto& r : suite.runs) {
    r.installer = "photon-os-installer 2.7 (/RPMS/x86_64/photon-os-installer-2.7-1.ph5.x86_64.rpm)";
    r.install_completion = "guest reset, cross-checked by /creating image was successful/ (marker at 12.5 s)";
  }
  std::string md = RenderMarkdown(suite);
  size_t at = md.find("### Installers");
  ASSERT_NE(at, std::string::npos) << md;
  std::string line = ": photon-os-installer 2.7 (/RPMS/x86_64/photon-os-installer-2.7-1.ph5.x86_64.rpm); "
                     "completion: guest reset, cross-checked by /creating image was successful/\n";
  size_t first = md.find(line);
  ASSERT_NE(first, std::string::npos) << md;
  EXPECT_EQ(md.find("(marker at"), std::string::npos);  // per run, not per group
}

TEST(MarkdownReportTest, EscapesPipesAndHtmlInCells) {
  SuiteResult suite = ExampleSuite();
  suite.aggregates[0].scenario = "a|b";
  for (RunResult& r : suite.runs) {
    if (r.scenario == "photon-minimal" && r.profile == "qemu-kvm") r.scenario = "a|b";
  }
  suite.runs[7].reason = "<img src=x> | broken\nline";
  std::string md = RenderMarkdown(suite);
  EXPECT_THAT(md, HasSubstr("| a\\|b | qemu-kvm |"));
  EXPECT_THAT(md, HasSubstr("&lt;img src=x&gt; \\| broken line"));
  EXPECT_THAT(md, Not(HasSubstr("<img")));
}

TEST(MarkdownReportTest, PassingSuite) {
  SuiteResult suite = ExampleSuite();
  suite.runs.resize(4);
  suite.aggregates.resize(1);
  suite.verdict = Verdict::kPass;
  std::string md = RenderMarkdown(suite, {.artifacts = {}, .console_tail_lines = 0});
  EXPECT_EQ(md.rfind("## bootgate: **PASS**\n", 0), 0u);
  EXPECT_THAT(md, Not(HasSubstr("### Failures")));
  EXPECT_THAT(md, Not(HasSubstr("Artifacts")));
}

// Fails on the old reporter, which listed iteration 2 under "Failures" with
// a passing aggregate.
TEST(MarkdownReportTest, ARunOverOnlyItsOwnBudgetIsANoteNotAFailure) {
  std::string md = RenderMarkdown(testing::OwnBudgetNoteSuite());
  EXPECT_THAT(md, HasSubstr("## bootgate: **PASS**"));
  EXPECT_THAT(md, Not(HasSubstr("### Failures")));
  EXPECT_THAT(md, HasSubstr("### Notes"));
  EXPECT_THAT(md, HasSubstr("iteration 2: boot_s 10.5 over its own budget 10"));
  EXPECT_THAT(md, Not(HasSubstr("**fail**")));
}

// The judge's verdict and reason of every group, the superseded attempt
// apart from the failures (the old summary listed a superseded KVM attempt
// under failures of a PASS gate), and a warm-up failure with its reason
// (the old summary left warm-ups out though they fail the group).
TEST(MarkdownReportTest,
     PrintsTheJudgedGroupsSupersededAttemptsAndWarmupFailures) {
  SuiteResult suite = ExampleSuite();
  std::string md = RenderMarkdown(suite);
  EXPECT_THAT(
      md,
      HasSubstr(
          "| alpine-virt | hyperv-gen2 | **fail** | iteration 1 (attempt 1) "
          "failed: kernel-panic: kernel panic at 3.2 s"));
  EXPECT_THAT(md, HasSubstr("7 counted runs (3 fail, 4 pass) · 1 warm-up · 1 "
                            "superseded attempt"));
  const size_t superseded = md.find("### Superseded attempts");
  ASSERT_NE(superseded, std::string::npos) << md;
  const size_t line = md.find(
      "photon-minimal / qemu-kvm iteration 2 attempt 1: **error** (ssh)");
  EXPECT_GT(line, superseded) << md;
  RunResult& warm = suite.runs[0];
  warm.verdict = Verdict::kError;
  warm.failure_class = "ssh";
  warm.reason = "SSH never answered in the warm-up";
  JudgeSuite(&suite, nullptr);
  md = RenderMarkdown(suite);
  EXPECT_THAT(
      md,
      HasSubstr("| photon-minimal | qemu-kvm | **error** | warmup iteration 1 "
                "(attempt 1) could not measure: ssh: SSH never answered"));
  EXPECT_THAT(
      md,
      HasSubstr(
          "- photon-minimal / qemu-kvm warm-up iteration 1: **error** (ssh): "
          "SSH never answered in the warm-up"));
}

}  // namespace
}  // namespace bootgate
