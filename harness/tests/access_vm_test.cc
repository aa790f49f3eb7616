// After login: SSH in with the run's ephemeral key (delivered by a NoCloud
// seed bootgate builds), sample RAM and disk, run checks; a failing check
// fails the run; the serial-console fallback takes the same samples and
// checks without the password ever reaching a report or log.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

nlohmann::json Scenario(const std::string& name, nlohmann::json access, nlohmann::json checks) {
  std::string ref = ReferenceDir();
  return {{"name", name},
          {"image", {{"kernel", ref + "/vmlinuz"}, {"initrd", ref + "/initrd.img"},
                     {"append", "console=ttyS0,115200 printk.time=1"}}},
          {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 120}}},
          {"access", access},
          {"sample", {{"settle_s", 1}, {"count", 3}, {"interval_s", 0.5}}},
          {"checks", checks},
          {"budgets", {{"ram_mib", 150}, {"disk_mib", 1024}}}};
}

const nlohmann::json kGoodChecks = nlohmann::json::array({
    {{"name", "dropbear listening"}, {"run", "netstat -ltn | grep ':22 '"},
     {"expect", {{"stdout_matches", "LISTEN"}}}},
    {{"name", "runs as root"}, {"run", "id -u"}, {"expect", {{"stdout_matches", "^0\\s*$"}}}},
    {{"name", "has a hostname"}, {"run", "hostname"}, {"expect", {{"stdout_matches", "^refimg"}}}},
});

TEST(AccessVmTest, SshSamplesChecksAFailingCheckAndTheSerialFallback) {
  EnsureReferenceImage();
  std::string state = TestTempDir("state");
  std::string dir = TestTempDir("scn");
  auto write = [&](const std::string& name, const nlohmann::json& s) {
    std::string p = dir + "/" + name + ".json";
    std::ofstream(p) << s.dump(2);
    return p;
  };
  nlohmann::json failing = kGoodChecks;
  failing.push_back({{"name", "must fail"}, {"run", "echo hello; exit 3"},
                     {"expect", {{"exit_status", 0}, {"stdout_not_matches", "hello"}}}});
  RunOptions o;
  o.env["BOOTGATE_STATE_DIR"] = state;
  o.args = {"run",
            write("ssh-ok", Scenario("ssh-ok", {{"method", "ssh"}}, kGoodChecks)),
            write("ssh-failing-check", Scenario("ssh-failing-check", {{"method", "ssh"}}, failing)),
            write("serial", Scenario("serial", {{"method", "serial"}, {"password", "refimg-root"}}, kGoodChecks)),
            "--jobs", "2", "--no-html", "--history", ""};
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  std::map<std::string, nlohmann::json> runs;
  for (const auto& run : r.report["runs"]) runs[run["scenario"]] = run;
  ASSERT_EQ(runs.size(), 3u);

  const auto& ok = runs["ssh-ok"];
  EXPECT_EQ(ok["verdict"], "pass") << ok.dump();
  EXPECT_EQ(ok["access_channel"], "ssh");
  EXPECT_GT(int(ok["ssh_port"]), 1024);
  EXPECT_EQ(std::string(ok["host_key_sha256"]).rfind("SHA256:", 0), 0u);
  double boot = ok["metrics"]["boot_s"], ready = ok["metrics"]["ssh_ready_s"];
  EXPECT_GE(ready, boot);
  EXPECT_GT(double(ok["metrics"]["ram_mib"]), 5.0);
  EXPECT_LT(double(ok["metrics"]["ram_mib"]), 150.0);
  EXPECT_GT(double(ok["metrics"]["disk_mib"]), 0.0);
  EXPECT_EQ(ok["samples"]["ram_mib"].size(), 3u);
  EXPECT_TRUE(ok["details"].contains("mem_total_mib"));
  ASSERT_EQ(ok["checks"].size(), 3u);
  for (const auto& c : ok["checks"]) {
    EXPECT_EQ(c["verdict"], "pass") << c.dump();
    EXPECT_EQ(c["channel"], "ssh");
  }

  const auto& bad = runs["ssh-failing-check"];
  EXPECT_EQ(bad["verdict"], "fail");
  EXPECT_EQ(bad["failure_class"], "check-failed");
  EXPECT_NE(std::string(bad["reason"]).find("must fail"), std::string::npos) << bad["reason"];
  const auto& failed = bad["checks"][3];
  EXPECT_EQ(failed["verdict"], "fail");
  EXPECT_EQ(int(failed["exit_status"]), 3);
  EXPECT_NE(std::string(failed["output_excerpt"]).find("hello"), std::string::npos);

  const auto& serial = runs["serial"];
  EXPECT_EQ(serial["verdict"], "pass") << serial.dump();
  EXPECT_EQ(serial["access_channel"], "serial");
  EXPECT_GT(double(serial["metrics"]["ram_mib"]), 5.0);
  for (const auto& c : serial["checks"]) EXPECT_EQ(c["channel"], "serial");
  // The password is in no report and no log.
  for (const auto& e : std::filesystem::recursive_directory_iterator(r.report_dir)) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(Slurp(e.path().string()).find("refimg-root"), std::string::npos) << e.path();
  }
  EXPECT_EQ(r.stderr_text.find("refimg-root"), std::string::npos);

  EXPECT_TRUE(QemuProcessesMatching(state).empty());
  EXPECT_TRUE(DirEntries(state).empty());
}

}  // namespace
}  // namespace bootgate::testing
