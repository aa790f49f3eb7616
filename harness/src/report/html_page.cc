#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "report/html_internal.h"
#include "report/html_report.h"
#include "report/render_util.h"
#include "util/error.h"

namespace bootgate {
namespace {

using html_internal::E;
using report_internal::RunGroup;
using report_internal::UpperVerdict;

const char* kCss = R"css(
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#dde3e9;--bg:#f5f7f9;--card:#fff;
--pass:#2e7d32;--fail:#c62828;--warn:#ef8f00;--err:#6d4c41}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 "DejaVu Sans","Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header.top{background:#17212b;color:#eef2f5;padding:22px 32px 18px}
header.top .row{display:flex;align-items:center;gap:22px;flex-wrap:wrap}
header.top h1{font-size:22px;margin:0;font-weight:600;letter-spacing:.2px}
header.top .brand{font-size:12px;text-transform:uppercase;letter-spacing:2px;color:#9fb0c0}
.verdict{font-size:26px;font-weight:700;padding:6px 20px;border-radius:6px;
letter-spacing:1.5px;color:#fff}
.verdict.v-pass{background:var(--pass)}.verdict.v-fail{background:var(--fail)}
.verdict.v-inconclusive{background:var(--warn)}
.verdict.v-error,.verdict.v-interrupted{background:var(--err)}
.verdict.v-skipped{background:#607d8b}
.verdict-reason{color:#d5dde4;font-size:14px}
dl.meta{display:grid;grid-template-columns:repeat(4,auto);gap:4px 28px;margin:16px 0 0;
font-size:12.5px;justify-content:start}
dl.meta div{display:flex;gap:8px}dl.meta dt{color:#9fb0c0}dl.meta dd{margin:0;color:#eef2f5}
main{padding:20px 32px 40px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:16px 20px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 12px;font-weight:600}
h3{font-size:13.5px;margin:8px 0 6px;color:var(--muted);font-weight:600}
.cards{display:flex;gap:14px;flex-wrap:wrap;background:none;border:0;padding:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:12px 18px;min-width:150px}
.card .n{font-size:24px;font-weight:700}.card .l{color:var(--muted);font-size:12px}
.card.bad .n{color:var(--fail)}.card.good .n{color:var(--pass)}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);
padding:6px 10px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:6px 10px;vertical-align:top}
tr:nth-child(even) td{background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.bad td{background:#fdecea}
.pill{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;
font-weight:600;color:#fff;text-transform:uppercase;letter-spacing:.5px}
.pill.v-pass{background:var(--pass)}.pill.v-fail{background:var(--fail)}
.pill.v-inconclusive{background:var(--warn)}
.pill.v-error,.pill.v-interrupted{background:var(--err)}.pill.v-skipped{background:#90a4ae}
.neg{color:var(--fail);font-weight:600}.pos{color:var(--pass)}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;background:#fff}
figure svg{display:block;max-width:100%;height:auto}
.caption{color:var(--muted);font-size:12px;margin:10px 0}
.missing{color:var(--muted);font-style:italic;padding:20px}
.failure{border-left:4px solid var(--fail);padding:6px 14px;margin:0 0 14px;background:#fffafa}
.failure.v-error,.failure.v-interrupted{border-left-color:var(--err)}
.failure p{margin:4px 0}
pre.console{background:#11181f;color:#d7e0e8;padding:10px 12px;border-radius:6px;
overflow-x:auto;font:12px/1.4 "DejaVu Sans Mono",Menlo,Consolas,monospace;margin:8px 0 4px}
ul.warnings{margin:0;padding-left:20px}ul.warnings li{margin:3px 0}
code{font:12px "DejaVu Sans Mono",Menlo,Consolas,monospace;background:#eef1f4;
padding:1px 4px;border-radius:3px}
footer{color:var(--muted);font-size:12px;padding:0 32px 30px}
footer a{color:#1565c0}
)css";

std::string ChartFigure(const ChartSpec& c, const HtmlOptions& options,
                        int index) {
  std::string out = "<figure>\n<h3>" + E(c.title) + "</h3>\n";
  auto it = options.charts.find(c.id);
  if (it != options.charts.end() && !it->second.empty()) {
    out += ScopeSvgIds(StripXmlProlog(it->second), fmt::format("c{}-", index));
    if (out.back() != '\n') out += '\n';
  } else {
    auto err = options.chart_errors.find(c.id);
    out += "<div class=\"missing\">chart not rendered" +
           (err != options.chart_errors.end() ? ": " + E(err->second) : "") +
           "</div>\n";
  }
  return out + "</figure>\n";
}

// The figures of one page section, in a "charts" div; `if_none` (if given)
// stands in when the section has no chart.
std::string ChartsDiv(const std::vector<ChartSpec>& charts,
                      const std::string& section, const HtmlOptions& options,
                      const char* if_none = nullptr) {
  std::string o = "<div class=\"charts\">\n";
  bool any = false;
  for (size_t i = 0; i < charts.size(); ++i) {
    if (charts[i].section != section) continue;
    any = true;
    o += ChartFigure(charts[i], options, i);
  }
  if (!any && if_none != nullptr)
    o += "<div class=\"missing\">" + std::string(if_none) + "</div>\n";
  return o + "</div>\n";
}

int GroupsFailed(const std::vector<RunGroup>& groups) {
  int groups_failed = 0;
  for (const RunGroup& g : groups)
    groups_failed += g.GroupVerdict() != Verdict::kPass;
  return groups_failed;
}

std::string Head(const SuiteResult& suite, const HtmlOptions& options) {
  std::string o;
  o +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, "
       "initial-scale=1\">\n";
  o += "<meta name=\"generator\" content=\"bootgate " +
       E(suite.bootgate_version) + "\">\n";
  o += fmt::format("<title>{}: {}</title>\n", E(options.title),
                   UpperVerdict(suite.verdict));
  o += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n";
  return o;
}

// The verdict first, then what was run where.
std::string PageHeader(const SuiteResult& suite,
                       const std::vector<RunGroup>& groups,
                       const HtmlOptions& options) {
  int groups_failed = GroupsFailed(groups);
  std::string o;
  o += "<header class=\"top\">\n<div class=\"brand\">bootgate</div>\n<div "
       "class=\"row\">\n";
  o += "<h1>" + E(options.title) + "</h1>\n";
  o += fmt::format("<div class=\"verdict v-{}\" id=\"verdict\">{}</div>\n",
                   ToString(suite.verdict), UpperVerdict(suite.verdict));
  o += fmt::format(
      "<div class=\"verdict-reason\">{} of {} scenario / profile group{} did "
      "not pass</div>\n",
      groups_failed, groups.size(), groups.size() == 1 ? "" : "s");
  o += "</div>\n<dl class=\"meta\">\n";
  auto meta = [&](const std::string& k, const std::string& v) {
    if (!v.empty())
      o += "<div><dt>" + E(k) + "</dt><dd>" + E(v) + "</dd></div>\n";
  };
  meta("build", suite.build_id);
  meta("run id", suite.run_id);
  meta("host", suite.host);
  meta("bootgate", suite.bootgate_version);
  meta("started", suite.started_at);
  meta("finished", suite.finished_at);
  for (const auto& [k, v] : suite.labels) meta(k, v);
  o += "</dl>\n</header>\n";
  return o;
}

// Counts at a glance: groups, runs, budgets and checks that passed.
std::string Cards(const SuiteResult& suite,
                  const std::vector<RunGroup>& groups) {
  int counted = 0, passed = 0, errored = 0;
  for (const AggregateResult& a : suite.aggregates) {
    for (const auto& [verdict, n] : a.counts) {
      counted += n;
      passed += verdict == "pass" ? n : 0;
      errored += verdict == "error" || verdict == "interrupted" ? n : 0;
    }
  }
  int groups_failed = GroupsFailed(groups);
  int budgets_total = 0, budgets_ok = 0, checks_total = 0, checks_ok = 0;
  for (const RunGroup& g : groups) {
    for (const BudgetResult& b : g.Budgets()) {
      ++budgets_total;
      budgets_ok += b.verdict == Verdict::kPass;
    }
    for (const RunResult* r : g.WithRole(RunRole::kCounted)) {
      for (const CheckResult& c : r->checks) {
        ++checks_total;
        checks_ok += c.verdict == Verdict::kPass;
      }
    }
  }
  std::string o;
  auto card = [&](const std::string& n, const std::string& label, bool bad) {
    o += fmt::format(
        "<div class=\"card {}\"><div class=\"n\">{}</div><div "
        "class=\"l\">{}</div></div>\n",
        bad ? "bad" : "good", E(n), E(label));
  };
  o += "<section class=\"cards\">\n";
  card(fmt::format("{}/{}", groups.size() - groups_failed, groups.size()),
       "scenario / profile groups passed", groups_failed > 0);
  card(fmt::format("{}/{}", passed, counted), "counted runs passed",
       passed < counted);
  card(fmt::format("{}/{}", budgets_ok, budgets_total), "budgets met",
       budgets_ok < budgets_total);
  card(fmt::format("{}/{}", checks_ok, checks_total), "checks passed",
       checks_ok < checks_total);
  if (errored > 0)
    card(std::to_string(errored), "runs could not measure", true);
  o += "</section>\n";
  return o;
}

std::string Footer(const SuiteResult& suite, const HtmlOptions& options) {
  std::string o = "<footer>\n";
  if (!options.artifacts.empty()) {
    std::vector<std::string> links;
    for (const std::string& a : options.artifacts) {
      links.push_back("<a href=\"" + E(a) + "\">" + E(a) + "</a>");
    }
    o += fmt::format("Artifacts: {}<br>\n", fmt::join(links, " · "));
  }
  o += "Generated by bootgate " + E(suite.bootgate_version) +
       (suite.report_dir.empty()
            ? ""
            : " into <code>" + E(suite.report_dir) + "</code>") +
       ".\n</footer>\n";
  return o;
}

}  // namespace

std::string RenderHtml(const SuiteResult& suite,
                       const std::vector<TrendSeries>& trends,
                       const HtmlOptions& options) {
  auto groups = report_internal::GroupRuns(suite);
  std::vector<ChartSpec> charts = BuildCharts(suite, trends, "");
  std::string o = Head(suite, options) + PageHeader(suite, groups, options);
  o += "<main>\n" + Cards(suite, groups);
  o += "<section id=\"groups\">\n<h2>Scenarios and profiles</h2>\n" +
       html_internal::GroupsTable(groups) + "</section>\n";
  o += "<section id=\"budgets\">\n<h2>Budgets</h2>\n" +
       html_internal::BudgetsTable(groups);
  o += "<p class=\"caption\">Bars: the judged statistic (green "
       "within budget, red over budget, grey no budget). Dashed red line: the "
       "budget. Dots: individual iterations.</p>\n";
  o += ChartsDiv(charts, "budgets", options) + "</section>\n";
  o += "<section id=\"timeline\">\n<h2>Boot timeline</h2>\n" +
       ChartsDiv(charts, "timeline", options,
                 "No phases or milestones recorded.") +
       "</section>\n";
  if (std::any_of(charts.begin(), charts.end(),
                  [](const ChartSpec& c) { return c.section == "explain"; })) {
    o += "<section id=\"explain\">\n<h2>What the guest says</h2>\n"
         "<p class=\"caption\">Collected after the samples, in the same run: "
         "the critical "
         "chain of the default target, the RAM breakdown and the disk's "
         "largest directories "
         "and packages.</p>\n" +
         ChartsDiv(charts, "explain", options) + "</section>\n";
  }
  o += html_internal::ChecksSection(groups);
  o += html_internal::FailuresSection(suite, options);
  o += html_internal::WarningsSection(groups);
  o += "<section id=\"trends\">\n<h2>Trends</h2>\n" +
       ChartsDiv(charts, "trends", options,
                 "No history yet: trends appear after a few recorded runs.") +
       "</section>\n";
  o += html_internal::RunsSection(suite) + "</main>\n";
  return o + Footer(suite, options) + "</body>\n</html>\n";
}

void WriteHtmlReport(const SuiteResult& suite,
                     const std::vector<TrendSeries>& trends,
                     const std::string& out_path, ProcessLauncher& launcher) {
  HtmlOptions options;
  TempDir dir(fs::temp_directory_path(), "bootgate-charts-");
  std::vector<ChartSpec> charts =
      BuildCharts(suite, trends, dir.path().string());
  bool have_gnuplot = FindExecutable("gnuplot");
  for (const ChartSpec& c : charts) {
    if (!have_gnuplot) {
      options.chart_errors[c.id] =
          "gnuplot is not installed (Debian: gnuplot-nox)";
      continue;
    }
    try {
      options.charts[c.id] = RenderChartSvg(c, dir.path(), launcher);
    } catch (const Error& e) {
      options.chart_errors[c.id] = e.what();
    }
  }
  WriteFileAtomic(out_path, RenderHtml(suite, trends, options));
}

}  // namespace bootgate
