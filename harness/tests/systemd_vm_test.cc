// A full systemd distribution end to end: images/debian/build.sh (from the
// Debian archive) builds Debian 12 on a BIOS disk: GRUB's 1 s serial menu,
// the Debian kernel and its initramfs-tools initrd, systemd to the serial
// getty, cloud-init. Two scenarios boot it in one run: without a seed and a
// password login (debian-12-systemd), and with bootgate's NoCloud seed read
// by the real cloud-init (debian-12-cloud-init: the ephemeral key is the only
// way in). bootgate must find every boot phase, cross-check them with the
// kernel's printk times, log in over SSH, sample and pass the checks.
// Then a planted boot regression: the same image with one unit more that
// sleeps 2 s in the default target's critical chain (debian_slow_boot.sh
// derives it from the built disk), booted as debian-12-systemd into the same
// history; `bootgate compare` must name that unit as the top boot mover.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

class SystemdVmTest : public VmTest {};

TEST_F(SystemdVmTest, Debian12BootsWithAndWithoutCloudInitSeed) {
  // --jobs 1: two TCG boots of a full distribution side by side on a 2-core
  // CI host (beside other VM tests) would mostly measure each other.
  const std::string dir = TestTempDir("systemd");
  const std::string db = dir + "/history.db";
  RunOptions o =
      Opts({"run", SourceDir() + "/scenarios/debian-12-systemd.json",
            SourceDir() + "/scenarios/debian-12-cloud-init.json", "--jobs", "1",
            "--no-html", "--history", db, "--build-id", "debian-base"});
  o.timeout_s = 850;  // includes building the image; under ctest's 900 s
  auto r = RunBootgate(o);
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;
  ASSERT_EQ(r.report["runs"].size(), 2u);
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << "\n" << r.stderr_text;

  for (const char* name : {"debian-12-systemd", "debian-12-cloud-init"}) {
    SCOPED_TRACE(name);
    const auto* found = RunNamed(r.report, name);
    ASSERT_NE(found, nullptr);
    const auto& run = *found;
    EXPECT_EQ(run["verdict"], "pass") << run["reason"];
    // Every phase of a GRUB + initramfs + systemd boot, in order, non-empty.
    std::vector<std::string> names;
    for (const auto& p : run["phases"]) {
      names.push_back(p["name"]);
      EXPECT_GT(double(p["end_s"]), double(p["start_s"])) << p.dump();
    }
    // SSH is tried from the VM's start, so on Debian (sshd before the
    // serial getty) it can be ready before the login prompt: then there is
    // no "ssh" phase after login.
    const double boot_s = run["metrics"]["boot_s"];
    const double ssh_s = run["metrics"]["ssh_ready_s"];
    std::vector<std::string> want = {"firmware", "bootloader", "kernel",
                                     "initramfs", "userspace"};
    if (ssh_s >= boot_s) want.push_back("ssh");
    EXPECT_EQ(names, want) << run["phases"].dump(1);
    std::printf("%s: boot_s %.2f, ssh_ready_s %.2f\n", name, boot_s, ssh_s);
    std::set<std::string> milestones;
    for (const auto& m : run["milestones"]) milestones.insert(m["name"]);
    for (const char* m : {"bootloader", "kernel", "initramfs", "userspace"})
      EXPECT_TRUE(milestones.count(m)) << m << " " << run["milestones"].dump(1);
    // Debian's kernel prints printk times: the host-vs-guest cross-check ran.
    EXPECT_GT(double(run["details"].value("printk_lines", 0.0)), 100.0)
        << run["details"].dump(1);
    // SSH, then samples and checks.
    EXPECT_EQ(run["access_channel"], "ssh");
    // Measured, not bounded below by the prompt: within the boot's span.
    EXPECT_GT(ssh_s, 1.0);
    EXPECT_LT(ssh_s, boot_s + 60);
    EXPECT_GT(double(run["metrics"]["ram_mib"]), 20.0);
    EXPECT_GT(double(run["metrics"]["disk_mib"]),
              100.0);  // a real rootfs, not busybox
    for (const auto& c : run["checks"])
      EXPECT_EQ(c["verdict"], "pass") << c.dump(1);
    // The guest's own explanation, collected after the samples: units and
    // the critical chain of the default target, processes by PSS, kernel
    // memory adding up to ram_mib within tolerance, dpkg packages.
    const auto& ex = run["explain"];
    ASSERT_TRUE(ex.is_object()) << run.dump(1);
    std::printf("%s explain: %s\n", name, ex.dump().c_str());
    EXPECT_GT(double(ex["cost_s"]), 0.0);
    ASSERT_TRUE(ex["boot"].contains("units")) << ex.dump(1);
    EXPECT_GE(ex["boot"]["units"].size(), 5u);
    // debian-12-systemd lists every unit (top_n 50), the seeded one the
    // default 10.
    EXPECT_LE(ex["boot"]["units"].size(),
              std::string(name) == "debian-12-systemd" ? 50u : 10u)
        << "top_n";
    EXPECT_GE(double(ex["boot"]["units"][0]["s"]),
              double(ex["boot"]["units"][1]["s"]));
    ASSERT_TRUE(ex["boot"].contains("critical_chain")) << ex.dump(1);
    EXPECT_NE(
        std::string(ex["boot"]["critical_chain"][0]["unit"]).find(".target"),
        std::string::npos);
    EXPECT_GT(double(ex["boot"]["init_start_kernel_s"]), 0.0);
    const auto& ram = ex["ram"];
    EXPECT_EQ(ram["measure"], "pss");
    EXPECT_GE(ram["processes"].size(), 5u);
    std::set<std::string> procs;
    for (const auto& p : ram["processes"]) procs.insert(p["name"]);
    EXPECT_TRUE(procs.count("systemd")) << ram["processes"].dump(1);
    for (const char* k : {"slab", "sunreclaim", "kernel_stack", "page_tables",
                          "percpu", "shmem", "page_cache", "reserve"})
      EXPECT_TRUE(ram["kernel"].contains(k)) << k;
    for (const char* k : {"pcp_free", "vmalloc_used"})
      EXPECT_TRUE(ram["kernel"].contains(k)) << k;
    // The parts and the remainder add up to what was used, the remainder
    // within tolerance (5 % of used): once cloud-init has exited, ~50 MiB of
    // ~200 MiB used are free pages parked on the CPU's page list (pcp_free),
    // which MemFree leaves out.
    EXPECT_NEAR(double(ram["explained_mib"]) + double(ram["unexplained_mib"]),
                double(ram["used_mib"]), 1e-6);
    EXPECT_GT(double(ram["tolerance_mib"]), 0.0);
    EXPECT_TRUE(bool(ram["within_tolerance"])) << ram.dump(1);
    std::printf(
        "%s ram: used %.1f MiB, unexplained %.1f MiB (tolerance %.1f)\n", name,
        double(ram["used_mib"]), double(ram["unexplained_mib"]),
        double(ram["tolerance_mib"]));
    EXPECT_EQ(ex["disk"]["package_manager"], "dpkg");
    EXPECT_GT(int(ex["disk"]["package_count"]), 100);
    EXPECT_FALSE(ex["disk"]["packages"].empty());
    EXPECT_FALSE(ex["disk"]["paths"].empty());
  }
  // Without a password, only the seed's key can have let bootgate in; the
  // guest's cloud-init says it read that seed.
  const auto& cloud = *RunNamed(r.report, "debian-12-cloud-init");
  ASSERT_EQ(cloud["checks"].size(), 3u);
  EXPECT_NE(std::string(cloud["checks"][1]["output_excerpt"])
                .find("DataSourceNoCloud"),
            std::string::npos)
      << cloud["checks"][1].dump(1);
  EXPECT_EQ(RunNamed(r.report, "debian-12-systemd")->at("checks").size(), 4u);

  // The planted regression: debian-12-systemd again, on the derived disk
  // with bootgate-slow-boot.service (2 s after cloud-init.service, before
  // sysinit.target), into the same history under another build id.
  const std::string base =
      SourceDir() + "/images/.cache/debian/debian-12.qcow2";
  const std::string slow_disk = dir + "/debian-12-slow.qcow2";
  ASSERT_EQ(std::system(("bash '" + SourceDir() +
                         "/harness/tests/debian_slow_boot.sh' '" + base +
                         "' '" + slow_disk + "'")
                            .c_str()),
            0);
  std::ifstream in(SourceDir() + "/scenarios/debian-12-systemd.json");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  nlohmann::json scn =
      nlohmann::json::parse(text, nullptr, true, /*ignore_comments=*/true);
  scn["image"]["disk"] = slow_disk;
  scn["image"].erase(
      "recipe");  // the derived disk is this test's, not the recipe's
  const std::string slow_scn = dir + "/debian-12-slow.json";
  std::ofstream(slow_scn) << scn.dump(2);
  RunOptions so =
      Opts({"run", slow_scn, "--no-html", "--history", db, "--build-id",
            "debian-slow", "--report-dir", dir + "/slow"});
  so.timeout_s = 600;
  auto slow = RunBootgate(so);
  ASSERT_TRUE(slow.report.is_object()) << slow.stdout_text << slow.stderr_text;
  const auto& sr = slow.report["runs"][0];
  EXPECT_EQ(sr["verdict"], "pass") << sr["reason"];
  bool in_chain = false;
  for (const auto& c : sr["explain"]["boot"]["critical_chain"])
    in_chain = in_chain || c["unit"] == "bootgate-slow-boot.service";
  EXPECT_TRUE(in_chain) << sr["explain"]["boot"]["critical_chain"].dump(1);
  std::printf(
      "slow boot: boot_s %.2f (baseline %.2f)\n",
      double(sr["metrics"]["boot_s"]),
      double(RunNamed(r.report, "debian-12-systemd")->at("metrics")["boot_s"]));

  RunOptions c;
  c.args = {"compare",
            "--db",
            db,
            "--baseline",
            "build=debian-base",
            "--candidate",
            "build=debian-slow",
            "--format",
            "json"};
  BootgateRun cmp = RunBootgate(c);
  const auto j = nlohmann::json::parse(cmp.stdout_text, nullptr, false);
  ASSERT_TRUE(j.is_object()) << cmp.stdout_text << cmp.stderr_text;
  const nlohmann::json* group = nullptr;
  for (const auto& g : j["groups"])
    if (g["scenario"] == "debian-12-systemd") group = &g;
  ASSERT_NE(group, nullptr) << j.dump(1);
  const nlohmann::json* top = nullptr;
  for (const auto& m : (*group)["movers"])
    if (m["metric"] == "boot_s" && !top) top = &m;
  ASSERT_NE(top, nullptr) << j.dump(1);
  std::printf("compare: top boot mover %s\n", top->dump().c_str());
  EXPECT_EQ((*top)["name"], "bootgate-slow-boot.service")
      << (*group)["movers"].dump(1);
  EXPECT_EQ((*top)["kind"], "unit");
  EXPECT_NEAR(double((*top)["delta"]), 2.0, 0.5);
  RunOptions t = c;
  t.args.resize(t.args.size() - 2);
  BootgateRun table = RunBootgate(t);
  std::printf("%s\n", table.stdout_text.c_str());
  EXPECT_NE(table.stdout_text.find("boot_s: unit bootgate-slow-boot.service"),
            std::string::npos)
      << table.stdout_text;
  std::remove(slow_disk.c_str());
}

}  // namespace
}  // namespace bootgate::testing
