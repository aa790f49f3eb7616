#include "metrics/meminfo.h"

#include <charconv>
#include <map>
#include <string>

#include "metrics/text_util.h"
#include "util/error.h"

namespace bootgate {

Meminfo ParseMeminfo(std::string_view text) {
  const std::string context = "/proc/meminfo";
  std::map<std::string, double, std::less<>> kib;
  for (std::string_view line : SplitLines(text)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view key = line.substr(0, colon);
    if (key.find_first_of(" \t") != std::string_view::npos) continue;
    std::vector<std::string_view> fields = SplitWords(line.substr(colon + 1));
    if (fields.empty()) continue;
    double value = 0;
    if (!ParseNonNegative(fields[0], &value)) {
      throw Error(context, "the value of " + std::string(key) + " ('" +
                               std::string(fields[0]) + "') is not a number");
    }
    kib.emplace(std::string(key), value);  // first occurrence wins
  }
  auto field = [&](const char* name, bool required) {
    auto it = kib.find(name);
    if (it == kib.end()) {
      if (required) {
        throw Error(context, std::string("no ") + name +
                                 " line (is this /proc/meminfo of Linux 3.14 "
                                 "or later?)");
      }
      return 0.0;
    }
    return it->second / 1024.0;
  };
  Meminfo m;
  m.total_mib = field("MemTotal", true);
  m.available_mib = field("MemAvailable", true);
  m.free_mib = field("MemFree", false);
  m.buffers_mib = field("Buffers", false);
  m.cached_mib = field("Cached", false);
  if (m.total_mib <= 0) throw Error(context, "MemTotal is 0");
  return m;
}

}  // namespace bootgate
