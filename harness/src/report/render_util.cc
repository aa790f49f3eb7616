#include "report/render_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "util/escape.h"

namespace bootgate::report_internal {

std::string MarkdownCell(const std::string& text) {
  std::string out;
  for (char c : SanitizeXmlText(text)) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '<' || c == '>') {
      out += c == '<' ? "&lt;" : "&gt;";
    } else if (c != '\r') {
      out += c == '\n' ? ' ' : c;
    }
  }
  return out;
}

std::string FormatNumber(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string MetricUnit(const std::string& metric) {
  auto ends = [&](std::string_view suffix) {
    return metric.size() > suffix.size() &&
           metric.compare(metric.size() - suffix.size(), suffix.size(),
                          suffix) == 0;
  };
  if (ends("_s")) return "s";
  if (ends("_ms")) return "ms";
  if (ends("_mib")) return "MiB";
  if (ends("_kib")) return "KiB";
  if (ends("_gib")) return "GiB";
  if (ends("_bytes")) return "B";
  if (ends("_pct")) return "%";
  return "";
}

std::string FormatMetric(const std::string& metric, double value) {
  std::string unit = MetricUnit(metric);
  std::string number = FormatNumber(value, unit == "s" ? 2 : 1);
  if (unit.empty()) return number;
  if (unit == "%") return number + "%";
  return number + " " + unit;
}

std::optional<double> ParseRfc3339(const std::string& text) {
  int year, month, day, hour, minute;
  double second;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &year, &month,
                  &day, &hour, &minute, &second, &consumed) != 6) {
    return std::nullopt;
  }
  std::string zone = text.substr(static_cast<size_t>(consumed));
  double offset_s = 0;
  if (zone == "Z" || zone == "z") {
    offset_s = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
             zone[3] == ':') {
    int zh = 0, zm = 0;
    if (std::sscanf(zone.c_str() + 1, "%2d:%2d", &zh, &zm) != 2) {
      return std::nullopt;
    }
    offset_s = (zh * 3600 + zm * 60) * (zone[0] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second < 0 || second >= 61) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = 0;
  time_t t = timegm(&tm);
  return static_cast<double>(t) + second - offset_s;
}

std::vector<const RunResult*> RunGroup::WithRole(RunRole role) const {
  std::vector<const RunResult*> out;
  for (const RunResult* r : runs) {
    if (r->role == role) out.push_back(r);
  }
  return out;
}

std::vector<const RunResult*> RunGroup::SupersededBy(
    const RunResult& run) const {
  std::vector<const RunResult*> out;
  for (const RunResult* r : runs) {
    if (r->role == RunRole::kSuperseded && r->iteration == run.iteration &&
        r->warmup == run.warmup && r->attempt < run.attempt) {
      out.push_back(r);
    }
  }
  return out;
}

std::string RunGroup::Accelerator() const {
  if (aggregate != nullptr && !aggregate->accelerator.empty()) {
    return aggregate->accelerator;
  }
  return runs.empty() ? "" : runs.back()->accelerator;
}

std::string RunGroup::Backend() const {
  if (aggregate != nullptr && !aggregate->backend.empty()) {
    return aggregate->backend;
  }
  return runs.empty() ? "" : runs.back()->backend;
}

Verdict RunGroup::GroupVerdict() const {
  return aggregate != nullptr ? aggregate->verdict : Verdict::kError;
}

std::vector<BudgetResult> RunGroup::Budgets() const {
  return aggregate != nullptr ? aggregate->budgets
                              : std::vector<BudgetResult>{};
}

const AggregateResult* AggregateOf(const SuiteResult& suite,
                                   const RunResult& run) {
  for (const AggregateResult& a : suite.aggregates) {
    if (a.scenario == run.scenario && a.profile == run.profile) return &a;
  }
  return nullptr;
}

double JudgedStatistic(const Stats& stats, const std::string& judge) {
  if (judge == "p95") return stats.p95;
  if (judge == "max") return stats.max;
  if (judge == "mean") return stats.mean;
  if (judge == "min") return stats.min;
  return stats.median;
}

std::vector<std::string> RunGroup::Warnings() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& w) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  };
  if (aggregate != nullptr) {
    for (const std::string& w : aggregate->warnings) add(w);
  }
  for (const RunResult* r : WithRole(RunRole::kCounted)) {
    for (const std::string& w : r->warnings) add(w);
  }
  return out;
}

std::vector<RunGroup> GroupRuns(const SuiteResult& suite) {
  std::vector<RunGroup> groups;
  auto find = [&](const std::string& scenario,
                  const std::string& profile) -> RunGroup& {
    for (RunGroup& g : groups) {
      if (g.scenario == scenario && g.profile == profile) return g;
    }
    groups.push_back(RunGroup{scenario, profile, nullptr, {}});
    return groups.back();
  };
  for (const RunResult& r : suite.runs)
    find(r.scenario, r.profile).runs.push_back(&r);
  for (const AggregateResult& a : suite.aggregates) {
    find(a.scenario, a.profile).aggregate = &a;
  }
  return groups;
}

std::string UpperVerdict(Verdict v) {
  std::string s = ToString(v);
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string ExplainSummary(const RunResult& run, const std::string& metric,
                           int top_n) {
  if (!run.explain) return "";
  const Explanation& ex = *run.explain;
  auto list = [&](const std::string& title, const auto& items, auto name,
                  auto value, const char* unit) {
    std::string out;
    int n = 0;
    for (const auto& item : items) {
      if (n++ == top_n) break;
      out += (out.empty() ? title + ": " : std::string(", ")) + name(item) +
             " " + FormatNumber(value(item), 2) + " " + unit;
    }
    return out;
  };
  std::vector<std::string> parts;
  auto add = [&](std::string part) {
    if (!part.empty()) parts.push_back(std::move(part));
  };
  if (metric == "boot_s" && ex.boot) {
    add(list(
        "slowest units", ex.boot->units,
        [](const UnitTime& u) { return u.unit; },
        [](const UnitTime& u) { return u.s; }, "s"));
    std::string chain;
    for (const ChainLink& c : ex.boot->critical_chain) {
      if (!c.took_s) continue;
      chain += (chain.empty() ? "critical chain: " : ", ") + c.unit + " +" +
               FormatNumber(*c.took_s, 2) + " s";
    }
    add(chain);
  } else if (metric == "ram_mib" && ex.ram) {
    add(list(
        "largest processes (" + ex.ram->measure + ")", ex.ram->processes,
        [](const ProcessMemory& p) { return p.name; },
        [](const ProcessMemory& p) { return p.pss_mib; }, "MiB"));
    std::vector<std::pair<std::string, double>> kernel(
        ex.ram->kernel_mib.begin(), ex.ram->kernel_mib.end());
    std::erase_if(kernel, [](const auto& k) {
      return k.first == "slab" || k.first == "page_cache";
    });
    std::sort(kernel.begin(), kernel.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    add(list(
        "kernel", kernel, [](const auto& k) { return k.first; },
        [](const auto& k) { return k.second; }, "MiB"));
    add("unexplained " + FormatNumber(ex.ram->unexplained_mib, 1) + " MiB of " +
        FormatNumber(ex.ram->used_mib, 1) + " MiB" +
        (ex.ram->within_tolerance ? "" : " (beyond the tolerance)"));
  } else if (metric == "disk_mib" && ex.disk) {
    add(list(
        "largest directories", ex.disk->paths,
        [](const SizedItem& p) { return p.name; },
        [](const SizedItem& p) { return p.mib; }, "MiB"));
    add(list(
        "largest packages", ex.disk->packages,
        [](const SizedItem& p) { return p.name; },
        [](const SizedItem& p) { return p.mib; }, "MiB"));
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

const RunResult* ExplainedRun(const RunGroup& group) {
  const RunResult* found = nullptr;
  for (const RunResult* r : group.WithRole(RunRole::kCounted))
    if (r->explain) found = r;
  return found;
}

bool IsRelativeFileLink(std::string_view path) {
  if (path.empty() || path[0] == '/' || path[0] == '#' || path[0] == '?')
    return false;
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '"' || c == '\'' ||
        c == '<' || c == '>')
      return false;
  // A colon before the first slash is a scheme ("javascript:", "data:",
  // "https:"), or a Windows drive.
  size_t colon = path.find(':');
  return colon == std::string_view::npos || colon > path.find('/');
}

std::string MarkdownFence(const std::vector<std::string>& lines) {
  size_t longest = 0;
  for (const auto& line : lines) {
    size_t run = 0;
    for (char c : line) {
      run = c == '`' ? run + 1 : 0;
      longest = std::max(longest, run);
    }
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

}  // namespace bootgate::report_internal
