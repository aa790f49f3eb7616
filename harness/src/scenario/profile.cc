#include "scenario/profile.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "util/error.h"
#include "util/fs.h"
#include "util/paths.h"

namespace bootgate {

using nlohmann::json;

namespace {
bool IsQ35Machine(const std::string& machine) {
  return machine == "q35" || machine.rfind("pc-q35", 0) == 0;
}
}  // namespace

std::string CdromBusConflict(const Profile& profile,
                             const std::string& cdrom_bus) {
  if (cdrom_bus == "ide" && IsQ35Machine(profile.machine))
    return "\"ide\" cannot be had on profile '" + profile.name +
           "': its machine '" + profile.machine +
           "' (q35) has no IDE controller; use \"sata\" (AHCI) or \"scsi\"";
  return "";
}

Profile ParseProfile(const std::string& text, const std::string& file) {
  json j;
  try {
    j = json::parse(text, nullptr, true, true);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for numbers such as 1e999.
    throw Error(file, std::string("malformed profile JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error(file, "a profile must be a JSON object");
  static const std::set<std::string> kKeys = {
      "$schema",  "name",          "description",     "machine",   "firmware",
      "disk_bus", "cdrom_bus",     "nic_model",       "cpu_model", "cpu_flags",
      "smbios",   "extra_devices", "machine_options", "hypervisor"};
  Profile p;
  p.file = file;
  auto str = [&](const char* key, std::string* out) {
    if (!j.contains(key)) return;
    if (!j[key].is_string())
      throw Error(file, std::string("/") + key + ": expected a string");
    *out = j[key].get<std::string>();
  };
  auto list = [&](const char* key, std::vector<std::string>* out) {
    if (!j.contains(key)) return;
    if (!j[key].is_array())
      throw Error(file, std::string("/") + key + ": expected an array of strings");
    for (const auto& v : j[key]) {
      if (!v.is_string())
        throw Error(file, std::string("/") + key + ": expected an array of strings");
      out->push_back(v.get<std::string>());
    }
  };
  for (const auto& [k, v] : j.items()) {
    if (!kKeys.count(k)) throw Error(file, "/" + k + ": unknown profile key '" + k + "'");
  }
  str("name", &p.name);
  str("description", &p.description);
  str("machine", &p.machine);
  str("firmware", &p.firmware);
  str("disk_bus", &p.disk_bus);
  str("cdrom_bus", &p.cdrom_bus);
  str("nic_model", &p.nic_model);
  str("cpu_model", &p.cpu_model);
  str("hypervisor", &p.hypervisor);
  list("cpu_flags", &p.cpu_flags);
  list("extra_devices", &p.extra_devices);
  list("machine_options", &p.machine_options);
  if (j.contains("smbios")) {
    if (!j["smbios"].is_object()) throw Error(file, "/smbios: expected an object");
    for (const auto& [k, v] : j["smbios"].items()) {
      if (!v.is_string()) throw Error(file, "/smbios/" + k + ": expected a string");
      p.smbios[k] = v.get<std::string>();
    }
  }
  if (p.name.empty()) p.name = fs::path(file).stem().string();
  if (p.firmware != "bios" && p.firmware != "uefi")
    throw Error(file, "/firmware: expected \"bios\" or \"uefi\", found '" + p.firmware + "'");
  static const std::set<std::string> kBuses = {"virtio", "virtio-scsi", "pvscsi",
                                              "ide", "nvme", "scsi", "ahci"};
  if (!kBuses.count(p.disk_bus))
    throw Error(file, "/disk_bus: unknown disk bus '" + p.disk_bus +
                          "'; expected virtio, virtio-scsi, pvscsi, ide, nvme, scsi or ahci");
  if (j.contains("cdrom_bus") && p.cdrom_bus != "ide" &&
      p.cdrom_bus != "sata" && p.cdrom_bus != "scsi")
    throw Error(file, "/cdrom_bus: unknown CD-ROM bus '" + p.cdrom_bus +
                          "'; expected ide, sata or scsi");
  if (IsQ35Machine(p.machine) && (p.cdrom_bus == "ide" || p.disk_bus == "ide"))
    throw Error(file,
                std::string(p.cdrom_bus == "ide" ? "/cdrom_bus" : "/disk_bus") +
                    ": \"ide\" on machine '" + p.machine +
                    "': q35 has no IDE controller; use \"sata\" (AHCI) or "
                    "machine \"pc\"");
  return p;
}

std::map<std::string, Profile> LoadProfiles(const std::string& dir) {
  std::map<std::string, Profile> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(dir, "profile directory does not exist; set BOOTGATE_PROFILES "
                     "or run from a bootgate checkout");
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    Profile p = ParseProfile(ReadFile(e.path()), e.path().string());
    out[p.name] = p;
  }
  return out;
}

std::string DefaultProfileDir(const std::string& scenario_file) {
  if (const char* env = getenv("BOOTGATE_PROFILES")) return env;
  // A scenario's own sibling "profiles" folder wins, so a user's scenario
  // folder can carry its own profiles.
  std::error_code ec;
  if (!scenario_file.empty()) {
    fs::path sib = fs::path(scenario_file).parent_path() / "profiles";
    if (fs::is_directory(sib, ec)) return sib.string();
  }
  // The data dir of this binary: its checkout, or the installed
  // share/bootgate (same layout: scenarios/profiles).
  if (DataDir d = CurrentDataDir(); !d.path.empty()) {
    fs::path c = fs::path(d.path) / "scenarios" / "profiles";
    if (fs::is_directory(c, ec)) return c.string();
  }
  fs::path cwd = fs::current_path() / "scenarios" / "profiles";
  if (fs::is_directory(cwd, ec)) return cwd.string();
#ifdef BOOTGATE_SOURCE_PROFILES
  // A build outside the source tree still finds the profiles it was built
  // with.
  if (fs::is_directory(BOOTGATE_SOURCE_PROFILES, ec)) return BOOTGATE_SOURCE_PROFILES;
#endif
  return cwd.string();
}

}  // namespace bootgate
