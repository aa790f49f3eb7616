// Stage 2 (boot): the VM's virtual hardware, decided once. PlanHardware
// turns a BootRequest (its profile, the scenario's CD-ROM bus, the drives)
// into a VmHardware: machine, firmware, every storage controller, and for
// every drive its controller, slot, device model, target name and boot index,
// and the NIC. Both backends render this value (QEMU's argv in
// qemu/qemu_command.cc, libvirt's domain XML in libvirt/domain_xml.cc) and
// decide nothing about buses themselves, so the two cannot place a drive
// differently.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace bootgate {

/// A storage controller of the VM.
struct StorageController {
  /// "piix-ide" (i440fx's IDE, 2 buses x 2 units), "ahci" (6 ports, one unit
  /// each), "virtio-scsi", "pvscsi", "lsi" (LSI 53C895A).
  std::string kind;
  /// QEMU id: the bus prefix of its devices ("ide" for the chipset's own
  /// controllers, whose buses QEMU names ide.0, ide.1...; "ahci0", "scsi0").
  std::string id;
  /// Part of the machine (pc's PIIX IDE, q35's ICH9 AHCI): nothing to add.
  bool builtin = false;
  std::string
      qemu_device;  ///< -device model when not builtin: "ahci", "pvscsi"...
  std::string libvirt_type;  ///< <controller type=...>: "ide" | "sata" | "scsi"
  std::string
      libvirt_model;  ///< <controller model=...>: "vmpvscsi"...; "" for none
  int libvirt_index = 0;  ///< <controller index=...> (per type)
};

/// Where one drive of the request sits and as what device.
struct DrivePlacement {
  Drive drive;      ///< the request's drive, unchanged
  std::string id;   ///< QEMU drive id: "drive0", "drive1"...
  std::string bus;  ///< "ide" | "sata" | "scsi" | "virtio" | "nvme"
  int controller =
      -1;  ///< index into VmHardware::controllers; -1: own PCI device
  int bus_index = 0;  ///< ide: channel (0 primary, 1 secondary); else 0
  int unit = 0;  ///< ide: 0 master / 1 slave; sata: port; scsi: target (LUN 0)
  std::string qemu_device;  ///< "ide-cd" | "ide-hd" | "scsi-cd" | "scsi-hd" |
                            ///< "virtio-blk-pci" | "nvme"
  /// The guest sees a CD-ROM (ATAPI or SCSI CD); a CD image on virtio or
  /// NVMe is a read-only disk, as neither bus has CD-ROMs.
  bool as_cdrom = false;
  std::string target_dev;  ///< libvirt <target dev>: "hda", "sda", "vda"...
  int boot_index = -1;     ///< -1: not a boot device
};

struct VmHardware {
  std::string machine;  ///< "q35", "pc", "pc-i440fx-7.2"...
  bool q35 = true;  ///< the q35 chipset (ICH9 AHCI, PCIe root) vs i440fx (PIIX
                    ///< IDE, PCI)
  std::string firmware;  ///< "bios" | "uefi"
  std::string disk_bus;  ///< the profile's disk_bus, applied
  std::string
      cdrom_bus;  ///< "ide" | "sata" | "scsi": where CD-ROMs (but a seed) sit
  std::vector<StorageController> controllers;
  std::vector<DrivePlacement> drives;  ///< in the request's order
  bool nic = false;       ///< a NIC (user networking with the SSH forward)
  std::string nic_model;  ///< -device model, e.g. "virtio-net-pci"
  /// Field -> what is applied: machine, firmware, disk_bus, cdrom_bus,
  /// nic_model.
  std::map<std::string, std::string> applied;
};

/// The effective CD-ROM bus of a profile: its `cdrom_bus`, or when it names
/// none the chipset's own default (QEMU and libvirt: "ide" on pc/i440fx,
/// "sata" on q35).
std::string EffectiveCdromBus(const Profile& profile);

/// Decides the whole storage and NIC layout. Pure. Rules:
///  - disks (and a NoCloud "seed" drive, CD or not) go on the profile's
///    disk_bus, so that a kernel with only that driver still sees its seed;
///  - every other CD-ROM (system ISO, installer, kickstart volume) goes on
///    the CD-ROM bus: request.profile.cdrom_bus, else the chipset default;
///  - "ide" is i440fx's PIIX IDE (q35 has none: an Error); "sata" is q35's
///    built-in ICH9 AHCI, or on pc an added AHCI controller (`ahci0`);
///    "scsi" shares the disks' SCSI controller, else adds virtio-scsi.
/// Throws Error naming the profile when a bus does not exist on the machine
/// or a controller runs out of slots.
VmHardware PlanHardware(const BootRequest& request);

}  // namespace bootgate
