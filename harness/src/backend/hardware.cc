#include "backend/hardware.h"

#include "util/error.h"

namespace bootgate {
namespace {

bool IsQ35(const std::string& machine) {
  return machine == "q35" || machine.rfind("pc-q35", 0) == 0;
}

bool IsScsiDiskBus(const std::string& bus) {
  return bus == "virtio-scsi" || bus == "pvscsi" || bus == "scsi";
}

// The SCSI controller of a disk_bus value (or of CDs alone: virtio-scsi).
StorageController ScsiController(const std::string& disk_bus) {
  StorageController c;
  c.id = "scsi0";
  c.libvirt_type = "scsi";
  if (disk_bus == "pvscsi") {
    c.kind = "pvscsi";
    c.qemu_device = "pvscsi";
    c.libvirt_model = "vmpvscsi";
  } else if (disk_bus == "scsi") {
    c.kind = "lsi";
    c.qemu_device = "lsi53c895a";
    c.libvirt_model = "lsilogic";
  } else {
    c.kind = "virtio-scsi";
    c.qemu_device = "virtio-scsi-pci";
    c.libvirt_model = "virtio-scsi";
  }
  return c;
}

// Hands out controllers and their slots in drive order.
class Planner {
 public:
  Planner(const BootRequest& req, VmHardware* hw) : req_(req), hw_(hw) {}

  std::string Where() const {
    return req_.profile.file.empty() ? "profile '" + req_.profile.name + "'"
                                     : req_.profile.file;
  }

  // The controller for bus "ide" | "sata" | "scsi", added on first use.
  int Controller(const std::string& bus) {
    auto it = by_bus_.find(bus);
    if (it != by_bus_.end()) return it->second;
    StorageController c;
    if (bus == "ide") {
      if (hw_->q35)
        throw Error(
            Where(),
            "IDE on machine '" + hw_->machine +
                "': q35 has no IDE controller (its CD-ROMs and disks sit on "
                "AHCI); use cdrom_bus \"sata\" or \"scsi\", or machine \"pc\"");
      c.kind = "piix-ide";
      c.id = "ide";
      c.builtin = true;
      c.libvirt_type = "ide";
    } else if (bus == "sata") {
      c.kind = "ahci";
      c.libvirt_type = "sata";
      if (hw_->q35) {
        // ICH9's AHCI: QEMU names its ports ide.0..ide.5.
        c.id = "ide";
        c.builtin = true;
      } else {
        c.id = "ahci0";
        c.qemu_device = "ahci";
      }
    } else {
      c = ScsiController(IsScsiDiskBus(hw_->disk_bus) ? hw_->disk_bus
                                                      : "virtio-scsi");
    }
    hw_->controllers.push_back(c);
    return by_bus_[bus] = static_cast<int>(hw_->controllers.size()) - 1;
  }

  // The next free slot on a controller; throws when it is full.
  void Place(const std::string& bus, DrivePlacement* p) {
    p->bus = bus;
    p->controller = Controller(bus);
    int n = used_[bus]++;
    const StorageController& c = hw_->controllers[p->controller];
    int capacity = bus == "ide"      ? 4
                   : bus == "sata"   ? 6
                   : c.kind == "lsi" ? 7
                                     : 64;
    if (n >= capacity)
      throw Error(Where(), "more drives on " + bus + " than the " + c.kind +
                               " controller has slots (" +
                               std::to_string(capacity) + ")");
    if (bus == "ide") {
      p->bus_index = n / 2;
      p->unit = n % 2;
    } else {
      p->unit =
          n;  // sata: port; scsi: target, LUN 0 (pvscsi accepts LUN 0 only)
    }
  }

 private:
  const BootRequest& req_;
  VmHardware* hw_;
  std::map<std::string, int> by_bus_;
  std::map<std::string, int> used_;
};

}  // namespace

std::string EffectiveCdromBus(const Profile& p) {
  if (!p.cdrom_bus.empty()) return p.cdrom_bus;
  return IsQ35(p.machine.empty() ? "q35" : p.machine) ? "sata" : "ide";
}

VmHardware PlanHardware(const BootRequest& req) {
  const Profile& p = req.profile;
  VmHardware hw;
  hw.machine = p.machine.empty() ? "q35" : p.machine;
  hw.q35 = IsQ35(hw.machine);
  hw.firmware = p.firmware == "uefi" ? "uefi" : "bios";
  hw.disk_bus = p.disk_bus;
  hw.cdrom_bus = EffectiveCdromBus(p);
  Planner planner(req, &hw);
  if (hw.cdrom_bus != "ide" && hw.cdrom_bus != "sata" && hw.cdrom_bus != "scsi")
    throw Error(planner.Where(),
                "cdrom_bus '" + hw.cdrom_bus + "': expected ide, sata or scsi");

  std::map<std::string, int> names;  // target name prefix -> next letter
  int n = 0;
  for (const Drive& d : req.drives) {
    DrivePlacement pl;
    pl.drive = d;
    pl.id = "drive" + std::to_string(n++);
    pl.boot_index = d.boot_index;
    bool on_cd_bus = d.cdrom && d.role != "seed";
    if (on_cd_bus) {
      planner.Place(hw.cdrom_bus, &pl);
    } else if (IsScsiDiskBus(p.disk_bus)) {
      planner.Place("scsi", &pl);
    } else if (p.disk_bus == "ide") {
      planner.Place("ide", &pl);
    } else if (p.disk_bus == "ahci") {
      planner.Place("sata", &pl);
    } else if (p.disk_bus == "nvme") {
      pl.bus = "nvme";
    } else {
      pl.bus = "virtio";
    }
    pl.as_cdrom =
        d.cdrom && (pl.bus == "ide" || pl.bus == "sata" || pl.bus == "scsi");
    if (pl.bus == "ide" || pl.bus == "sata")
      pl.qemu_device = d.cdrom ? "ide-cd" : "ide-hd";
    else if (pl.bus == "scsi")
      pl.qemu_device = d.cdrom ? "scsi-cd" : "scsi-hd";
    else if (pl.bus == "nvme")
      pl.qemu_device = "nvme";
    else
      pl.qemu_device = "virtio-blk-pci";
    // libvirt's names: IDE hdX from channel and unit (hda, hdb, hdc, hdd);
    // SATA and SCSI share sdX; virtio vdX. The explicit <address> is what
    // places the drive; the name only has to be unique and of its bus.
    std::string prefix = pl.bus == "virtio" ? "vd"
                         : pl.bus == "ide"  ? "hd"
                         : pl.bus == "nvme" ? "nvme"
                                            : "sd";
    int letter = pl.bus == "ide" ? pl.bus_index * 2 + pl.unit : names[prefix]++;
    pl.target_dev = prefix + std::string(1, static_cast<char>('a' + letter));
    hw.drives.push_back(pl);
  }

  hw.nic = req.ssh_host_port > 0;
  hw.nic_model = p.nic_model;
  hw.applied["machine"] = hw.machine;
  hw.applied["firmware"] = hw.firmware;
  hw.applied["disk_bus"] = hw.disk_bus;
  hw.applied["cdrom_bus"] = hw.cdrom_bus;
  hw.applied["nic_model"] = hw.nic ? hw.nic_model : "(no network)";
  return hw;
}

}  // namespace bootgate
