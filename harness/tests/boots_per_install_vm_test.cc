// Install once, boot many, end to end under real QEMU (TCG) with the
// reference installer (scenarios/reference-install.json): with
// --boots-per-install 3, three counted boots come from one install, each
// from its own copy-on-write overlay of the installed disk; install_s comes
// from that one install; every run names its install. Without the option
// every boot installs (the default). The wall-time gain is measured by
// harness/bench/ab.sh, not here.
#include <gtest/gtest.h>

#include <set>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

class BootsPerInstallVmTest : public VmTest {};

int InstallerVms(const nlohmann::json& run) {
  int n = 0;
  for (const auto& p : run["vm_phases"]) n += p["name"] == "install";
  return n;
}

TEST_F(BootsPerInstallVmTest, ThreeBootsFromOneInstall) {
  BootgateRun run = RunBootgate(
      Opts({"run", SourceDir() + "/scenarios/reference-install.json",
            "--iterations", "3", "--warmup", "0", "--accel", "tcg",
            "--boots-per-install", "3", "--history", "", "--no-html"}));
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  ASSERT_EQ(run.report["runs"].size(), 3u);
  std::set<std::string> ids;
  int installs = 0, with_install_s = 0;
  for (const auto& r : run.report["runs"]) {
    EXPECT_EQ(r["verdict"], "pass") << r.dump(2);
    ids.insert(r["install_id"].get<std::string>());
    installs += InstallerVms(r);
    with_install_s += r["metrics"].contains("install_s");
    // Each boot ran the installed system (the checks ran on its ext4 root).
    EXPECT_TRUE(r["metrics"].contains("boot_s"));
  }
  EXPECT_EQ(installs, 1);
  EXPECT_EQ(with_install_s, 1);
  EXPECT_EQ(ids,
            (std::set<std::string>{"reference-install.qemu-kvm.install1"}));
  // install_s statistics come from the one install.
  const auto& agg = run.report["aggregates"][0];
  EXPECT_EQ(agg["stats"]["install_s"]["n"], 1) << agg.dump(2);
  EXPECT_EQ(agg["stats"]["boot_s"]["n"], 3);
}

TEST_F(BootsPerInstallVmTest, DefaultInstallsForEveryBoot) {
  BootgateRun run = RunBootgate(Opts(
      {"run", SourceDir() + "/scenarios/reference-install.json", "--iterations",
       "2", "--warmup", "0", "--accel", "tcg", "--history", "", "--no-html"}));
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  ASSERT_EQ(run.report["runs"].size(), 2u);
  std::set<std::string> ids;
  for (const auto& r : run.report["runs"]) {
    ids.insert(r["install_id"].get<std::string>());
    EXPECT_EQ(InstallerVms(r), 1);
    EXPECT_TRUE(r["metrics"].contains("install_s"));
  }
  EXPECT_EQ(ids.size(), 2u);
}

}  // namespace
}  // namespace bootgate::testing
