#include "cli/cli_util.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>

#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/markdown_report.h"
#include "util/fs.h"
#include "util/sanitize.h"

namespace bootgate {

std::string NewRunId(const Clock& clock) {
  std::string t = clock.WallTimeRfc3339();  // 2026-11-30T01:02:03.456Z
  std::string id;
  for (char c : t.substr(0, 19))
    if (c != '-' && c != ':') id += c == 'T' ? '-' : c;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "-%04x",
                static_cast<unsigned>(getpid()) & 0xffff);
  return id + suffix;
}

std::string Fmt(double v, int prec) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

std::string Upper(Verdict v) {
  std::string s = ToString(v);
  for (auto& c : s) c = static_cast<char>(toupper(c));
  return s;
}

std::string Safe(std::string_view text) { return SanitizeForTerminal(text); }

std::vector<TrendSeries> Trends(History* history, const SuiteResult& suite) {
  std::vector<TrendSeries> out;
  if (!history) return out;
  for (const auto& a : suite.aggregates) {
    for (const char* m :
         {"boot_s", "install_s", "ssh_ready_s", "ram_mib", "disk_mib"}) {
      if (!a.stats.count(m)) continue;
      TrendSeries t{a.scenario,
                    a.profile,
                    m,
                    history->MetricTrend(a.scenario, a.profile, m, 50),
                    {}};
      for (const auto& b : a.budgets)
        if (b.metric == m) t.limit = b.limit;
      if (!t.points.empty()) out.push_back(t);
    }
  }
  return out;
}

void WriteReports(const SuiteResult& suite, const std::string& dir,
                  History* history, ProcessLauncher& launcher, bool html) {
  WriteFileAtomic(dir + "/junit.xml", RenderJUnit(suite));
  WriteFileAtomic(dir + "/summary.md", RenderMarkdown(suite));
  if (html)
    WriteHtmlReport(suite, Trends(history, suite), dir + "/report.html",
                    launcher);
  // report.json last: its presence means the run's reports are complete.
  WriteFileAtomic(dir + "/report.json", RenderJson(suite));
}

void AnnounceLeftovers(const std::vector<Leftover>& left) {
  for (const auto& l : left)
    std::fprintf(stderr,
                 "bootgate: cleaned up after a bootgate that died: %s\n",
                 l.action.c_str());
}

}  // namespace bootgate
