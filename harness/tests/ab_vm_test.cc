// `bootgate ab` end to end under real QEMU (TCG): the reference image with
// and without a planted 1.0 s sleep before its login prompt
// (bootgate.delay_s, images/reference/README.md) must be told apart as a
// regression whose interval holds the true 1.0 s and excludes 0; the same
// image against itself must be "no change". Each A/B is 10 pairs of
// direct-kernel boots without SSH (~7 s a boot), --until-decided 30 (it
// looks at 8, 12, 16, ... pairs and stops at the first decided look) at
// alpha 0.01, so the interval misses the truth in at most 1 run of 100. On
// a host loaded by other work (measured here with a load average of 13 on 2
// cores: boots from 6 to 18 s) no number of pairs in reach decides, which
// is why the test runs alone (RUN_SERIAL in CMake).
#include <gtest/gtest.h>

#include <filesystem>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

nlohmann::json Delayed(const std::string& name, const std::string& delay_s) {
  std::string ref = ReferenceDir();
  std::string append = "console=ttyS0,115200 printk.time=1";
  if (!delay_s.empty()) append += " bootgate.delay_s=" + delay_s;
  return {{"name", name},
          {"profile", "qemu-kvm"},
          {"image",
           {{"kernel", ref + "/vmlinuz"},
            {"initrd", ref + "/initrd.img"},
            {"append", append}}},
          {"vm", {{"accel", "tcg"}}},
          {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 180}}},
          {"access", {{"method", "none"}}}};
}

class AbVmTest : public VmTest {};

const nlohmann::json* Metric(const nlohmann::json& ab,
                             const std::string& name) {
  for (const auto& m : ab["metrics"])
    if (m["metric"] == name) return &m;
  return nullptr;
}

TEST_F(AbVmTest, KnownOneSecondShiftIsARegressionWithTheTruthInside) {
  std::string a = WriteScenario("ab-base", Delayed("ab-base", ""));
  std::string b = WriteScenario("ab-slow", Delayed("ab-slow", "1.0"));
  std::string dir = TestTempDir("abreport");
  BootgateRun run = RunBootgate(
      Opts({"ab", "--baseline", a, "--candidate", b, "--until-decided", "30",
            "--min-effect", "0.5s", "--alpha", "0.01", "--history", "",
            "--report-dir", dir}));
  ASSERT_TRUE(run.report.contains("ab")) << run.stderr_text;
  const auto& ab = run.report["ab"];
  EXPECT_EQ(run.exit_code, 1) << run.stdout_text;
  EXPECT_EQ(ab["decision"], "regression") << ab.dump(2);
  const int pairs = ab["pairs"].get<int>();
  EXPECT_GE(pairs, 8);
  EXPECT_EQ(ab["order"].size(), static_cast<size_t>(pairs));
  EXPECT_EQ(ab["order"][0], "AB");
  EXPECT_EQ(ab["order"][1], "BA");
  const nlohmann::json* boot = Metric(ab, "boot_s");
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ((*boot)["decision"], "regression");
  EXPECT_GT((*boot)["ci_low"].get<double>(), 0.0) << boot->dump();
  EXPECT_LE((*boot)["ci_low"].get<double>(), 1.0) << boot->dump();
  EXPECT_GE((*boot)["ci_high"].get<double>(), 1.0) << boot->dump();
  EXPECT_LT((*boot)["p_value"].get<double>(), 0.01);
  // Both sides' runs are in the report (and so in the history): 1 warm-up
  // and one counted run per pair each.
  int base = 0, cand = 0;
  for (const auto& r : run.report["runs"]) {
    if (r["warmup"].get<bool>()) continue;
    base += r["scenario"] == "ab-base";
    cand += r["scenario"] == "ab-slow";
  }
  EXPECT_EQ(base, pairs);
  EXPECT_EQ(cand, pairs);
  EXPECT_NE(run.stdout_text.find("ab: regression"), std::string::npos);
}

// One scenario on two image files with the same bytes (`--candidate-image`,
// the form a release engineer uses for two builds of one image).
TEST_F(AbVmTest, SameImageTwiceIsNoChange) {
  std::string a = WriteScenario("ab-same", Delayed("ab-same", ""));
  std::string copy = TestTempDir("abimage") + "/vmlinuz-copy";
  std::filesystem::copy_file(ReferenceDir() + "/vmlinuz", copy);
  std::string hist = TestTempDir("abhist") + "/history.db";
  std::string dir = TestTempDir("abreport");
  BootgateRun run = RunBootgate(
      Opts({"ab", "--baseline", a, "--candidate-image", copy,
            "--until-decided", "30", "--min-effect", "0.5s", "--alpha", "0.01",
            "--history", hist, "--report-dir", dir}));
  // The candidate booted the copy, the baseline the scenario's own kernel.
  int on_copy = 0, on_own = 0;
  for (const auto& r : run.report.value("runs", nlohmann::json::array())) {
    if (r["scenario"] == "ab-same-candidate") on_copy += r["image"] == copy;
    if (r["scenario"] == "ab-same-baseline")
      on_own += r["image"] == ReferenceDir() + "/vmlinuz";
  }
  EXPECT_GE(on_copy, 8);
  EXPECT_EQ(on_copy, on_own);
  ASSERT_TRUE(run.report.contains("ab")) << run.stderr_text;
  const auto& ab = run.report["ab"];
  EXPECT_EQ(run.exit_code, 0) << run.stdout_text;
  EXPECT_EQ(ab["decision"], "no change") << ab.dump(2);
  const nlohmann::json* boot = Metric(ab, "boot_s");
  ASSERT_NE(boot, nullptr);
  EXPECT_GT((*boot)["ci_low"].get<double>(), -0.5);
  EXPECT_LT((*boot)["ci_high"].get<double>(), 0.5);
  // One scenario file on both sides: two names, both in the history.
  RunOptions list;
  list.args = {"history", "--db", hist, "--limit", "100"};
  list.timeout_s = 60;
  BootgateRun h = RunBootgate(list);
  EXPECT_NE(h.stdout_text.find("ab-same-baseline"), std::string::npos)
      << h.stdout_text;
  EXPECT_NE(h.stdout_text.find("ab-same-candidate"), std::string::npos)
      << h.stdout_text;
}

}  // namespace
}  // namespace bootgate::testing
