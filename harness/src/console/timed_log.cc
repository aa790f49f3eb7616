#include "console/timed_log.h"

#include <cstdlib>

#include "console/console.h"
#include "util/error.h"

namespace bootgate {

std::vector<ConsoleLine> ParseTimedLog(const std::string& text,
                                       const std::string& file) {
  std::vector<ConsoleLine> out;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    size_t close = line.find("] ");
    char* num_end = nullptr;
    double t = line.size() > 1 ? std::strtod(line.c_str() + 1, &num_end) : 0;
    if (line.empty() || line[0] != '[' || close == std::string::npos ||
        num_end != line.c_str() + close)
      throw Error(file + ":" + std::to_string(line_no),
                  "not a timed console line (expected \"[   seconds] text\")");
    out.push_back({t, line.substr(close + 2)});
  }
  return out;
}

std::vector<Milestone> FindMilestones(const std::vector<ConsoleLine>& lines,
                                      const std::vector<PhaseMarker>& markers) {
  std::vector<Pattern> patterns;
  for (const auto& m : markers) patterns.push_back(Pattern::Compile(m.phase, m.regex));
  std::vector<bool> seen(patterns.size(), false);
  std::vector<Milestone> out;
  for (const auto& line : lines) {
    for (size_t i = 0; i < patterns.size(); ++i) {
      if (!seen[i] && MatchesLine(patterns[i], line.text)) {
        seen[i] = true;
        out.push_back({patterns[i].name, line.t_s, line.text.substr(0, 200)});
      }
    }
  }
  return out;
}

}  // namespace bootgate
