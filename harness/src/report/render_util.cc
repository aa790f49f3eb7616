#include "report/render_util.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace bootgate::report_internal {
namespace {

bool IsXmlChar(uint32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp == 0xFFFE || cp == 0xFFFF) return false;
  return cp <= 0x10FFFF;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 if the
// bytes there are not valid UTF-8 (overlong forms included).
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = b(i);
  size_t len;
  uint32_t value;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    value = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    value = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    value = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMin[len]) return 0;
  *cp = value;
  return len;
}

}  // namespace

std::string SanitizeXmlText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) {
      AppendUtf8(out, 0xFFFD);
      ++i;
      continue;
    }
    if (IsXmlChar(cp)) out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string clean = SanitizeXmlText(text);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string XmlAttrEscape(std::string_view text) {
  std::string escaped = XmlEscape(text);
  std::string out;
  out.reserve(escaped.size());
  for (char c : escaped) {
    switch (c) {
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default: out += c;
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

std::vector<const RunResult*> RunGroup::Counted() const {
  std::vector<const RunResult*> out;
  for (const RunResult* r : runs) {
    if (!r->warmup) out.push_back(r);
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
  if (aggregate != nullptr) return aggregate->verdict;
  std::vector<Verdict> verdicts;
  for (const RunResult* r : Counted()) verdicts.push_back(r->verdict);
  return CombineVerdicts(verdicts);
}

std::vector<BudgetResult> RunGroup::Budgets() const {
  if (aggregate != nullptr && !aggregate->budgets.empty()) {
    return aggregate->budgets;
  }
  auto counted = Counted();
  return counted.empty() ? std::vector<BudgetResult>{}
                         : counted.back()->budgets;
}

const AggregateResult* AggregateOf(const SuiteResult& suite,
                                   const RunResult& run) {
  for (const AggregateResult& a : suite.aggregates) {
    if (a.scenario == run.scenario && a.profile == run.profile) return &a;
  }
  return nullptr;
}

Verdict ReportedRunVerdict(const RunResult& run, const AggregateResult* group) {
  if (group != nullptr && FailedOnlyOnOwnBudgets(run)) return Verdict::kPass;
  return run.verdict;
}

std::string RunNote(const RunResult& run, const AggregateResult* group) {
  if (group == nullptr || !FailedOnlyOnOwnBudgets(run)) return "";
  std::string over;
  for (const BudgetResult& b : run.budgets) {
    if (b.verdict != Verdict::kFail) continue;
    over += (over.empty() ? "" : ", ") + b.metric + " " +
            FormatNumber(b.value, 3) + " over its own budget " +
            FormatNumber(b.limit, 3);
  }
  return over + " in this run; the group is judged on its " + group->judge;
}

double JudgedStatistic(const Stats& stats, const std::string& judge) {
  if (judge == "p95") return stats.p95;
  if (judge == "max") return stats.max;
  if (judge == "mean") return stats.mean;
  if (judge == "min") return stats.min;
  return stats.median;
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
  for (const RunResult& r : suite.runs) find(r.scenario, r.profile).runs.push_back(&r);
  for (const AggregateResult& a : suite.aggregates) {
    find(a.scenario, a.profile).aggregate = &a;
  }
  return groups;
}

std::string UpperVerdict(Verdict v) {
  std::string s = ToString(v);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace bootgate::report_internal
