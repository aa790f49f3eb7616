// The libvirt backend end to end through a real libvirtd (qemu:///system,
// domain type qemu = TCG): the reference image boots to login, SSH and the
// SMBIOS vendor check pass, and no bootgate domain outlives its run, whether
// the run passes, is interrupted (SIGINT), or its bootgate is SIGKILLed and the
// next `bootgate clean` finds the leftover.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "util/process.h"
#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

constexpr char kUri[] = "qemu:///system";

std::string Virsh(const std::vector<std::string>& args) {
  PosixProcessLauncher launcher;
  std::vector<std::string> argv = {"virsh", "-c", kUri};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(launcher, argv, std::chrono::seconds(30)).stdout_text;
}

/// Names of all domains (running or defined) containing `needle`.
std::vector<std::string> DomainsMatching(const std::string& needle) {
  std::vector<std::string> out;
  std::string text = Virsh({"list", "--all", "--name"});
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.find(needle) != std::string::npos) out.push_back(line);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

class LibvirtVmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PosixProcessLauncher launcher;
    if (RunCommand(launcher, {"virsh", "-c", kUri, "version"}, std::chrono::seconds(10)).status.ok())
      return;
    auto start = RunCommand(launcher, {SourceDir() + "/ci/start-libvirtd.sh"}, std::chrono::seconds(60));
    ASSERT_TRUE(start.status.ok()) << "ci/start-libvirtd.sh failed: " << start.stderr_text;
  }
  void SetUp() override {
    EnsureReferenceImage();
    state_dir_ = TestTempDir("state");
    // Unique per test process: the domains of this test and no other.
    scenario_name_ = "lvtest" + std::to_string(getpid()) + std::string(
        ::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 12);
  }
  void TearDown() override {
    EXPECT_TRUE(DomainsMatching(scenario_name_).empty())
        << "libvirt domains left: " << Virsh({"list", "--all"});
    EXPECT_TRUE(DirEntries(state_dir_).empty()) << "scratch files left in " << state_dir_;
    for (const auto& d : DomainsMatching(scenario_name_)) Virsh({"destroy", d});
  }
  std::string Scenario(bool with_ssh, const std::string& profile) {
    nlohmann::json s = {
        {"name", scenario_name_},
        {"image", {{"iso", ReferenceDir() + "/reference.iso"}}},
        {"profile", profile},
        {"backend", "libvirt"},
        {"connect", kUri},
        {"vm", {{"cpus", 1}, {"memory_mib", 512}, {"accel", "tcg"}}},
        {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 180}}},
        {"budgets", {{"boot_s", {{"tcg", 120}}}}}};
    if (with_ssh) {
      s["access"] = {{"method", "ssh"}, {"user", "root"}, {"seed", "nocloud"}};
      s["sample"] = {{"settle_s", 0}, {"count", 1}, {"interval_s", 1}};
      s["checks"] = nlohmann::json::array(
          {{{"name", "vendor"}, {"run", "cat /sys/class/dmi/id/sys_vendor"},
            {"expect", {{"exit_status", 0}, {"stdout_matches", "^{{profile.smbios.manufacturer}}\\s*$"}}}},
           {{"name", "hostname"}, {"run", "hostname"},
            {"expect", {{"stdout_matches", "^refimg\\s*$"}}}}});
    } else {
      s["access"] = {{"method", "none"}};
    }
    return WriteScenario(scenario_name_, s);
  }
  RunOptions Opts(std::vector<std::string> args) {
    RunOptions o;
    o.args = std::move(args);
    o.env["BOOTGATE_STATE_DIR"] = state_dir_;
    // The scenario lives in a temp dir: point bootgate at the checkout's
    // profiles.
    o.env["BOOTGATE_PROFILES"] = SourceDir() + "/scenarios/profiles";
    o.timeout_s = 400;
    return o;
  }
  std::string state_dir_;
  std::string scenario_name_;
};

TEST_F(LibvirtVmTest, ReferenceBootsThroughLibvirtdWithSshAndChecks) {
  // hyperv: UEFI with the NVRAM store in the workspace, SCSI disk, SMBIOS.
  auto r = RunBootgate(Opts({"run", Scenario(true, "hyperv"), "--no-html", "--history", ""}));
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "pass") << run["reason"];
  EXPECT_EQ(run["backend"], "libvirt");
  EXPECT_EQ(run["connect_uri"], kUri);
  EXPECT_EQ(run["accelerator"], "tcg");
  std::string version = run["hypervisor_version"];
  EXPECT_EQ(version.rfind("QEMU ", 0), 0u) << version;
  EXPECT_NE(version.find(" via libvirt "), std::string::npos) << version;
  EXPECT_EQ(run["access_channel"], "ssh");
  ASSERT_EQ(run["checks"].size(), 2u);
  for (const auto& c : run["checks"]) EXPECT_EQ(c["verdict"], "pass") << c.dump();
  EXPECT_NE(std::string(run["checks"][0]["output_excerpt"]).find("Microsoft Corporation"),
            std::string::npos);
  EXPECT_EQ(run["profile_applied"]["firmware"], "uefi");
  bool taint = false, hv = false;
  for (const auto& w : run["warnings"]) {
    taint |= std::string(w).find("tainted: custom-argv") != std::string::npos;
    hv |= std::string(w).find("hv-relaxed") != std::string::npos;
  }
  EXPECT_TRUE(taint) << run["warnings"].dump();
  EXPECT_TRUE(hv) << run["warnings"].dump();
  double boot_s = run["metrics"]["boot_s"];
  EXPECT_GT(boot_s, 1.0);
  std::printf("libvirt hyperv boot_s = %.2f\n", boot_s);
}

TEST_F(LibvirtVmTest, SigintMidBootDestroysTheDomain) {
  auto o = Opts({"run", Scenario(false, "qemu-kvm"), "--no-html", "--history", ""});
  o.signal = SIGINT;
  o.trigger = "booting (";
  o.timeout_s = 120;
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  EXPECT_EQ(r.report["runs"][0]["verdict"], "interrupted");
  EXPECT_LT(r.wall_s, 60.0);
}

TEST_F(LibvirtVmTest, SigkilledRunsDomainIsDestroyedByTheNextClean) {
  auto o = Opts({"run", Scenario(false, "qemu-kvm"), "--no-html", "--history", ""});
  o.signal = SIGKILL;
  o.trigger = "booting (";
  o.timeout_s = 120;
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  // Nobody destroyed it: libvirtd keeps the domain running.
  ASSERT_EQ(DomainsMatching(scenario_name_).size(), 1u) << Virsh({"list", "--all"});
  ASSERT_EQ(DirEntries(state_dir_).size(), 1u);

  RunOptions clean;
  clean.args = {"clean"};
  clean.env["BOOTGATE_STATE_DIR"] = state_dir_;
  auto c = RunBootgate(clean);
  EXPECT_EQ(c.exit_code, 0) << c.stdout_text << c.stderr_text;
  EXPECT_NE((c.stdout_text + c.stderr_text).find("destroyed libvirt domain bootgate-" + scenario_name_),
            std::string::npos) << c.stdout_text << c.stderr_text;
}

}  // namespace
}  // namespace bootgate::testing
