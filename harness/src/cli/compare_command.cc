#include <cstdio>

#include "cli/commands.h"
#include "history/compare.h"
#include "history/history.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {

int CompareMain(const CompareCommandOptions& o) {
  if (!fs::exists(o.db))
    throw Error(o.db,
                "no history database here yet; `bootgate run` creates it");
  History h(o.db);
  CompareOptions options;
  options.alpha = o.alpha;
  options.min_effect_pct = o.min_effect_pct;
  options.metrics = o.metrics;
  options.allow_mismatch = o.allow_mismatch;
  const CompareResult result = Compare(h, ParseSelector(o.baseline),
                                       ParseSelector(o.candidate), options);
  if (!result.refusal.empty()) {
    std::fprintf(
        stderr, "bootgate: error: baseline '%s' vs candidate '%s': %s\n",
        o.baseline.c_str(), o.candidate.c_str(), result.refusal.c_str());
  }
  if (o.format == "json") {
    std::printf("%s", RenderCompareJson(result).c_str());
  } else if (result.refusal.empty()) {
    std::printf("%s", FormatCompareTable(result).c_str());
  }
  return CompareExitCode(result);
}

}  // namespace bootgate
