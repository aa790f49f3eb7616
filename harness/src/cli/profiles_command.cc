#include <cstdio>

#include "cli/commands.h"
#include "scenario/profile.h"
#include "util/paths.h"

namespace bootgate {

int ProfilesMain(const std::string& dir_in) {
  std::string dir = dir_in.empty() ? DefaultProfileDir("") : dir_in;
  auto profiles = LoadProfiles(dir);
  std::printf("%-12s %-8s %-6s %-12s %-16s %s\n", "profile", "machine", "fw",
              "disk", "nic", "smbios / description");
  for (const auto& [name, p] : profiles) {
    std::string vendor =
        p.smbios.count("manufacturer") ? p.smbios.at("manufacturer") : "";
    std::printf("%-12s %-8s %-6s %-12s %-16s %s%s%s\n", name.c_str(),
                p.machine.c_str(), p.firmware.c_str(), p.disk_bus.c_str(),
                p.nic_model.c_str(), vendor.c_str(),
                vendor.empty() ? "" : " - ", p.description.c_str());
  }
  std::printf("(%zu profiles in %s)\n", profiles.size(), dir.c_str());
  return 0;
}

}  // namespace bootgate
