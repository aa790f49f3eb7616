// A full systemd distribution end to end: scenarios/debian-12-systemd.json
// builds (images/debian/build.sh, from the Debian archive) and boots Debian 12
// from a BIOS disk: GRUB's 1 s serial menu, the Debian kernel and its
// initramfs-tools initrd, systemd to the serial getty. bootgate must find
// every boot phase in that console, cross-check them with the kernel's
// printk times, log in over SSH with a password, sample and pass the checks.
#include <gtest/gtest.h>

#include <set>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

class SystemdVmTest : public VmTest {};

TEST_F(SystemdVmTest, Debian12BootsWithEveryPhaseAndPassesItsChecks) {
  RunOptions o = Opts({"run", SourceDir() + "/scenarios/debian-12-systemd.json",
                       "--no-html", "--history", ""});
  o.timeout_s = 900;  // includes building the image on a fresh machine
  auto r = RunBootgate(o);
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;
  ASSERT_EQ(r.report["runs"].size(), 1u);
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(r.exit_code, 0) << run["reason"] << "\n" << r.stderr_text;
  EXPECT_EQ(run["verdict"], "pass") << run["reason"];

  // Every phase of a GRUB + initramfs + systemd boot, in order, non-empty.
  std::vector<std::string> names;
  for (const auto& p : run["phases"]) {
    names.push_back(p["name"]);
    EXPECT_GT(double(p["end_s"]), double(p["start_s"])) << p.dump();
  }
  EXPECT_EQ(names, (std::vector<std::string>{"firmware", "bootloader", "kernel",
                                             "initramfs", "userspace", "ssh"}))
      << run["phases"].dump(1);
  std::set<std::string> milestones;
  for (const auto& m : run["milestones"]) milestones.insert(m["name"]);
  EXPECT_TRUE(milestones.count("bootloader")) << run["milestones"].dump(1);
  EXPECT_TRUE(milestones.count("kernel")) << run["milestones"].dump(1);
  EXPECT_TRUE(milestones.count("initramfs")) << run["milestones"].dump(1);
  EXPECT_TRUE(milestones.count("userspace")) << run["milestones"].dump(1);
  // Debian's kernel prints printk times: the host-vs-guest cross-check ran.
  EXPECT_GT(double(run["details"].value("printk_lines", 0.0)), 100.0)
      << run["details"].dump(1);

  // SSH by password (no cloud-init in the image), then samples and checks.
  EXPECT_EQ(run["access_channel"], "ssh");
  EXPECT_GT(double(run["metrics"]["ssh_ready_s"]),
            double(run["metrics"]["boot_s"]));
  EXPECT_GT(double(run["metrics"]["ram_mib"]), 20.0);
  EXPECT_GT(double(run["metrics"]["disk_mib"]),
            100.0);  // a real rootfs, not busybox
  ASSERT_EQ(run["checks"].size(), 4u);
  for (const auto& c : run["checks"])
    EXPECT_EQ(c["verdict"], "pass") << c.dump(1);
}

}  // namespace
}  // namespace bootgate::testing
