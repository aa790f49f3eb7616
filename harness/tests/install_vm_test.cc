// Unattended install end to end with the reference installer, driven the way
// bootgate drives Photon OS's: the ISO's own kernel booted directly, the
// Photon-style kickstart rendered for installer 2.7 and served over HTTP,
// completion from the console, then the installed disk booted and measured.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

nlohmann::json LoadJsonWithComments(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
}

class InstallVmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureReferenceImage();
    state_dir_ = TestTempDir("state");
  }
  void TearDown() override {
    EXPECT_TRUE(QemuProcessesMatching(state_dir_).empty());
  }
  RunOptions Opts(std::vector<std::string> args) {
    RunOptions o;
    o.args = std::move(args);
    o.env["BOOTGATE_STATE_DIR"] = state_dir_;
    return o;
  }
  // The shipped scenario, copied next to the templates it names.
  nlohmann::json Shipped() { return LoadJsonWithComments(SourceDir() + "/scenarios/reference-install.json"); }
  std::string WriteBeside(const std::string& name, nlohmann::json s) {
    s["name"] = name;
    std::string path = SourceDir() + "/scenarios/.test-" + name + ".json";
    std::ofstream(path) << s.dump(2);
    written_.push_back(path);
    return path;
  }
  ~InstallVmTest() override {
    for (const auto& p : written_) std::filesystem::remove(p);
  }
  std::string state_dir_;
  std::vector<std::string> written_;
};

TEST_F(InstallVmTest, InstallsBootsAndJudgesAllFourMetrics) {
  auto r = RunBootgate(Opts({"run", SourceDir() + "/scenarios/reference-install.json", "--no-html",
                             "--history", ""}));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  const auto& run = r.report["runs"][0];
  for (const char* m : {"install_s", "boot_s", "ssh_ready_s", "ram_mib", "disk_mib", "image_mib"})
    EXPECT_TRUE(run["metrics"].contains(m)) << m;
  EXPECT_GT(double(run["metrics"]["install_s"]), 1.0);
  EXPECT_LT(double(run["metrics"]["install_s"]), 120.0);
  // Both disk figures are reported; the judged one is named.
  EXPECT_TRUE(run["details"].contains("disk_host_allocated_mib"));
  EXPECT_NE(std::string(run["disk_judged"]).find("guest"), std::string::npos);
  int judged = 0;
  for (const auto& b : run["budgets"]) {
    EXPECT_EQ(b["verdict"], "pass") << b.dump();
    ++judged;
  }
  EXPECT_EQ(judged, 5);  // install, boot, ram, disk, image
  for (const auto& c : run["checks"]) EXPECT_EQ(c["verdict"], "pass") << c.dump();
  // Both phases with their own console logs.
  ASSERT_EQ(run["vm_phases"].size(), 2u);
  EXPECT_EQ(run["vm_phases"][0]["name"], "install");
  EXPECT_TRUE(std::filesystem::exists(r.report_dir + "/" + std::string(run["vm_phases"][0]["console_log"])));
  EXPECT_TRUE(std::filesystem::exists(r.report_dir + "/" + std::string(run["vm_phases"][1]["console_log"])));
  // The installer fetched its kickstart: no 404 warning, no "never fetched".
  for (const auto& w : run["warnings"]) EXPECT_EQ(std::string(w).find("config server"), std::string::npos) << w;
  // The kickstart password never reaches the report.
  std::ifstream report(r.report_dir + "/report.json");
  std::string text((std::istreambuf_iterator<char>(report)), {});
  EXPECT_EQ(text.find("Refinst-Pw-7"), std::string::npos);
  // Nothing kept: the installed disk was removed with the workspace.
  EXPECT_TRUE(DirEntries(state_dir_).empty());
}

TEST_F(InstallVmTest, InstallerFailuresAreFailuresWithTheirReason) {
  // Too small a target disk: the installer says so and drops to a shell.
  nlohmann::json small = Shipped();
  small["install"]["disk_size_mib"] = 32;
  // A kickstart URL the server does not know: 404, logged, installer fails.
  nlohmann::json missing = Shipped();
  std::string append = missing["install"]["append"];
  append.replace(append.find("{{ks}}"), 6, "ks={{ks_url}}.missing");
  missing["install"]["append"] = append;
  auto r = RunBootgate(Opts({"run", WriteBeside("install-small", small), WriteBeside("install-404", missing),
                             "--jobs", "2", "--no-html", "--history", ""}));
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object());
  ASSERT_EQ(r.report["runs"].size(), 2u);
  for (const auto& run : r.report["runs"]) {
    EXPECT_EQ(run["verdict"], "fail") << run.dump();
    EXPECT_EQ(run["failure_class"], "installer-error") << run["reason"];
    EXPECT_NE(std::string(run["reason"]).find("FAILED"), std::string::npos) << run["reason"];
    EXPECT_FALSE(run["metrics"].contains("boot_s"));  // never booted the half-installed disk
    if (run["scenario"] == "install-404") {
      bool logged = false;
      for (const auto& w : run["warnings"])
        logged |= std::string(w).find("/ks.json.missing -> 404") != std::string::npos;
      EXPECT_TRUE(logged) << run["warnings"].dump();
    } else {
      EXPECT_NE(std::string(run["reason"]).find("small"), std::string::npos) << run["reason"];
    }
  }
  // Found from the console, long before the 300 s install timeout.
  EXPECT_LT(r.wall_s, 120.0);
  EXPECT_TRUE(DirEntries(state_dir_).empty());
}

TEST_F(InstallVmTest, KeepLeavesTheInstalledDiskAndSaysHowToRemoveIt) {
  nlohmann::json s = Shipped();
  s["checks"] = nlohmann::json::array();
  s["sample"] = false;
  s["access"] = {{"method", "none"}};
  auto r = RunBootgate(Opts({"run", WriteBeside("install-keep", s), "--keep", "--no-html", "--history", ""}));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  auto left = DirEntries(state_dir_);
  ASSERT_EQ(left.size(), 1u);
  std::string ws = state_dir_ + "/" + left[0];
  EXPECT_TRUE(std::filesystem::exists(ws + "/target.qcow2"));
  EXPECT_NE(r.stderr_text.find("rm -rf " + ws), std::string::npos) << r.stderr_text;
  std::filesystem::remove_all(ws);
}

// Every completion mode with the real reference installer in a real VM:
// the console line; the VM's power-off; its reset (as Photon's installer
// ends), with the line as a cross-check; and a reset without the line, which
// a cross-checking scenario must not take for a finished install.
TEST_F(InstallVmTest, PatternPowerOffAndResetCompletionEachWorkInARealVm) {
  auto variant = [&](const std::string& name, const std::string& complete, const std::string& end,
                     bool cross_check) {
    nlohmann::json s = Shipped();
    s["checks"] = nlohmann::json::array();
    s["sample"] = false;
    s["access"] = {{"method", "none"}};
    s["install"]["complete"] = complete;
    if (!cross_check && complete != "pattern") s["install"].erase("complete_pattern");
    std::string append = s["install"]["append"];
    s["install"]["append"] = append + " bootgate.install_end=" + end;
    return WriteBeside(name, s);
  };
  auto r = RunBootgate(Opts({"run", variant("complete-pattern", "pattern", "poweroff", true),
                             variant("complete-poweroff", "poweroff", "poweroff", false),
                             variant("complete-reset", "reset", "reset", true),
                             variant("complete-unconfirmed", "reset", "silent-reset", true),
                             "--jobs", "2", "--no-html", "--history", ""}));
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;  // the unconfirmed one
  ASSERT_EQ(r.report["runs"].size(), 4u) << r.stderr_text;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& run : r.report["runs"]) by_name[run["scenario"]] = run;
  const std::map<std::string, std::string> completion = {
      {"complete-pattern", "console pattern /bootgate-install: complete/"},
      {"complete-poweroff", "guest power-off"},
      {"complete-reset", "guest reset, cross-checked by /bootgate-install: complete/ (marker at "}};
  for (const auto& [name, want] : completion) {
    const auto& run = by_name[name];
    EXPECT_EQ(run["verdict"], "pass") << name << ": " << run["reason"];
    EXPECT_EQ(std::string(run["install_completion"]).rfind(want, 0), 0u) << run["install_completion"];
    ASSERT_TRUE(run["metrics"].contains("install_s")) << name;
    EXPECT_GT(double(run["metrics"]["install_s"]), 1.0) << name;  // not the first console line
    EXPECT_TRUE(run["metrics"].contains("boot_s")) << name;     // the installed disk booted
  }
  // The VM's end is later than the line it printed just before it.
  EXPECT_GE(double(by_name["complete-reset"]["metrics"]["install_s"]),
            double(by_name["complete-pattern"]["metrics"]["install_s"]) - 5.0);
  const auto& bad = by_name["complete-unconfirmed"];
  EXPECT_EQ(bad["verdict"], "fail");
  EXPECT_EQ(bad["failure_class"], "install-unconfirmed") << bad["reason"];
  EXPECT_FALSE(bad["metrics"].contains("boot_s"));
  EXPECT_TRUE(DirEntries(state_dir_).empty());
}

// --dry-run with the real binary and backend: install.config and qemu.argv
// are written, the kernel is read out of the ISO, and no QEMU ever starts.
TEST_F(InstallVmTest, DryRunWritesTheKickstartAndTheQemuCommandLinesWithoutAVm) {
  std::string reports = TestTempDir("dry");
  auto r = RunBootgate(Opts({"run", SourceDir() + "/scenarios/reference-install.json", "--dry-run",
                             "--report-dir", reports, "--history", ""}));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  std::string dir = reports + "/reference-install.qemu-kvm.iter1";
  std::ifstream ks(dir + "/install.config");
  std::string config((std::istreambuf_iterator<char>(ks)), {});
  auto j = nlohmann::json::parse(config);
  EXPECT_EQ(j["hostname"], "refinst");
  // As the installer will be served it: a SHA-512 crypt hash, never the
  // clear text (issue 25).
  EXPECT_EQ(j["password"]["crypted"], true);
  EXPECT_EQ(std::string(j["password"]["text"]).rfind("$6$", 0), 0u) << j["password"];
  EXPECT_EQ(config.find("Refinst-Pw-7"), std::string::npos);
  EXPECT_EQ(std::string(j["public_key"]).rfind("ssh-ed25519 ", 0), 0u);
  std::ifstream av(dir + "/qemu.argv");
  std::vector<std::string> argv;
  for (std::string line; std::getline(av, line);) argv.push_back(line);
  ASSERT_GT(argv.size(), 10u);
  EXPECT_EQ(argv[0], "# install");
  EXPECT_EQ(argv[1], "qemu-system-x86_64");
  auto has = [&](const std::string& a) { return std::find(argv.begin(), argv.end(), a) != argv.end(); };
  EXPECT_TRUE(has("# boot"));
  EXPECT_TRUE(has("-no-reboot"));
  bool ks_arg = false;
  // The kickstart address QEMU forwards to the workspace's socket: no host
  // port, no secret on the command line.
  for (const auto& a : argv) ks_arg |= a.find("bootgate.mode=install ks=http://10.0.2.100/ks.json") != std::string::npos;
  bool guestfwd = false;
  for (const auto& a : argv) guestfwd |= a.find(",restrict=on,") != std::string::npos && a.find(",guestfwd=tcp:10.0.2.100:80-unix:") != std::string::npos;
  EXPECT_TRUE(guestfwd);
  EXPECT_TRUE(ks_arg);
  EXPECT_NE(r.stdout_text.find("wrote " + dir + "/install.config"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("no VM started"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir + "/console.log"));
  // The prepared workspace is kept and named: the kernel read out of the ISO.
  auto left = DirEntries(state_dir_);
  ASSERT_EQ(left.size(), 1u);
  std::string ws = state_dir_ + "/" + left[0];
  EXPECT_TRUE(std::filesystem::exists(ws + "/installer-vmlinuz"));
  EXPECT_TRUE(std::filesystem::exists(ws + "/target.qcow2"));
  EXPECT_TRUE(has(ws + "/installer-vmlinuz") || has("-kernel")) << ws;
  std::filesystem::remove_all(ws);
}

}  // namespace
}  // namespace bootgate::testing
