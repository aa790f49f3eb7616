// Hardware profiles: data files in scenarios/profiles/ that say what virtual
// hardware a run gets (machine, firmware, disk and NIC models, SMBIOS...).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bootgate {

struct Profile {
  std::string name;
  std::string file;
  std::string description;
  std::string machine = "q35";
  std::string firmware = "bios";  ///< "bios" | "uefi"
  std::string disk_bus = "virtio";  ///< "virtio" | "virtio-scsi" | "pvscsi" | "ide" | "nvme" | "scsi"
  /// Where the VM's CD-ROMs (installer, ISO, kickstart volume; not a NoCloud
  /// seed, which follows disk_bus) sit: "ide" (i440fx's PIIX IDE), "sata"
  /// (AHCI: q35's own, or one added on pc), "scsi" (the disks' SCSI
  /// controller, else virtio-scsi). Empty: the machine's default (ide on pc,
  /// sata on q35), what QEMU and libvirt do without being told.
  std::string cdrom_bus;
  std::string nic_model = "virtio-net-pci";
  std::string cpu_model;  ///< empty = QEMU default ("max" under TCG)
  std::vector<std::string> cpu_flags;  ///< e.g. "hv-relaxed"; need KVM when hv-*
  std::map<std::string, std::string> smbios;  ///< "manufacturer", "product", ...
  std::vector<std::string> extra_devices;  ///< "-device" values
  std::vector<std::string> machine_options;  ///< e.g. "vmport=on"
  std::string hypervisor;  ///< platform it imitates: "kvm" | "hyperv" | "vmware"
};

/// Why a scenario's `vm.cdrom_bus` cannot be had on `profile`'s machine
/// ("ide" on q35, which has no IDE controller), or "" when it can ("profile"
/// always can: profiles are checked when loaded).
std::string CdromBusConflict(const Profile& profile,
                             const std::string& cdrom_bus);

/// Reads every `*.json` profile under `dir`; throws Error naming the file.
std::map<std::string, Profile> LoadProfiles(const std::string& dir);
/// Parses one profile file's JSON text.
Profile ParseProfile(const std::string& text, const std::string& file);
/// The profile directory: $BOOTGATE_PROFILES, else the scenario's sibling
/// profiles/, else scenarios/profiles of the data dir (CurrentDataDir(): the
/// checkout or the installed share/bootgate), of the current directory, or
/// of the source tree this binary was built from.
std::string DefaultProfileDir(const std::string& scenario_file);

}  // namespace bootgate
