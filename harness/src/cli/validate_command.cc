#include <cstdio>

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
      std::fprintf(stderr, "%s: error: cannot read the file: %s\n", f.c_str(),
                   e.what());
      ++bad;
      continue;
    }
    std::vector<ValidationIssue> issues;
    auto s = ParseScenario(text, f, &issues);
    if (s) {
      // Profiles are part of a valid scenario.
      try {
        auto profiles = LoadProfiles(DefaultProfileDir(s->file));
        for (const auto& p : s->profiles)
          if (!profiles.count(p))
            issues.push_back(
                {f, "/profiles",
                 "profile '" + p +
                     "' does not exist; `bootgate profiles` lists them."});
      } catch (const Error& e) {
        issues.push_back({f, "/profiles", e.what()});
      }
    }
    if (issues.empty()) {
      std::printf("%s: ok (%s)\n", f.c_str(), s->name.c_str());
    } else {
      ++bad;
      for (const auto& i : issues)
        std::fprintf(stderr, "%s\n", i.ToString().c_str());
    }
  }
  return bad ? 2 : 0;
}

}  // namespace bootgate
