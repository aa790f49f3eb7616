#include "metrics/explain/systemd_analyze.h"

#include <charconv>

#include "metrics/text_util.h"

namespace bootgate {
namespace {

// Seconds per systemd unit suffix (format_timespan's table).
std::optional<double> UnitSeconds(std::string_view unit) {
  static const std::pair<std::string_view, double> kUnits[] = {
      {"y", 31557600}, {"month", 2629800}, {"w", 604800}, {"d", 86400},
      {"h", 3600},     {"min", 60},        {"s", 1},      {"ms", 1e-3},
      {"us", 1e-6},    {"\xc2\xb5s", 1e-6}};
  for (const auto& [name, s] : kUnits)
    if (unit == name) return s;
  return std::nullopt;
}

bool IsNumberChar(char c) { return (c >= '0' && c <= '9') || c == '.'; }

}  // namespace

std::optional<double> ParseSystemdSpan(std::string_view text) {
  std::vector<std::string_view> words = SplitWords(text);
  if (words.empty()) return std::nullopt;
  double total = 0;
  for (std::string_view w : words) {
    size_t n = 0;
    while (n < w.size() && IsNumberChar(w[n])) ++n;
    double v = 0;
    if (n == 0 || !ParseNonNegative(w.substr(0, n), &v)) return std::nullopt;
    std::optional<double> unit = UnitSeconds(w.substr(n));
    if (!unit) return std::nullopt;
    total += v * *unit;
  }
  return total;
}

SystemdTime ParseSystemdAnalyzeTime(std::string_view text) {
  constexpr std::string_view kStart = "Startup finished in ";
  constexpr std::string_view kReached = " reached after ";
  SystemdTime t;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.rfind(kStart, 0) == 0) {
      std::string_view rest = line.substr(kStart.size());
      size_t eq = rest.rfind(" = ");
      std::map<std::string, double> parts;
      bool ok = eq != std::string_view::npos;
      if (ok) {
        if (auto total = ParseSystemdSpan(rest.substr(eq + 3))) {
          parts["total"] = *total;
        } else {
          ok = false;
        }
        rest = rest.substr(0, eq);
      }
      while (ok && !rest.empty()) {
        size_t plus = rest.find(" + ");
        std::string_view part = rest.substr(0, plus);
        rest = plus == std::string_view::npos ? std::string_view{}
                                              : rest.substr(plus + 3);
        size_t open = part.rfind(" (");
        if (open == std::string_view::npos || part.back() != ')') {
          ok = false;
          break;
        }
        std::string name(part.substr(open + 2, part.size() - open - 3));
        auto span = ParseSystemdSpan(part.substr(0, open));
        if (!span || name.empty()) {
          ok = false;
          break;
        }
        parts[name] = *span;
      }
      if (ok) t.phases_s = std::move(parts);
    } else if (size_t r = line.find(kReached);
               r != std::string_view::npos && r > 0) {
      std::string_view target = line.substr(0, r);
      if (target.find_first_of(" \t") == std::string_view::npos)
        t.target = std::string(target);
    }
  }
  if (t.phases_s.empty()) t.target.clear();
  return t;
}

std::vector<UnitTime> ParseSystemdBlame(std::string_view text) {
  std::vector<UnitTime> units;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    size_t space = line.find_last_of(" \t");
    if (space == std::string_view::npos) continue;
    auto span = ParseSystemdSpan(line.substr(0, space));
    std::string_view unit = line.substr(space + 1);
    if (!span || unit.empty()) continue;
    units.push_back({std::string(unit), *span});
  }
  return units;
}

std::vector<ChainLink> ParseCriticalChain(std::string_view text) {
  std::vector<ChainLink> chain;
  for (std::string_view line : SplitLines(text)) {
    // Strip the tree: spaces, "|" and the branch glyphs, UTF-8 ("\u2514\u2500",
    // "\u251c\u2500", "\u2502") or ASCII ("`-", "|-", "|"). A branch is
    // taken as a pair: the root slice is "-.slice", so "`--.slice" is "`-"
    // then the unit, not a run of dashes.
    size_t pos = 0;
    while (pos < line.size()) {
      if (line.compare(pos, 6, "\xe2\x94\x94\xe2\x94\x80") == 0 ||
          line.compare(pos, 6, "\xe2\x94\x9c\xe2\x94\x80") == 0) {
        pos += 6;
        break;  // the unit follows a branch
      } else if (line.compare(pos, 3, "\xe2\x94\x82") == 0) {
        pos += 3;
      } else if (line.compare(pos, 2, "`-") == 0 ||
                 line.compare(pos, 2, "|-") == 0) {
        pos += 2;
        break;
      } else if (line[pos] == ' ' || line[pos] == '|') {
        ++pos;
      } else {
        break;
      }
    }
    std::string_view rest = Trim(line.substr(pos));
    size_t at = rest.find(" @");
    if (at == std::string_view::npos || at == 0) continue;
    std::string_view unit = rest.substr(0, at);
    if (unit.find_first_of(" \t") != std::string_view::npos) continue;
    std::string_view times = rest.substr(at + 2);
    size_t plus = times.find(" +");
    auto at_s = ParseSystemdSpan(times.substr(0, plus));
    if (!at_s) continue;
    ChainLink link{std::string(unit), *at_s, std::nullopt};
    if (plus != std::string_view::npos) {
      auto took = ParseSystemdSpan(times.substr(plus + 2));
      if (!took) continue;
      link.took_s = *took;
    }
    chain.push_back(std::move(link));
  }
  return chain;
}

}  // namespace bootgate
