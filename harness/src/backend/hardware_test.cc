#include "backend/hardware.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "util/error.h"

namespace bootgate {
namespace {

Profile ShippedProfile(const std::string& name) {
  const char* src = getenv("BOOTGATE_SOURCE_DIR");
  auto all = LoadProfiles(std::string(src ? src : ".") + "/scenarios/profiles");
  auto it = all.find(name);
  if (it == all.end())
    throw Error(name, "no such profile in scenarios/profiles");
  return it->second;
}

Profile Machine(const std::string& machine, const std::string& disk_bus,
                const std::string& cdrom_bus) {
  Profile p;
  p.name = "t";
  p.machine = machine;
  p.disk_bus = disk_bus;
  p.cdrom_bus = cdrom_bus;
  return p;
}

// An installer run's drives: installer ISO, kickstart volume, target disk.
BootRequest Installer(Profile p) {
  BootRequest r;
  r.profile = std::move(p);
  r.drives = {{"/i.iso", "raw", true, true, -1, "installer"},
              {"/ks.iso", "raw", true, true, -1, "config"},
              {"/t.qcow2", "qcow2", false, false, -1, "target"}};
  r.ssh_host_port = 40022;
  return r;
}

const StorageController& ControllerOf(const VmHardware& hw,
                                      const DrivePlacement& d) {
  EXPECT_GE(d.controller, 0);
  return hw.controllers.at(d.controller);
}

TEST(PlanHardwareTest, SataCdOnPcGetsItsOwnAhciController) {
  VmHardware hw = PlanHardware(Installer(Machine("pc", "pvscsi", "sata")));
  ASSERT_EQ(hw.drives.size(), 3u);
  const StorageController& cd = ControllerOf(hw, hw.drives[0]);
  EXPECT_EQ(cd.kind, "ahci");
  EXPECT_FALSE(cd.builtin);  // i440fx has no AHCI of its own
  EXPECT_EQ(cd.id, "ahci0");
  EXPECT_EQ(cd.qemu_device, "ahci");
  EXPECT_EQ(cd.libvirt_type, "sata");
  EXPECT_EQ(hw.drives[0].bus, "sata");
  EXPECT_EQ(hw.drives[0].unit, 0);
  EXPECT_EQ(hw.drives[0].qemu_device, "ide-cd");
  // The kickstart volume is a CD too: the next AHCI port.
  EXPECT_EQ(hw.drives[1].controller, hw.drives[0].controller);
  EXPECT_EQ(hw.drives[1].unit, 1);
  // The disk stays on the profile's pvscsi.
  const StorageController& disk = ControllerOf(hw, hw.drives[2]);
  EXPECT_EQ(disk.kind, "pvscsi");
  EXPECT_EQ(disk.libvirt_model, "vmpvscsi");
  EXPECT_EQ(hw.drives[2].qemu_device, "scsi-hd");
  EXPECT_EQ(hw.drives[2].unit, 0);
  EXPECT_EQ(hw.applied.at("cdrom_bus"), "sata");
  EXPECT_EQ(hw.applied.at("disk_bus"), "pvscsi");
  EXPECT_EQ(hw.applied.at("machine"), "pc");
}

TEST(PlanHardwareTest, IdeCdOnPcIsThePiixIdeChannelByChannel) {
  BootRequest r = Installer(Machine("pc", "virtio", "ide"));
  r.drives.insert(r.drives.begin(), {"/a.iso", "raw", true, true, 0, "system"});
  r.drives.push_back({"/b.iso", "raw", true, true, -1, "config"});
  VmHardware hw = PlanHardware(r);
  const StorageController& c = ControllerOf(hw, hw.drives[0]);
  EXPECT_EQ(c.kind, "piix-ide");
  EXPECT_TRUE(c.builtin);
  EXPECT_EQ(c.id, "ide");
  // master, slave of the primary channel, then the secondary's.
  EXPECT_EQ(hw.drives[0].bus_index, 0);
  EXPECT_EQ(hw.drives[0].unit, 0);
  EXPECT_EQ(hw.drives[0].target_dev, "hda");
  EXPECT_EQ(hw.drives[1].bus_index, 0);
  EXPECT_EQ(hw.drives[1].unit, 1);
  EXPECT_EQ(hw.drives[1].target_dev, "hdb");
  EXPECT_EQ(hw.drives[2].bus_index, 1);
  EXPECT_EQ(hw.drives[2].unit, 0);
  EXPECT_EQ(hw.drives[2].target_dev, "hdc");
  EXPECT_EQ(hw.drives[3].bus, "virtio");  // the target disk
  EXPECT_EQ(hw.drives[3].controller, -1);
  EXPECT_EQ(hw.drives[3].target_dev, "vda");
  EXPECT_EQ(hw.drives[4].bus_index, 1);
  EXPECT_EQ(hw.drives[4].unit, 1);
  EXPECT_EQ(hw.drives[0].boot_index, 0);
  EXPECT_EQ(hw.controllers.size(), 1u);
}

TEST(PlanHardwareTest, AFifthIdeDriveIsAnErrorNotASilentDrop) {
  BootRequest r = Installer(Machine("pc", "virtio", "ide"));
  r.drives = {};
  for (int i = 0; i < 5; ++i)
    r.drives.push_back({"/x.iso", "raw", true, true, -1, "installer"});
  try {
    PlanHardware(r);
    FAIL() << "five IDE drives were planned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("slots (4)"), std::string::npos)
        << e.what();
  }
}

TEST(PlanHardwareTest, SataOnQ35IsTheChipsetsOwnAhci) {
  VmHardware hw = PlanHardware(Installer(Machine("q35", "virtio", "sata")));
  const StorageController& c = ControllerOf(hw, hw.drives[0]);
  EXPECT_EQ(c.kind, "ahci");
  EXPECT_TRUE(c.builtin);
  EXPECT_EQ(c.id, "ide");  // QEMU names ICH9's ports ide.0..ide.5
  EXPECT_EQ(hw.drives[0].target_dev, "sda");
  EXPECT_EQ(hw.drives[1].target_dev, "sdb");
}

TEST(PlanHardwareTest, IdeOnQ35IsRefusedNamingTheProfile) {
  Profile p = Machine("q35", "virtio", "ide");
  p.file = "/p/odd.json";
  try {
    PlanHardware(Installer(p));
    FAIL() << "IDE was planned on q35";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("/p/odd.json"), std::string::npos) << m;
    EXPECT_NE(m.find("q35 has no IDE controller"), std::string::npos) << m;
  }
}

TEST(PlanHardwareTest, ScsiCdSharesTheDisksScsiControllerOrAddsVirtioScsi) {
  VmHardware shared = PlanHardware(Installer(Machine("pc", "pvscsi", "scsi")));
  EXPECT_EQ(shared.controllers.size(), 1u);
  EXPECT_EQ(shared.controllers[0].kind, "pvscsi");
  // One target per drive, in drive order.
  EXPECT_EQ(shared.drives[0].qemu_device, "scsi-cd");
  EXPECT_EQ(shared.drives[0].unit, 0);
  EXPECT_EQ(shared.drives[1].unit, 1);
  EXPECT_EQ(shared.drives[2].unit, 2);
  EXPECT_EQ(shared.drives[2].qemu_device, "scsi-hd");
  EXPECT_EQ(shared.drives[2].target_dev, "sdc");

  VmHardware added = PlanHardware(Installer(Machine("q35", "virtio", "scsi")));
  ASSERT_EQ(added.controllers.size(), 1u);
  EXPECT_EQ(added.controllers[0].kind, "virtio-scsi");
  EXPECT_EQ(added.controllers[0].qemu_device, "virtio-scsi-pci");
  EXPECT_EQ(added.drives[2].bus, "virtio");
}

TEST(PlanHardwareTest, TheNoCloudSeedFollowsTheDiskBusEvenAsACd) {
  BootRequest r;
  r.profile = Machine("pc", "pvscsi", "sata");
  r.drives = {{"/ref.iso", "raw", true, true, 0, "system"},
              {"/seed.iso", "raw", true, true, -1, "seed"},
              {"/seed2.img", "raw", false, true, -1, "seed"}};
  VmHardware hw = PlanHardware(r);
  EXPECT_EQ(hw.drives[0].bus, "sata");
  EXPECT_EQ(hw.drives[1].bus, "scsi");
  EXPECT_EQ(hw.drives[1].qemu_device, "scsi-cd");
  EXPECT_EQ(hw.drives[2].bus, "scsi");
  EXPECT_EQ(hw.drives[2].qemu_device, "scsi-hd");
  EXPECT_TRUE(hw.drives[1].as_cdrom);
  // On virtio the seed CD image is a read-only disk: virtio has no CD-ROMs.
  r.profile.disk_bus = "virtio";
  VmHardware v = PlanHardware(r);
  EXPECT_EQ(v.drives[1].bus, "virtio");
  EXPECT_FALSE(v.drives[1].as_cdrom);
  EXPECT_TRUE(v.drives[0].as_cdrom);
}

TEST(PlanHardwareTest, AhciDisksOnPcAreOnAnAddedAhciNotOnPiix) {
  VmHardware hw = PlanHardware(Installer(Machine("pc", "ahci", "ide")));
  EXPECT_EQ(ControllerOf(hw, hw.drives[0]).kind, "piix-ide");
  EXPECT_EQ(ControllerOf(hw, hw.drives[2]).kind, "ahci");
  EXPECT_EQ(ControllerOf(hw, hw.drives[2]).id, "ahci0");
  EXPECT_EQ(hw.drives[2].qemu_device, "ide-hd");
}

TEST(PlanHardwareTest, WithoutACdromBusTheMachineDecides) {
  EXPECT_EQ(EffectiveCdromBus(Machine("pc", "virtio", "")), "ide");
  EXPECT_EQ(EffectiveCdromBus(Machine("pc-i440fx-7.2", "virtio", "")), "ide");
  EXPECT_EQ(EffectiveCdromBus(Machine("q35", "virtio", "")), "sata");
  EXPECT_EQ(EffectiveCdromBus(Machine("pc-q35-7.2", "virtio", "")), "sata");
  EXPECT_EQ(EffectiveCdromBus(Machine("q35", "virtio", "scsi")), "scsi");
}

// The shipped profiles' CD-ROM buses: what each real hypervisor does (the
// profiles' comments cite the sources).
TEST(PlanHardwareTest, ShippedProfilesPutTheCdWhereTheirHypervisorDoes) {
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"qemu-kvm", {"sata", "ahci"}},
      {"hyperv", {"scsi", "virtio-scsi"}},
      {"vmware", {"ide", "piix-ide"}},
      {"vmware-efi", {"sata", "ahci"}}};
  for (const auto& [name, bus_kind] : want) {
    SCOPED_TRACE(name);
    VmHardware hw = PlanHardware(Installer(ShippedProfile(name)));
    EXPECT_EQ(hw.cdrom_bus, bus_kind.first);
    EXPECT_EQ(ControllerOf(hw, hw.drives[0]).kind, bus_kind.second);
  }
}

TEST(PlanHardwareTest, NicOnlyWithTheSshForward) {
  BootRequest r = Installer(Machine("q35", "virtio", "sata"));
  r.profile.nic_model = "vmxnet3";
  EXPECT_TRUE(PlanHardware(r).nic);
  EXPECT_EQ(PlanHardware(r).applied.at("nic_model"), "vmxnet3");
  r.ssh_host_port = 0;
  EXPECT_FALSE(PlanHardware(r).nic);
  EXPECT_EQ(PlanHardware(r).applied.at("nic_model"), "(no network)");
}

}  // namespace
}  // namespace bootgate
