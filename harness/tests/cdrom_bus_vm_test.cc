// The CD-ROM's bus is what the guest really sees (issue 23), with the
// reference image on machine pc (the vmware profile) and its Debian cloud
// kernel, whose config has CONFIG_ATA_PIIX=m, CONFIG_VMWARE_PVSCSI=m and
// "# CONFIG_SATA_AHCI is not set":
//  - cdrom_bus ide: sr0 hangs off the PIIX IDE function, driven by ata_piix;
//  - cdrom_bus scsi: sr0 hangs off the pvscsi controller;
//  - cdrom_bus sata: the guest's PCI bus has an AHCI controller (class
//    0x010601, which i440fx does not have) and, with no AHCI driver, no sr0.
// And the fault of issue 23, "the installer's CD back on PIIX IDE", with a
// kernel that has no PIIX driver (the cloud kernel with ata_piix refused by
// the kernel itself, module_blacklist=): the installer cannot see its
// kickstart CD and the run fails fast with the installer's own reason;
// the same kernel with the CDs on SCSI installs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "util/process.h"
#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

// Prints "sr0 <driver of its PCI controller> <PCI class>" or "no sr0", then
// every PCI function as "pci <class> <driver>".
constexpr char kWhereIsTheCd[] =
    "if [ -e /sys/block/sr0 ]; then"
    "  d=$(readlink -f /sys/block/sr0);"
    "  pci=$(echo \"$d\" | grep -o '0000:[0-9a-f]*:[0-9a-f]*\\.[0-9a-f]' | "
    "tail -n 1);"
    "  drv=$(readlink /sys/bus/pci/devices/$pci/driver);"
    "  echo \"sr0 ${drv##*/} $(cat /sys/bus/pci/devices/$pci/class) $d\";"
    " else echo 'no sr0'; fi;"
    " for f in /sys/bus/pci/devices/*; do drv=$(readlink $f/driver);"
    "  echo \"pci $(cat $f/class) ${drv##*/}\"; done";

nlohmann::json LiveScenario(const std::string& name,
                            const std::string& cdrom_bus,
                            const std::string& expect,
                            const std::string& backend) {
  nlohmann::json s = {
      {"name", name},
      {"image", {{"iso", ReferenceDir() + "/reference.iso"}}},
      {"profile", "vmware"},
      {"vm",
       {{"cpus", 1},
        {"memory_mib", 512},
        {"accel", "tcg"},
        {"cdrom_bus", cdrom_bus}}},
      {"boot",
       {{"login_pattern", "refimg login: ?$"},
        {"timeout_s", 180},
        {"silence_s", 120}}},
      {"access", {{"method", "ssh"}, {"user", "root"}, {"seed", "nocloud"}}},
      {"sample", {{"settle_s", 0}, {"count", 1}, {"interval_s", 1}}},
      {"checks",
       nlohmann::json::array(
           {{{"name", "where is the cd"},
             {"run", kWhereIsTheCd},
             {"expect", {{"exit_status", 0}, {"stdout_matches", expect}}}}})},
      {"budgets", {{"boot_s", {{"tcg", 150}}}}}};
  if (backend == "libvirt") {
    s["backend"] = "libvirt";
    s["connect"] = "qemu:///system";
  }
  return s;
}

std::string CheckOutput(const nlohmann::json& run) {
  for (const auto& c : run["checks"])
    if (c["name"] == "where is the cd") return c.value("output_excerpt", "");
  return "";
}

class CdromBusVmTest : public VmTest {};

TEST_F(CdromBusVmTest, TheGuestFindsItsCdOnTheBusThePlanNamed) {
  std::string ide = WriteScenario(
      "cd-ide", LiveScenario("cd-ide", "ide", "sr0 ata_piix 0x0101", "qemu"));
  std::string scsi = WriteScenario(
      "cd-scsi",
      LiveScenario("cd-scsi", "scsi", "sr0 vmw_pvscsi 0x0100", "qemu"));
  // No AHCI driver in this kernel: the controller is there, driverless, and
  // the CD behind it unseen.
  std::string sata = WriteScenario(
      "cd-sata", LiveScenario("cd-sata", "sata",
                              "(?s)^no sr0\\n.*pci 0x010601 *\\n", "qemu"));
  auto r = RunBootgate(Opts(
      {"run", ide, scsi, sata, "--jobs", "2", "--no-html", "--history", ""}));
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  const std::map<std::string, std::string> bus = {
      {"cd-ide", "ide"}, {"cd-scsi", "scsi"}, {"cd-sata", "sata"}};
  for (const auto& [name, want] : bus) {
    SCOPED_TRACE(name);
    const nlohmann::json* run = RunNamed(r.report, name);
    ASSERT_NE(run, nullptr);
    EXPECT_EQ((*run)["verdict"], "pass") << (*run)["reason"] << "\n"
                                         << CheckOutput(*run);
    EXPECT_EQ((*run)["profile_requested"]["cdrom_bus"], want);
    EXPECT_EQ((*run)["profile_applied"]["cdrom_bus"], want);
    std::string out = CheckOutput(*run);
    // i440fx has no AHCI of its own: one appears only when the CD asks.
    EXPECT_EQ(out.find("pci 0x010601") != std::string::npos, want == "sata")
        << out;
  }
}

// The same sata-on-pc VM through libvirt's QEMU driver: libvirt accepts a
// SATA controller on i440fx and the guest sees the same AHCI function.
TEST_F(CdromBusVmTest, LibvirtPutsTheCdOnTheSameAhciController) {
  PosixProcessLauncher launcher;
  if (!RunCommand(launcher, {"virsh", "-c", "qemu:///system", "version"},
                  std::chrono::seconds(10))
           .status.ok()) {
    auto start = RunCommand(launcher, {SourceDir() + "/ci/start-libvirtd.sh"},
                            std::chrono::seconds(60));
    ASSERT_TRUE(start.status.ok())
        << "ci/start-libvirtd.sh failed: " << start.stderr_text;
  }
  std::string name = "cdlv" + std::to_string(getpid());
  std::string sata = WriteScenario(
      name, LiveScenario(name, "sata", "(?s)^no sr0\\n.*pci 0x010601 *\\n",
                         "libvirt"));
  auto r = RunBootgate(Opts({"run", sata, "--no-html", "--history", ""}));
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  const nlohmann::json& run = r.report["runs"][0];
  EXPECT_EQ(run["backend"], "libvirt");
  EXPECT_EQ(run["verdict"], "pass") << run["reason"] << "\n"
                                    << CheckOutput(run);
  EXPECT_EQ(run["profile_applied"]["cdrom_bus"], "sata");
  PosixProcessLauncher l2;
  EXPECT_TRUE(
      RunCommand(
          l2,
          {"sh", "-c",
           "virsh -c qemu:///system list --all --name | grep -c " + name},
          std::chrono::seconds(30))
          .stdout_text.rfind("0", 0) == 0)
      << "a domain outlived its run";
}

// Installs the reference installer with its kickstart on a CD (ks=/dev/sr1),
// the CDs on `cdrom_bus` of machine pc, the installer's kernel told to refuse
// ata_piix: a kernel without PIIX, as Photon 5.0's.
nlohmann::json InstallScenario(const std::string& name,
                               const std::string& cdrom_bus) {
  std::ifstream in(SourceDir() + "/scenarios/reference-install.json");
  nlohmann::json s =
      nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
  s["name"] = name;
  s["profile"] = "vmware";
  s["vm"]["accel"] = "tcg";
  s["vm"]["cdrom_bus"] = cdrom_bus;
  s["install"]["media"]["iso"] = ReferenceDir() + "/reference.iso";
  s["install"]["media"].erase("recipe");
  s["install"]["append"] =
      std::string(s["install"]["append"]) + " module_blacklist=ata_piix";
  s["install"]["config"]["template"] =
      SourceDir() + "/scenarios/templates/photon-ks.json";
  s["install"]["config"]["delivery"] = "cdrom";
  s["install"]["config"]["vars"]["disk"] = "/dev/sda";  // pvscsi
  return s;
}

TEST_F(CdromBusVmTest,
       InstallerCdBackOnPiixIdeIsUnseenByAKernelWithoutPiixAndFailsFast) {
  std::string ide =
      WriteScenario("cd-piix-fault", InstallScenario("cd-piix-fault", "ide"));
  std::string scsi = WriteScenario("cd-scsi-install",
                                   InstallScenario("cd-scsi-install", "scsi"));
  auto r = RunBootgate(
      Opts({"run", ide, scsi, "--jobs", "2", "--no-html", "--history", ""}));
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;

  const nlohmann::json* fault = RunNamed(r.report, "cd-piix-fault");
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ((*fault)["verdict"], "fail") << fault->dump(1);
  EXPECT_EQ((*fault)["failure_class"], "installer-error") << (*fault)["reason"];
  // The installer's own words name the cause: its kickstart CD is not there.
  EXPECT_NE(std::string((*fault)["reason"])
                .find("kickstart device /dev/sr1 not found"),
            std::string::npos)
      << (*fault)["reason"];
  EXPECT_EQ((*fault)["profile_applied"]["cdrom_bus"], "ide");
  EXPECT_FALSE((*fault)["metrics"].contains("boot_s"));

  // Control: the same kernel, the same refusal of ata_piix, CDs on pvscsi.
  const nlohmann::json* control = RunNamed(r.report, "cd-scsi-install");
  ASSERT_NE(control, nullptr);
  EXPECT_EQ((*control)["verdict"], "pass") << (*control)["reason"];
  EXPECT_TRUE((*control)["metrics"].contains("install_s"));
  EXPECT_EQ((*control)["profile_applied"]["cdrom_bus"], "scsi");
  // Fast: the fault is seen from the console (the installer waits 5 s for
  // its kickstart device), not by the 300 s install timeout.
  EXPECT_LT(double((*fault)["wall_s"]), 120.0) << fault->dump(1);
}

}  // namespace
}  // namespace bootgate::testing
