// The core run end to end under real QEMU (TCG here): the reference image
// boots to its login prompt within budget; a guest that panics fails fast
// with its reason; SIGINT mid-boot leaves no VM and no scratch files.
#include <gtest/gtest.h>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

nlohmann::json DirectKernel(const std::string& name, const std::string& extra_append) {
  std::string ref = ReferenceDir();
  return {{"name", name},
          {"image", {{"kernel", ref + "/vmlinuz"}, {"initrd", ref + "/initrd.img"},
                     {"append", "console=ttyS0,115200 printk.time=1 " + extra_append}}},
          {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 120}}},
          {"access", {{"method", "none"}}},
          {"budgets", {{"boot_s", {{"kvm", 5}, {"tcg", 60}}}}}};
}

class CoreVmTest : public VmTest {};

TEST_F(CoreVmTest, ReferenceIsoBootsToLoginWithinBudget) {
  auto r = RunBootgate(Opts({"run", SourceDir() + "/scenarios/reference.json", "--no-html",
                             "--history", ""}));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object());
  EXPECT_EQ(r.report["schema"], "bootgate.report/v1");
  EXPECT_EQ(r.report["verdict"], "pass");
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "pass");
  EXPECT_TRUE(run["accelerator"] == "tcg" || run["accelerator"] == "kvm");
  double boot_s = run["metrics"]["boot_s"];
  EXPECT_GT(boot_s, 1.0);  // GRUB's 1 s menu alone takes that
  EXPECT_LT(boot_s, 60.0);
  bool judged = false;
  for (const auto& b : run["budgets"])
    if (b["metric"] == "boot_s") {
      judged = true;
      EXPECT_EQ(b["verdict"], "pass");
      EXPECT_NEAR(double(b["margin"]), double(b["limit"]) - boot_s, 1e-6);
    }
  EXPECT_TRUE(judged);
  EXPECT_TRUE(std::filesystem::exists(r.report_dir + "/" + std::string(run["run_dir"]) + "/console.log"));
  EXPECT_NE(r.stdout_text.find("verdict: PASS"), std::string::npos);
}

TEST_F(CoreVmTest, PanickingGuestFailsFastWithItsReason) {
  std::string scn = WriteScenario("panics", DirectKernel("panics", "bootgate.fault=panic"));
  auto r = RunBootgate(Opts({"run", scn, "--no-html", "--history", ""}));
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "fail");
  EXPECT_EQ(run["failure_class"], "kernel-panic");
  EXPECT_NE(std::string(run["reason"]).find("Kernel panic"), std::string::npos) << run["reason"];
  // Detected from the console, not at the 120 s timeout.
  EXPECT_LT(r.wall_s, 60.0);
  EXPECT_FALSE(run["console_tail"].empty());
}

TEST_F(CoreVmTest, SigintMidBootLeavesNoVm) {
  auto o = Opts({"run", SourceDir() + "/scenarios/reference.json", "--no-html", "--history", ""});
  o.signal = SIGINT;
  o.trigger = "booting (";
  o.timeout_s = 120;
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  EXPECT_EQ(r.report["runs"][0]["verdict"], "interrupted");
  EXPECT_LT(r.wall_s, 30.0);
}

}  // namespace
}  // namespace bootgate::testing
