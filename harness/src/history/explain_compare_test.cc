#include "history/explain_compare.h"

#include <gtest/gtest.h>

namespace bootgate {
namespace {

ExplainRowsOfRun GuestRun(double hog_mib, double sshd_mib, double unit_s) {
  ExplainRowsOfRun r;
  r["process"]["sshd"] = sshd_mib;
  if (hog_mib > 0) r["process"]["bootgate-hog"] = hog_mib;
  r["unit"]["ssh.service"] = unit_s;
  r["package"]["systemd"] = 20;
  return r;
}

std::vector<const ExplainRowsOfRun*> Ptrs(
    const std::vector<ExplainRowsOfRun>& v) {
  std::vector<const ExplainRowsOfRun*> out;
  for (const auto& r : v) out.push_back(&r);
  return out;
}

TEST(CompareExplanations, NamesAnAppearedProcessAsTheTopRamMover) {
  std::vector<ExplainRowsOfRun> base = {GuestRun(0, 5.0, 1.0)};
  std::vector<ExplainRowsOfRun> cand = {GuestRun(30.0, 5.6, 1.0)};
  auto movers = CompareExplanations(Ptrs(base), Ptrs(cand));
  ASSERT_FALSE(movers.empty());
  EXPECT_EQ(movers[0].metric, "ram_mib");
  EXPECT_EQ(movers[0].name, "bootgate-hog");
  EXPECT_EQ(movers[0].change, "appeared");
  EXPECT_DOUBLE_EQ(movers[0].delta, 30.0);
  // sshd grew by 12 % (> 5 % effect size over the baseline's max): second.
  ASSERT_GE(movers.size(), 2u);
  EXPECT_EQ(movers[1].name, "sshd");
  EXPECT_EQ(movers[1].change, "grew");
  for (const auto& m : movers)
    EXPECT_NE(m.name, "ssh.service") << "did not move";
}

TEST(CompareExplanations, UsesTheUTestWithEnoughRuns) {
  std::vector<ExplainRowsOfRun> base, cand;
  for (int i = 0; i < 8; ++i) {
    base.push_back(GuestRun(0, 5, 1.0 + 0.01 * i));
    cand.push_back(GuestRun(0, 5, 3.0 + 0.01 * i));
  }
  auto movers = CompareExplanations(Ptrs(base), Ptrs(cand));
  ASSERT_EQ(movers.size(), 1u);
  EXPECT_EQ(movers[0].kind, "unit");
  EXPECT_EQ(movers[0].change, "grew");
  EXPECT_TRUE(movers[0].test.u_tested);
  EXPECT_LT(movers[0].test.p_value, 0.01);
  EXPECT_NEAR(movers[0].delta, 2.0, 1e-9);
}

// One boot each side on a loaded TCG host: every long unit moves by more
// than the 5 % effect size (cloud-init.service 43 s here, 91 s in the next
// boot), while the planted unit is in no baseline run. The unit that
// appeared is the finding; the untested growth comes after it.
TEST(CompareExplanations, AnAppearedUnitOutranksLargerUntestedGrowth) {
  ExplainRowsOfRun base, cand;
  base["unit"] = {{"cloud-init.service", 43.163}, {"ssh.service", 6.06}};
  cand["unit"] = {{"cloud-init.service", 91.329},
                  {"ssh.service", 18.74},
                  {"bootgate-slow-boot.service", 2.564}};
  std::vector<ExplainRowsOfRun> b = {base}, c = {cand};
  auto movers = CompareExplanations(Ptrs(b), Ptrs(c));
  ASSERT_EQ(movers.size(), 3u);
  EXPECT_EQ(movers[0].name, "bootgate-slow-boot.service");
  EXPECT_EQ(movers[0].change, "appeared");
  EXPECT_DOUBLE_EQ(movers[0].delta, 2.564);
  EXPECT_EQ(movers[1].name, "cloud-init.service");
  EXPECT_EQ(movers[1].change, "grew");
  EXPECT_FALSE(movers[1].test.u_tested);
  EXPECT_EQ(movers[2].name, "ssh.service");
}

TEST(CompareExplanations, DisappearedAndShrankComeAfterGrowth) {
  std::vector<ExplainRowsOfRun> base = {GuestRun(30, 5, 1)};
  std::vector<ExplainRowsOfRun> cand = {GuestRun(0, 9, 1)};
  auto movers = CompareExplanations(Ptrs(base), Ptrs(cand));
  ASSERT_EQ(movers.size(), 2u);
  EXPECT_EQ(movers[0].name, "sshd");
  EXPECT_EQ(movers[1].name, "bootgate-hog");
  EXPECT_EQ(movers[1].change, "disappeared");
  EXPECT_EQ(FormatMover(movers[1]),
            "process bootgate-hog disappeared: -30 MiB (30 -> 0)");
}

TEST(CompareExplanations, SaysNothingWhenASideHasNoExplanation) {
  std::vector<ExplainRowsOfRun> base = {ExplainRowsOfRun{}};
  std::vector<ExplainRowsOfRun> cand = {GuestRun(30, 5, 1)};
  EXPECT_TRUE(CompareExplanations(Ptrs(base), Ptrs(cand)).empty());
}

}  // namespace
}  // namespace bootgate
