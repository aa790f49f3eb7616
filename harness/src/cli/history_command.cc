#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "history/history.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {

int HistoryMain(const std::string& db, const std::string& selector, int limit,
                const std::string& format) {
  if (!fs::exists(db))
    throw Error(db, "no history database here yet; `bootgate run` creates it");
  History h(db);
  auto runs = h.QueryRuns(ParseSelector(selector));
  size_t from =
      runs.size() > static_cast<size_t>(limit) ? runs.size() - limit : 0;
  if (format == "json") {
    std::printf("%s", RenderHistoryJson(
                          {runs.begin() + static_cast<std::ptrdiff_t>(from),
                           runs.end()})
                          .c_str());
    return 0;
  }
  std::printf("%-20s %-24s %-22s %-10s %-5s %-4s %-12s %-9s %-9s %-9s %s\n",
              "started", "run id", "scenario", "profile", "accel", "it",
              "verdict", "boot_s", "ram_mib", "disk_mib", "build");
  for (size_t i = from; i < runs.size(); ++i) {
    const auto& r = runs[i];
    auto m = [&](const char* k) {
      return r.metrics.count(k) ? Fmt(r.metrics.at(k)) : std::string("-");
    };
    std::printf("%-20s %-24s %-22s %-10s %-5s %-4d %-12s %-9s %-9s %-9s %s\n",
                r.started_at.substr(0, 19).c_str(), r.suite_id.c_str(),
                r.scenario.c_str(), r.profile.c_str(), r.accelerator.c_str(),
                r.iteration, r.verdict.c_str(), m("boot_s").c_str(),
                m("ram_mib").c_str(), m("disk_mib").c_str(),
                r.build_id.c_str());
  }
  std::printf("(%zu of %zu runs)\n", runs.size() - from, runs.size());
  return 0;
}

}  // namespace bootgate
