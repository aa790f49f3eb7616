#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "scenario/profile.h"
#include "scenario/scenario.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/paths.h"

namespace bootgate {

int ValidateMain(const std::vector<std::string>& files) {
  int bad = 0;
  for (const auto& f : files) {
    std::string text;
    try {
      text = ReadFile(f);
    } catch (const Error& e) {
      std::fprintf(stderr, "%s: error: cannot read the file: %s\n",
                   Safe(f).c_str(), Safe(e.what()).c_str());
      ++bad;
      continue;
    }
    std::vector<ValidationIssue> issues;
    auto s = ParseScenario(text, f, &issues);
    if (s) {
      // Profiles are part of a valid scenario.
      try {
        auto profiles = LoadProfiles(DefaultProfileDir(s->file));
        for (const auto& p : s->profiles) {
          if (!profiles.count(p))
            issues.push_back(
                {f, "/profiles",
                 "profile '" + p +
                     "' does not exist; `bootgate profiles` lists them."});
          else if (std::string why =
                       CdromBusConflict(profiles.at(p), s->vm.cdrom_bus);
                   !why.empty())
            issues.push_back({f, "/vm/cdrom_bus", why});
        }
      } catch (const Error& e) {
        issues.push_back({f, "/profiles", e.what()});
      }
    }
    if (issues.empty()) {
      std::printf("%s: ok (%s)\n", Safe(f).c_str(), Safe(s->name).c_str());
    } else {
      ++bad;
      for (const auto& i : issues)
        std::fprintf(stderr, "%s\n", Safe(i.ToString()).c_str());
    }
  }
  return bad ? 2 : 0;
}

}  // namespace bootgate
