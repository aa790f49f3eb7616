#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "scenario/profile.h"
#include "util/paths.h"

namespace bootgate {

int ProfilesMain(const std::string& dir_in) {
  std::string dir = dir_in.empty() ? DefaultProfileDir("") : dir_in;
  auto profiles = LoadProfiles(dir);
  std::printf("%-12s %-8s %-6s %-12s %-6s %-16s %s\n", "profile", "machine",
              "fw", "disk", "cdrom", "nic", "smbios / description");
  for (const auto& [name, p] : profiles) {
    std::string vendor =
        p.smbios.count("manufacturer") ? p.smbios.at("manufacturer") : "";
    std::printf("%-12s %-8s %-6s %-12s %-6s %-16s %s%s%s\n",
                Safe(name).c_str(), Safe(p.machine).c_str(),
                Safe(p.firmware).c_str(), Safe(p.disk_bus).c_str(),
                p.cdrom_bus.empty() ? "default" : Safe(p.cdrom_bus).c_str(),
                Safe(p.nic_model).c_str(), Safe(vendor).c_str(),
                vendor.empty() ? "" : " - ", Safe(p.description).c_str());
  }
  std::printf("(%zu profiles in %s)\n", profiles.size(), Safe(dir).c_str());
  return 0;
}

}  // namespace bootgate
