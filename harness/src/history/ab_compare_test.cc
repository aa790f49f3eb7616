#include "history/ab_compare.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bootgate {
namespace {

// Pairs whose boot_s differs by `shift` plus a per-pair wobble shared by both
// sides (the host's drift) and a small own noise.
struct Runs {
  std::vector<RunResult> base, cand;
  std::vector<AbPair> pairs;
};
Runs Make(double shift, int n) {
  Runs r;
  r.base.resize(n);
  r.cand.resize(n);
  for (int i = 0; i < n; ++i) {
    double drift = 0.3 * i;  // the host slows down steadily
    double own = ((i * 7) % 5 - 2) * 0.02;
    r.base[i].metrics = {
        {"boot_s", 5.0 + drift}, {"ram_mib", 40}, {"phase_kernel_s", 1}};
    r.cand[i].metrics = {{"boot_s", 5.0 + drift + shift + own},
                         {"ram_mib", 40}};
  }
  for (int i = 0; i < n; ++i)
    r.pairs.push_back({&r.base[i], &r.cand[i], i % 2 ? "BA" : "AB"});
  return r;
}

TEST(AnalyzeAb, KnownShiftIsARegressionWithTheShiftInside) {
  Runs r = Make(1.0, 10);
  AbOptions o;
  o.min_effect = ParseMinEffect("0.25s");
  AbResult a = AnalyzeAb(r.pairs, 0.05, o);
  ASSERT_EQ(a.metrics.size(),
            2u);  // boot_s (decisive first), ram_mib; no phase_*
  EXPECT_EQ(a.metrics[0].metric, "boot_s");
  EXPECT_EQ(a.metrics[0].decision, AbDecision::kRegression);
  EXPECT_LE(a.metrics[0].shift.ci_low, 1.0);
  EXPECT_GE(a.metrics[0].shift.ci_high, 1.0);
  EXPECT_GT(a.metrics[0].shift.ci_low, 0);
  EXPECT_EQ(a.decision, AbDecision::kRegression);
  EXPECT_EQ(AbExitCode(a), 1);
  // The drift (3 s over the run) moved both medians but not the shift.
  EXPECT_NEAR(a.metrics[0].shift.shift, 1.0, 0.05);
  auto j = nlohmann::json::parse(RenderAbJson(a));
  EXPECT_EQ(j["pairs"], 10);
  EXPECT_EQ(j["order"].size(), 10u);
  EXPECT_EQ(j["metrics"][0]["decision"], "regression");
  EXPECT_TRUE(j["metrics"][0].contains("shift_s"));
  EXPECT_TRUE(j["metrics"][1].contains("shift"));
  EXPECT_NE(RenderAbJUnitSuite(a).find("<failure"), std::string::npos);
  EXPECT_NE(RenderAbMarkdown(a).find("regression"), std::string::npos);
  EXPECT_NE(FormatAbTable(a).find("ab: regression"), std::string::npos);
}

TEST(AnalyzeAb, NoShiftIsNoChangeAndFewPairsInconclusive) {
  Runs same = Make(0.0, 10);
  AbOptions o;
  o.min_effect = ParseMinEffect("0.25s");
  AbResult a = AnalyzeAb(same.pairs, 0.05, o);
  EXPECT_EQ(a.decision, AbDecision::kNoChange);
  EXPECT_EQ(AbExitCode(a), 0);
  Runs few = Make(1.0, 4);
  AbResult b = AnalyzeAb(few.pairs, 0.05, o);
  EXPECT_EQ(b.decision, AbDecision::kInconclusive);
  EXPECT_EQ(AbExitCode(b), kAbInconclusiveExit);
  ASSERT_TRUE(b.more_pairs.has_value());
  EXPECT_EQ(*b.more_pairs,
            2);  // 6 pairs: the first n with an exact 95% interval
  EXPECT_NE(RenderAbJUnitSuite(b).find("<skipped"), std::string::npos);
  AbResult err = b;
  err.error = "baseline pair 3: timeout";
  EXPECT_EQ(AbExitCode(err), 2);
}

// A run that failed before measuring boot_s (measured on this host: an RCU
// stall under load) drops only its pair, not the whole A/B.
TEST(AnalyzeAb, APairWithoutTheMetricDropsOut) {
  Runs r = Make(1.0, 12);
  r.cand[3].metrics.erase("boot_s");
  AbOptions o;
  o.min_effect = ParseMinEffect("0.25s");
  AbResult a = AnalyzeAb(r.pairs, 0.05, o);
  ASSERT_EQ(a.metrics[0].metric, "boot_s");
  EXPECT_EQ(a.metrics[0].n, 11);
  EXPECT_EQ(a.metrics[0].decision, AbDecision::kRegression);
}

TEST(AnalyzeAb, ImprovementAndMissingDecisiveMetric) {
  Runs r = Make(-1.0, 10);
  AbOptions o;
  o.min_effect = ParseMinEffect("5%");
  EXPECT_EQ(AnalyzeAb(r.pairs, 0.05, o).decision, AbDecision::kImprovement);
  o.decisive = {"ssh_ready_s"};
  AbResult a = AnalyzeAb(r.pairs, 0.05, o);
  EXPECT_EQ(a.decision, AbDecision::kInconclusive);
  EXPECT_EQ(a.metrics[0].metric, "ssh_ready_s");
  EXPECT_EQ(a.metrics[0].n, 0);
}

}  // namespace
}  // namespace bootgate
