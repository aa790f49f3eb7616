#include "backend/qemu/qemu_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "util/fs.h"
#include "util/process.h"

namespace bootgate {
namespace {

BootRequest Request(Profile p, std::string accel) {
  BootRequest r;
  r.name = "bootgate-t";
  r.run_dir = "/run/bg";
  r.profile = std::move(p);
  r.accel = std::move(accel);
  r.drives = {{"/img/ref.iso", "raw", true, true, 0, "system"},
              {"/run/bg/seed.iso", "raw", false, true, -1, "seed"}};
  r.ssh_host_port = 40022;
  return r;
}

std::string Joined(const QemuCommand& c) { return JoinArgv(c.argv); }

TEST(QemuCommandTest, QemuKvmProfileGolden) {
  Profile p;
  p.name = "qemu-kvm";
  QemuHost host;
  host.qmp_fd = 7;
  auto c = BuildQemuCommand(Request(p, "tcg"), host);
  EXPECT_EQ(Joined(c),
            "qemu-system-x86_64 -name bootgate-t,debug-threads=on -nodefaults -no-user-config "
            "-display none -vga none -no-reboot -pidfile /run/bg/qemu.pid -machine q35 "
            "-accel tcg,thread=multi -smp 1 -m 512 "
            "-drive if=none,id=drive0,file=/img/ref.iso,format=raw,media=cdrom,readonly=on "
            "-device ide-cd,bus=ide.0,drive=drive0,bootindex=0 "
            "-drive if=none,id=drive1,file=/run/bg/seed.iso,format=raw,readonly=on "
            "-device virtio-blk-pci,drive=drive1 "
            "-netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22 -device virtio-net-pci,netdev=net0 "
            "-chardev stdio,id=con0,signal=off -serial chardev:con0 "
            "-chardev socket,id=qmp0,fd=7 -mon chardev=qmp0,mode=control");
  EXPECT_TRUE(c.warnings.empty());
}

// Issue 25: user networking let the guest open the host's 127.0.0.1 as
// 10.0.2.2. Restricted by default; the kickstart channel is a guestfwd to a
// unix socket; "nat" is asked for by name and recorded.
TEST(QemuCommandTest, UserNetworkingIsRestrictedUnlessNatIsAskedFor) {
  Profile p;
  BootRequest r = Request(p, "tcg");
  r.guest_forwards = {{"10.0.2.100", 80, "/run/bg/ks.sock"}};
  auto c = BuildQemuCommand(r, QemuHost{});
  EXPECT_NE(Joined(c).find("-netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22,"
                           "guestfwd=tcp:10.0.2.100:80-unix:/run/bg/ks.sock "),
            std::string::npos)
      << Joined(c);
  EXPECT_EQ(c.applied["network"], "restricted");
  r.network = "nat";
  r.guest_forwards.clear();
  c = BuildQemuCommand(r, QemuHost{});
  EXPECT_NE(Joined(c).find("-netdev user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22 "), std::string::npos);
  EXPECT_EQ(c.applied["network"], "nat");
  r.guest_forwards = {{"10.0.2.100", 80, "/run/a,b/ks.sock"}};
  EXPECT_THROW(BuildQemuCommand(r, QemuHost{}), Error);
}

TEST(QemuCommandTest, HyperVFlagsDroppedUnderTcgWithAWarning) {
  Profile p;
  p.name = "hyperv";
  p.firmware = "uefi";
  p.disk_bus = "virtio-scsi";
  p.cpu_flags = {"hv-relaxed", "hv-vapic"};
  p.smbios = {{"manufacturer", "Microsoft Corporation"}, {"product", "Virtual Machine"}};
  auto c = BuildQemuCommand(Request(p, "tcg"), QemuHost{});
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("hv-relaxed,hv-vapic"), std::string::npos);
  EXPECT_EQ(c.applied["cpu_flags"], "(none)");
  std::string s = Joined(c);
  EXPECT_EQ(s.find("hv-relaxed"), std::string::npos);
  EXPECT_NE(s.find("-smbios 'type=1,manufacturer=Microsoft Corporation,product=Virtual Machine'"),
            std::string::npos) << s;
  EXPECT_NE(s.find("if=pflash,format=raw,unit=1,file=/run/bg/OVMF_VARS.fd"), std::string::npos);
  EXPECT_NE(s.find("-device virtio-scsi-pci,id=scsi0"), std::string::npos);
  EXPECT_NE(s.find("-device scsi-hd,bus=scsi0.0,scsi-id=0,lun=0,drive=drive1"),
            std::string::npos)
      << s;
}

TEST(QemuCommandTest, HyperVFlagsAppliedUnderKvm) {
  Profile p;
  p.cpu_flags = {"hv-relaxed"};
  auto c = BuildQemuCommand(Request(p, "kvm"), QemuHost{});
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_NE(Joined(c).find("-cpu host,hv-relaxed"), std::string::npos);
}

TEST(QemuCommandTest, SmbiosCommasAreEscaped) {
  Profile p;
  p.smbios = {{"manufacturer", "VMware, Inc."}};
  auto c = BuildQemuCommand(Request(p, "tcg"), QemuHost{});
  auto it = std::find(c.argv.begin(), c.argv.end(), "type=1,manufacturer=VMware,, Inc.");
  EXPECT_NE(it, c.argv.end());
}

TEST(QemuCommandTest, DirectKernelBootAndNoNetwork) {
  Profile p;
  BootRequest r = Request(p, "tcg");
  r.drives.clear();
  r.ssh_host_port = 0;
  r.kernel = "/k";
  r.initrd = "/i";
  r.append = "console=ttyS0 bootgate.fault=panic";
  auto c = BuildQemuCommand(r, QemuHost{});
  std::string s = Joined(c);
  EXPECT_NE(s.find("-kernel /k -initrd /i -append 'console=ttyS0 bootgate.fault=panic'"), std::string::npos);
  EXPECT_EQ(s.find("-netdev"), std::string::npos);
}

// Every shipped profile file builds; only hv-* flags are dropped under TCG,
// and nothing is dropped under KVM.
TEST(QemuCommandTest, ShippedProfilesApplyEverythingOrWarn) {
  const char* src = getenv("BOOTGATE_SOURCE_DIR");
  auto profiles = LoadProfiles(std::string(src ? src : ".") + "/scenarios/profiles");
  for (const char* name : {"qemu-kvm", "hyperv", "vmware", "vmware-efi"}) ASSERT_TRUE(profiles.count(name)) << name;
  for (const auto& [name, p] : profiles) {
    SCOPED_TRACE(name);
    auto tcg = BuildQemuCommand(Request(p, "tcg"), QemuHost{});
    auto kvm = BuildQemuCommand(Request(p, "kvm"), QemuHost{});
    EXPECT_TRUE(kvm.warnings.empty());
    bool has_hv = false;
    for (const auto& f : p.cpu_flags) has_hv |= f.rfind("hv-", 0) == 0;
    EXPECT_EQ(tcg.warnings.size(), has_hv ? 1u : 0u);
    for (const auto& [k, v] : p.smbios) EXPECT_EQ(tcg.applied["smbios." + k], v);
    EXPECT_EQ(tcg.applied["disk_bus"], p.disk_bus);
    EXPECT_EQ(tcg.applied["cdrom_bus"], p.cdrom_bus);
    EXPECT_EQ(tcg.applied["nic_model"], p.nic_model);
    EXPECT_EQ(tcg.applied["firmware"], p.firmware);
  }
}

// Issue 23: on machine pc a CD-ROM was always `ide-cd` with no bus, i.e.
// PIIX IDE, which Photon 5.0's kernels (no CONFIG_ATA_SFF) cannot see. With
// cdrom_bus "sata" it sits on an AHCI controller added for it.
TEST(QemuCommandTest, SataCdOnPcGetsAnAhciController) {
  Profile p;
  p.name = "vmware";
  p.machine = "pc";
  p.disk_bus = "pvscsi";
  p.cdrom_bus = "sata";
  BootRequest r = Request(p, "tcg");
  r.drives = {{"/img/photon.iso", "raw", true, true, -1, "installer"},
              {"/run/bg/target.qcow2", "qcow2", false, false, -1, "target"}};
  auto c = BuildQemuCommand(r, QemuHost{});
  std::string s = Joined(c);
  EXPECT_NE(s.find("-device ahci,id=ahci0 "), std::string::npos) << s;
  EXPECT_NE(s.find("-device ide-cd,bus=ahci0.0,drive=drive0 "),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("-device pvscsi,id=scsi0 "), std::string::npos) << s;
  EXPECT_NE(s.find("-device scsi-hd,bus=scsi0.0,scsi-id=0,lun=0,drive=drive1 "),
            std::string::npos)
      << s;
  EXPECT_EQ(c.applied["cdrom_bus"], "sata");
  // The same request with the profile's IDE: the PIIX channel, named.
  r.profile.cdrom_bus = "ide";
  std::string ide = Joined(BuildQemuCommand(r, QemuHost{}));
  EXPECT_NE(ide.find("-device ide-cd,bus=ide.0,unit=0,drive=drive0 "),
            std::string::npos)
      << ide;
  EXPECT_EQ(ide.find("ahci"), std::string::npos) << ide;
}

}  // namespace
}  // namespace bootgate

namespace bootgate {
namespace {

// QEMU 7.2's own words when the SSH forward's port was taken before it bound
// it (captured: a listening socket held on the port), and texts that are not
// that failure.
TEST(QemuCommandTest, HostForwardBindFailureIsRecognisedInQemusStderr) {
  const char* src = getenv("BOOTGATE_SOURCE_DIR");
  std::string captured =
      ReadFile(std::string(src ? src : ".") +
               "/harness/src/backend/qemu/testdata/hostfwd_port_taken.stderr");
  EXPECT_TRUE(IsHostForwardBindFailure(captured));
  EXPECT_TRUE(IsHostForwardBindFailure(
      "libvirt could not create the domain: internal error: "
      "process exited while connecting to monitor: " +
      captured));
  EXPECT_FALSE(
      IsHostForwardBindFailure("qemu-system-x86_64: -drive file=/x.qcow2: "
                               "Could not open '/x.qcow2': No such file"));
  EXPECT_FALSE(IsHostForwardBindFailure(""));
}

}  // namespace
}  // namespace bootgate
