// Explanations end to end on the busybox reference image (direct kernel
// boot, SSH by the ephemeral key): what a guest without systemd or a
// package manager offers is there (processes, kernel memory, directories,
// the kernel's clock at init start and at the prompt), the rest is absent,
// not empty; and a planted regression — `bootgate.fault=hog`, a process
// holding 30 MiB — is named by `bootgate compare` as the top RAM mover.
// (The Debian 12 systemd image's units, chain and packages are checked in
// systemd_vm_test, on the boot it runs anyway.)
#include <gtest/gtest.h>

#include <fstream>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

class ExplainVmTest : public VmTest {};

nlohmann::json Scenario(const std::string& append) {
  const std::string ref = ReferenceDir();
  return {
      {"name", "reference-explain"},
      {"image",
       {{"kernel", ref + "/vmlinuz"},
        {"initrd", ref + "/initrd.img"},
        {"append", "console=ttyS0,115200 printk.time=1" + append}}},
      {"vm", {{"memory_mib", 512}}},
      {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 120}}},
      {"access", {{"method", "ssh"}, {"user", "root"}, {"seed", "kernel-arg"}}},
      {"sample", {{"settle_s", 2}, {"count", 1}}},
      {"explain", {{"top_n", 5}}},
      {"budgets", {{"ram_mib", 60}}}};
}

TEST_F(ExplainVmTest,
       ReferenceDegradesGracefullyAndComparePointsAtThePlantedHog) {
  const std::string dir = TestTempDir("explain");
  const std::string db = dir + "/history.db";
  BootgateRun runs[2];
  for (int i = 0; i < 2; ++i) {
    const std::string scn =
        dir + "/reference-explain-" + std::to_string(i) + ".json";
    std::ofstream(scn) << Scenario(i == 0 ? "" : " bootgate.fault=hog").dump(2);
    RunOptions o =
        Opts({"run", scn, "--history", db, "--build-id", i == 0 ? "1.0" : "1.1",
              "--report-dir", dir + "/r" + std::to_string(i)});
    runs[i] = RunBootgate(o);
    ASSERT_TRUE(runs[i].report.is_object())
        << runs[i].stdout_text << runs[i].stderr_text;
  }
  EXPECT_EQ(runs[0].exit_code, 0) << runs[0].stdout_text << runs[0].stderr_text;
  const auto& ex = runs[0].report["runs"][0]["explain"];
  ASSERT_TRUE(ex.is_object()) << runs[0].report["runs"][0].dump(1);
  std::printf("reference explain: %s\n", ex.dump().c_str());
  EXPECT_GT(double(ex["cost_s"]), 0.0);
  // No systemd: no units, no chain; the kernel's clock instead.
  EXPECT_FALSE(ex["boot"].contains("units"));
  EXPECT_FALSE(ex["boot"].contains("critical_chain"));
  EXPECT_GT(double(ex["boot"]["init_start_kernel_s"]), 0.0);
  EXPECT_GT(double(ex["boot"]["login_prompt_kernel_s"]),
            double(ex["boot"]["init_start_kernel_s"]));
  // RAM: processes by PSS and the kernel's parts, adding up within tolerance.
  const auto& ram = ex["ram"];
  EXPECT_EQ(ram["measure"], "pss");
  ASSERT_GE(ram["processes"].size(), 3u);
  EXPECT_LE(ram["processes"].size(), 5u) << "top_n";
  EXPECT_GT(double(ram["kernel"]["sunreclaim"]), 0.0);
  EXPECT_TRUE(bool(ram["within_tolerance"])) << ram.dump(1);
  // Disk: directories, but no package manager: no packages key at all.
  EXPECT_FALSE(ex["disk"]["paths"].empty());
  EXPECT_FALSE(ex["disk"].contains("packages"));
  EXPECT_FALSE(ex["disk"].contains("package_manager"))
      << "busybox's rpm applet lists nothing";

  // The hog run: 30 MiB more used, over the 60 MiB budget; the JUnit
  // failure and the Markdown name the hog.
  const auto& hog_ram = runs[1].report["runs"][0]["explain"]["ram"];
  ASSERT_FALSE(hog_ram["processes"].empty()) << hog_ram.dump(1);
  EXPECT_EQ(hog_ram["processes"][0]["name"], "bootgate-hog");
  EXPECT_NEAR(double(hog_ram["processes"][0]["pss_mib"]), 30.0, 1.0);
  EXPECT_TRUE(bool(hog_ram["within_tolerance"])) << hog_ram.dump(1);
  EXPECT_EQ(runs[1].exit_code, 1) << runs[1].stdout_text;
  std::ifstream junit(runs[1].report_dir + "/junit.xml");
  std::string xml((std::istreambuf_iterator<char>(junit)), {});
  EXPECT_NE(xml.find("largest processes (pss): bootgate-hog 30"),
            std::string::npos)
      << xml;
  std::ifstream md(runs[1].report_dir + "/summary.md");
  std::string summary((std::istreambuf_iterator<char>(md)), {});
  EXPECT_NE(summary.find("bootgate-hog"), std::string::npos) << summary;

  // compare: ram_mib regressed, and the top RAM mover is the planted hog.
  RunOptions c;
  c.args = {"compare",     "--db",      db,         "--baseline", "build=1.0",
            "--candidate", "build=1.1", "--format", "json"};
  BootgateRun cmp = RunBootgate(c);
  const auto j = nlohmann::json::parse(cmp.stdout_text, nullptr, false);
  ASSERT_TRUE(j.is_object()) << cmp.stdout_text << cmp.stderr_text;
  ASSERT_EQ(j["groups"].size(), 1u);
  const nlohmann::json* top = nullptr;
  for (const auto& m : j["groups"][0]["movers"])
    if (m["metric"] == "ram_mib" && !top) top = &m;
  ASSERT_NE(top, nullptr) << j.dump(1);
  EXPECT_EQ((*top)["name"], "bootgate-hog");
  EXPECT_EQ((*top)["change"], "appeared");
  EXPECT_NEAR(double((*top)["delta"]), 30.0, 1.0);
  RunOptions t = c;
  t.args.resize(t.args.size() - 2);
  BootgateRun table = RunBootgate(t);
  EXPECT_NE(
      table.stdout_text.find("ram_mib: process bootgate-hog appeared: +30"),
      std::string::npos)
      << table.stdout_text;
}

}  // namespace
}  // namespace bootgate::testing
