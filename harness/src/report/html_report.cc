#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include "report/render_util.h"
#include "util/escape.h"
#include "util/error.h"

namespace bootgate {
namespace {

using report_internal::FormatMetric;
using report_internal::FormatNumber;
using report_internal::RunGroup;
using report_internal::UpperVerdict;

constexpr int kMaxTimelineRows = 24;

// --- gnuplot helpers ---------------------------------------------------------

/// A gnuplot single-quoted string literal ('' is a literal quote).
std::string Q(const std::string& text) {
  std::string out = "'";
  for (char c : SanitizeXmlText(text)) {
    if (c == '\'') out += "''";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out + "'";
}

/// A double-quoted token for a gnuplot data file.
std::string DataString(const std::string& text) {
  std::string out = "\"";
  for (char c : SanitizeXmlText(text)) {
    if (c == '"' || c == '\\' || c == '\n' || c == '\r') out += '\'';
    else out += c;
  }
  return out + "\"";
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "NaN";
  return fmt::format("{:.10g}", v);
}

std::string FileId(const std::string& text) { return ToIdentifier(text, "-"); }

std::string Header(int width, int height) {
  return fmt::format(
      "set terminal svg size {},{} noenhanced font 'DejaVu Sans,11' "
      "background rgb 'white'\n"
      "set datafile missing 'NaN'\n"
      "set border 3 lc rgb '#607080'\n"
      "set tics nomirror textcolor rgb '#37474f'\n"
      "set grid ytics lc rgb '#e3e7ea' lw 1 dt 1\n"
      "set key top right horizontal textcolor rgb '#37474f' samplen 2\n",
      width, height);
}

const char* VerdictColor(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "#2e7d32";
    case Verdict::kFail: return "#c62828";
    case Verdict::kInconclusive: return "#ef8f00";
    default: return "#6d4c41";
  }
}

int ColorInt(const std::string& hex) {
  return static_cast<int>(std::stol(hex.substr(1), nullptr, 16));
}

std::string PhaseColor(const std::string& phase, size_t index) {
  static const std::map<std::string, std::string> kKnown = {
      {"firmware", "#7e57c2"}, {"bootloader", "#5c6bc0"},
      {"kernel", "#1e88e5"},   {"initramfs", "#00897b"},
      {"userspace", "#43a047"}, {"ssh", "#fb8c00"},
      {"install", "#8d6e63"}};
  static const char* kOthers[] = {"#00acc1", "#d81b60", "#6d4c41", "#546e7a"};
  auto it = kKnown.find(phase);
  return it != kKnown.end() ? it->second : kOthers[index % 4];
}

struct BudgetRow {
  std::string scenario, profile;
  double value = NAN;
  double limit = NAN;
  std::string statistic;
  Verdict verdict = Verdict::kSkipped;
  bool has_budget = false;
  std::vector<double> iterations;
};

std::vector<std::string> JudgedMetrics(const std::vector<RunGroup>& groups) {
  std::vector<std::string> metrics;
  for (const RunGroup& g : groups) {
    for (const BudgetResult& b : g.Budgets()) {
      if (std::find(metrics.begin(), metrics.end(), b.metric) == metrics.end()) {
        metrics.push_back(b.metric);
      }
    }
  }
  return metrics;
}

std::vector<BudgetRow> RowsFor(const std::vector<RunGroup>& groups,
                               const std::string& metric) {
  std::vector<BudgetRow> rows;
  for (const RunGroup& g : groups) {
    BudgetRow row;
    row.scenario = g.scenario;
    row.profile = g.profile;
    for (const RunResult* r : g.Counted()) {
      auto it = r->metrics.find(metric);
      if (it != r->metrics.end()) row.iterations.push_back(it->second);
    }
    for (const BudgetResult& b : g.Budgets()) {
      if (b.metric != metric) continue;
      row.value = b.value;
      row.limit = b.limit;
      row.statistic = b.statistic;
      row.verdict = b.verdict;
      row.has_budget = true;
    }
    if (!row.has_budget) {
      if (g.aggregate != nullptr && g.aggregate->stats.count(metric)) {
        row.value = g.aggregate->stats.at(metric).median;
        row.statistic = "median";
      } else if (!row.iterations.empty()) {
        row.value = row.iterations.back();
        row.statistic = "value";
      }
    }
    if (std::isfinite(row.value) || !row.iterations.empty()) rows.push_back(row);
  }
  return rows;
}

ChartSpec BudgetChart(const std::vector<RunGroup>& groups, const std::string& metric,
                      const std::string& data_dir) {
  ChartSpec c;
  c.id = "budget-" + FileId(metric);
  c.section = "budgets";
  std::vector<BudgetRow> rows = RowsFor(groups, metric);
  std::set<std::string> statistics;
  double top = 0;
  std::string data, iter;
  for (size_t i = 0; i < rows.size(); ++i) {
    const BudgetRow& r = rows[i];
    if (r.has_budget) statistics.insert(r.statistic);
    std::string color = r.has_budget ? VerdictColor(r.verdict) : "#90a4ae";
    data += fmt::format("{} {} {} {} {} {}\n", i, DataString(r.scenario),
                        DataString(r.profile), Num(r.value), Num(r.limit),
                        ColorInt(color));
    for (double v : r.iterations) {
      iter += fmt::format("{} {}\n", i, Num(v));
      top = std::max(top, v);
    }
    if (std::isfinite(r.value)) top = std::max(top, r.value);
    if (std::isfinite(r.limit)) top = std::max(top, r.limit);
  }
  std::string stat = statistics.size() == 1 ? *statistics.begin() : "statistic";
  c.title = fmt::format("{} against its budget ({} per scenario / profile)",
                        metric, stat);
  std::string unit = report_internal::MetricUnit(metric);
  std::string dat = data_dir + "/" + c.id + ".dat";
  std::string itdat = data_dir + "/" + c.id + "-iter.dat";
  c.data_files = {{c.id + ".dat", data}, {c.id + "-iter.dat", iter}};
  int width = std::max(480, std::min(980, 160 + 130 * static_cast<int>(rows.size())));
  std::string s = Header(width, 330);
  s += "set style fill solid 0.85 noborder\nset boxwidth 0.56\n";
  s += fmt::format("set xrange [-0.6:{}]\n", Num(rows.size() - 0.4));
  s += fmt::format("set yrange [0:{}]\n", Num(top > 0 ? top * 1.22 : 1));
  s += fmt::format("set ylabel {} textcolor rgb '#37474f'\n",
                   Q(unit.empty() ? metric : metric + " (" + unit + ")"));
  s += "set xtics scale 0\nset bmargin 4.5\n";
  s += fmt::format(
      "plot {dat} using 1:4:6:xtic(stringcolumn(2).\"\\n\".stringcolumn(3)) "
      "with boxes lc rgb variable title {stat}, \\\n"
      "  {dat} using ($1-0.36):5:(0.72):(0) with vectors nohead dt 2 lw 2.5 "
      "lc rgb '#b71c1c' title 'budget', \\\n"
      "  {dat} using 1:4:(sprintf('%.4g', $4)) with labels offset 0,1.1 "
      "textcolor rgb '#263238' notitle",
      fmt::arg("dat", Q(dat)), fmt::arg("stat", Q(stat)));
  if (!iter.empty()) {
    s += fmt::format(
        ", \\\n  {} using 1:2 with points pt 7 ps 0.55 lc rgb '#263238' "
        "title 'iterations'",
        Q(itdat));
  }
  s += "\n";
  c.script = s;
  return c;
}

std::optional<ChartSpec> TimelineChart(const SuiteResult& suite,
                                       const std::string& data_dir) {
  std::vector<const RunResult*> runs;
  for (const RunResult& r : suite.runs) {
    if (r.warmup || (r.phases.empty() && r.milestones.empty())) continue;
    if (static_cast<int>(runs.size()) == kMaxTimelineRows) break;
    runs.push_back(&r);
  }
  if (runs.empty()) return std::nullopt;
  ChartSpec c;
  c.id = "timeline";
  c.section = "timeline";
  c.title = "Boot timeline: phases and console milestones per run";
  std::vector<std::string> phase_names;
  std::map<std::string, std::string> phase_data;
  std::string milestones;
  double end = 0;
  std::vector<std::string> ytics;
  for (size_t y = 0; y < runs.size(); ++y) {
    const RunResult& r = *runs[y];
    ytics.push_back(fmt::format("{} {}", Q(fmt::format("{} / {} #{}", r.scenario,
                                                       r.profile, r.iteration)),
                                y));
    for (const PhaseResult& p : r.phases) {
      if (!phase_data.count(p.name)) phase_names.push_back(p.name);
      phase_data[p.name] += fmt::format("{} {} {}\n", y, Num(p.start_s), Num(p.end_s));
      end = std::max(end, p.end_s);
    }
    for (const Milestone& m : r.milestones) {
      milestones += fmt::format("{} {}\n", Num(m.t_s), y);
      end = std::max(end, m.t_s);
    }
  }
  size_t longest = 0;
  for (const RunResult* r : runs) {
    longest = std::max(longest, r->scenario.size() + r->profile.size() + 7);
  }
  int height = 110 + 30 * static_cast<int>(runs.size());
  std::string s = Header(1150, height);
  s += "set style fill solid 0.9 noborder\n";
  s += fmt::format("set yrange [{}:-0.6]\n", Num(runs.size() - 0.4));
  s += fmt::format("set xrange [0:{}]\n", Num(end > 0 ? end * 1.04 : 1));
  s += fmt::format("set ytics ({})\n", fmt::join(ytics, ", "));
  s += "set grid xtics ytics lc rgb '#e3e7ea'\n";
  s += "set xlabel 'seconds since the VM started' textcolor rgb '#37474f'\n";
  s += fmt::format("set lmargin {}\n", std::min<size_t>(60, longest + 2));
  s += "set key outside top center horizontal\n";
  std::vector<std::string> clauses;
  for (size_t i = 0; i < phase_names.size(); ++i) {
    std::string name = "timeline-phase-" + FileId(phase_names[i]) + ".dat";
    c.data_files.push_back({name, phase_data[phase_names[i]]});
    clauses.push_back(fmt::format(
        "{} using (($2+$3)/2):1:2:3:($1-0.32):($1+0.32) with boxxyerror "
        "lc rgb '{}' title {}",
        Q(data_dir + "/" + name), PhaseColor(phase_names[i], i), Q(phase_names[i])));
  }
  if (!milestones.empty()) {
    c.data_files.push_back({"timeline-milestones.dat", milestones});
    clauses.push_back(fmt::format(
        "{} using 1:2 with points pt 9 ps 0.9 lc rgb '#212121' title 'milestone'",
        Q(data_dir + "/timeline-milestones.dat")));
  }
  s += fmt::format("plot {}\n", fmt::join(clauses, ", \\\n  "));
  c.script = s;
  return c;
}

std::vector<ChartSpec> TrendCharts(const std::vector<TrendSeries>& trends,
                                   const std::string& data_dir) {
  // scenario x metric -> series (one per profile), in first-seen order.
  std::vector<std::pair<std::string, std::string>> keys;
  std::map<std::pair<std::string, std::string>, std::vector<const TrendSeries*>> by_key;
  for (const TrendSeries& t : trends) {
    auto key = std::make_pair(t.scenario, t.metric);
    if (!by_key.count(key)) keys.push_back(key);
    by_key[key].push_back(&t);
  }
  static const char* kColors[] = {"#1e88e5", "#8e24aa", "#00897b", "#f4511e",
                                  "#3949ab", "#6d4c41"};
  std::vector<ChartSpec> charts;
  for (size_t k = 0; k < keys.size(); ++k) {
    const auto& [scenario, metric] = keys[k];
    ChartSpec c;
    c.id = fmt::format("trend-{}", k + 1);
    c.section = "trends";
    c.title = fmt::format("{}: {} over recent runs", scenario, metric);
    std::vector<std::string> clauses;
    double lo = INFINITY, hi = -INFINITY;
    size_t color = 0;
    for (const TrendSeries* t : by_key[keys[k]]) {
      std::string data;
      for (const auto& [when, value] : t->points) {
        auto unix_s = report_internal::ParseRfc3339(when);
        if (!unix_s) continue;
        data += fmt::format("{} {}\n", Num(*unix_s), Num(value));
        lo = std::min(lo, *unix_s);
        hi = std::max(hi, *unix_s);
      }
      if (data.empty()) continue;
      std::string name = fmt::format("{}-{}.dat", c.id, FileId(t->profile));
      c.data_files.push_back({name, data});
      const char* col = kColors[color++ % 6];
      clauses.push_back(fmt::format(
          "{} using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '{}' title {}",
          Q(data_dir + "/" + name), col, Q(t->profile)));
      if (t->limit) {
        clauses.push_back(fmt::format("{} with lines dt 2 lw 2 lc rgb '{}' title {}",
                                      Num(*t->limit), col,
                                      Q("budget " + t->profile)));
      }
    }
    if (c.data_files.empty()) continue;
    std::string unit = report_internal::MetricUnit(metric);
    std::string s = Header(540, 320);
    s += "set xdata time\nset timefmt '%s'\nset format x \"%m-%d\\n%H:%M\"\n";
    if (hi > lo) s += fmt::format("set xrange ['{}':'{}']\n", Num(lo), Num(hi));
    s += fmt::format("set ylabel {} textcolor rgb '#37474f'\n",
                     Q(unit.empty() ? metric : metric + " (" + unit + ")"));
    s += "set yrange [0:*]\nset key below\n";
    s += fmt::format("plot {}\n", fmt::join(clauses, ", \\\n  "));
    c.script = s;
    charts.push_back(std::move(c));
  }
  return charts;
}

// --- HTML helpers ------------------------------------------------------------

std::string Pill(Verdict v) {
  return fmt::format("<span class=\"pill v-{}\">{}</span>", ToString(v),
                     ToString(v));
}

std::string E(const std::string& text) { return HtmlEscape(text); }

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

std::string MarginCell(const BudgetResult& b) {
  std::string unit = report_internal::MetricUnit(b.metric);
  std::string sign = b.margin > 0 ? "+" : "";
  return fmt::format("<td class=\"num {}\">{}{}{} ({}{}%)</td>",
                     b.margin < 0 ? "neg" : "pos", sign,
                     FormatNumber(b.margin, unit == "s" ? 2 : 1),
                     unit.empty() ? "" : " " + unit, sign,
                     FormatNumber(b.margin_pct, 1));
}

std::string ChartFigure(const ChartSpec& c, const HtmlOptions& options, int index) {
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

}  // namespace

std::vector<ChartSpec> BuildCharts(const SuiteResult& suite,
                                   const std::vector<TrendSeries>& trends,
                                   const std::string& data_dir) {
  std::vector<ChartSpec> charts;
  auto groups = report_internal::GroupRuns(suite);
  for (const std::string& metric : JudgedMetrics(groups)) {
    charts.push_back(BudgetChart(groups, metric, data_dir));
  }
  if (auto timeline = TimelineChart(suite, data_dir)) charts.push_back(*timeline);
  for (ChartSpec& c : TrendCharts(trends, data_dir)) charts.push_back(std::move(c));
  return charts;
}

std::string StripXmlProlog(const std::string& svg) {
  size_t start = svg.find("<svg");
  if (start == std::string::npos) return svg;
  return svg.substr(start);
}

std::string ScopeSvgIds(const std::string& svg, const std::string& prefix) {
  static const std::regex kId(R"((\s)id=(['"]))");
  static const std::regex kHref(R"(href=(['"])#)");
  static const std::regex kUrl(R"(url\(#)");
  std::string out = std::regex_replace(svg, kId, "$1id=$2" + prefix);
  out = std::regex_replace(out, kHref, "href=$1#" + prefix);
  return std::regex_replace(out, kUrl, "url(#" + prefix);
}

std::string RenderChartSvg(const ChartSpec& chart, const fs::path& work_dir,
                           ProcessLauncher& launcher, const std::string& gnuplot) {
  for (const auto& [name, text] : chart.data_files) {
    WriteFileAtomic(work_dir / name, text);
  }
  fs::path script = work_dir / (chart.id + ".gp");
  WriteFileAtomic(script, chart.script);
  CommandOutput out = RunCommand(launcher, {gnuplot, script.string()},
                                 std::chrono::seconds(30), 16 << 20);
  if (out.timed_out || !out.status.ok() ||
      out.stdout_text.find("<svg") == std::string::npos) {
    std::string err = out.stderr_text.substr(0, 600);
    throw Error("gnuplot chart '" + chart.id + "'",
                (out.timed_out ? std::string("timed out after 30 s")
                               : out.status.Describe()) +
                    (err.empty() ? "" : ": " + err));
  }
  return StripXmlProlog(out.stdout_text);
}

std::string RenderHtml(const SuiteResult& suite, const std::vector<TrendSeries>& trends,
                       const HtmlOptions& options) {
  auto groups = report_internal::GroupRuns(suite);
  std::vector<ChartSpec> charts = BuildCharts(suite, trends, "");
  std::string verdict = ToString(suite.verdict);
  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<meta name=\"generator\" content=\"bootgate " + E(suite.bootgate_version) + "\">\n";
  o += fmt::format("<title>{}: {}</title>\n", E(options.title), UpperVerdict(suite.verdict));
  o += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n";

  // Header: the verdict first.
  int counted = 0, passed = 0, failed = 0, errored = 0;
  for (const RunResult& r : suite.runs) {
    if (r.warmup) continue;
    ++counted;
    passed += r.verdict == Verdict::kPass;
    failed += r.verdict == Verdict::kFail || r.verdict == Verdict::kInconclusive;
    errored += r.verdict == Verdict::kError || r.verdict == Verdict::kInterrupted;
  }
  int groups_failed = 0;
  for (const RunGroup& g : groups) groups_failed += g.GroupVerdict() != Verdict::kPass;
  o += "<header class=\"top\">\n<div class=\"brand\">bootgate</div>\n<div class=\"row\">\n";
  o += "<h1>" + E(options.title) + "</h1>\n";
  o += fmt::format("<div class=\"verdict v-{}\" id=\"verdict\">{}</div>\n", verdict,
                   UpperVerdict(suite.verdict));
  o += fmt::format(
      "<div class=\"verdict-reason\">{} of {} scenario / profile group{} did "
      "not pass</div>\n",
      groups_failed, groups.size(), groups.size() == 1 ? "" : "s");
  o += "</div>\n<dl class=\"meta\">\n";
  auto meta = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) o += "<div><dt>" + E(k) + "</dt><dd>" + E(v) + "</dd></div>\n";
  };
  meta("build", suite.build_id);
  meta("run id", suite.run_id);
  meta("host", suite.host);
  meta("bootgate", suite.bootgate_version);
  meta("started", suite.started_at);
  meta("finished", suite.finished_at);
  for (const auto& [k, v] : suite.labels) meta(k, v);
  o += "</dl>\n</header>\n<main>\n";

  // Cards.
  int budgets_total = 0, budgets_ok = 0, checks_total = 0, checks_ok = 0;
  for (const RunGroup& g : groups) {
    for (const BudgetResult& b : g.Budgets()) {
      ++budgets_total;
      budgets_ok += b.verdict == Verdict::kPass;
    }
    for (const RunResult* r : g.Counted()) {
      for (const CheckResult& c : r->checks) {
        ++checks_total;
        checks_ok += c.verdict == Verdict::kPass;
      }
    }
  }
  auto card = [&](const std::string& n, const std::string& label, bool bad) {
    o += fmt::format("<div class=\"card {}\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>\n",
                     bad ? "bad" : "good", E(n), E(label));
  };
  o += "<section class=\"cards\">\n";
  card(fmt::format("{}/{}", groups.size() - groups_failed, groups.size()),
       "scenario / profile groups passed", groups_failed > 0);
  card(fmt::format("{}/{}", passed, counted), "counted runs passed", passed < counted);
  card(fmt::format("{}/{}", budgets_ok, budgets_total), "budgets met",
       budgets_ok < budgets_total);
  card(fmt::format("{}/{}", checks_ok, checks_total), "checks passed",
       checks_ok < checks_total);
  if (errored > 0) card(std::to_string(errored), "runs could not measure", true);
  o += "</section>\n";

  // Scenario x profile summary.
  o += "<section id=\"groups\">\n<h2>Scenarios and profiles</h2>\n<table>\n";
  o += "<tr><th>Scenario</th><th>Profile</th><th>Backend</th><th>Accelerator</th>"
       "<th>Iterations</th><th>Verdict</th><th>Reason</th></tr>\n";
  for (const RunGroup& g : groups) {
    Verdict v = g.GroupVerdict();
    std::string reason = g.aggregate != nullptr ? g.aggregate->reason
                         : g.Counted().empty()  ? ""
                                                : g.Counted().back()->reason;
    o += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        v == Verdict::kPass ? "" : " class=\"bad\"", E(g.scenario), E(g.profile),
        E(g.Backend()), E(g.Accelerator()), g.Counted().size(), Pill(v), E(reason));
  }
  o += "</table>\n</section>\n";

  // Budgets.
  o += "<section id=\"budgets\">\n<h2>Budgets</h2>\n<table>\n";
  o += "<tr><th>Scenario</th><th>Profile</th><th>Metric</th><th>Value</th>"
       "<th>Statistic</th><th>Budget</th><th>Margin</th><th>Verdict</th><th>Note</th></tr>\n";
  for (const RunGroup& g : groups) {
    for (const BudgetResult& b : g.Budgets()) {
      o += fmt::format(
          "<tr{}><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td>"
          "<td>{}</td><td class=\"num\">&le; {}</td>{}<td>{}</td><td>{}</td></tr>\n",
          b.verdict == Verdict::kPass ? "" : " class=\"bad\"", E(g.scenario),
          E(g.profile), E(b.metric), E(FormatMetric(b.metric, b.value)),
          E(b.statistic), E(FormatMetric(b.metric, b.limit)), MarginCell(b),
          Pill(b.verdict), E(b.note));
    }
  }
  o += "</table>\n<p class=\"caption\">Bars: the judged statistic (green "
       "within budget, red over budget, grey no budget). Dashed red line: the "
       "budget. Dots: individual iterations.</p>\n<div class=\"charts\">\n";
  for (size_t i = 0; i < charts.size(); ++i) {
    if (charts[i].section == "budgets") o += ChartFigure(charts[i], options, i);
  }
  o += "</div>\n</section>\n";

  // Timeline.
  o += "<section id=\"timeline\">\n<h2>Boot timeline</h2>\n<div class=\"charts\">\n";
  bool any_timeline = false;
  for (size_t i = 0; i < charts.size(); ++i) {
    if (charts[i].section != "timeline") continue;
    any_timeline = true;
    o += ChartFigure(charts[i], options, i);
  }
  if (!any_timeline) o += "<div class=\"missing\">No phases or milestones recorded.</div>\n";
  o += "</div>\n</section>\n";

  // Checks.
  o += "<section id=\"checks\">\n<h2>Conformance checks</h2>\n";
  if (checks_total == 0) {
    o += "<div class=\"missing\">No checks ran.</div>\n";
  } else {
    o += "<table>\n<tr><th>Scenario</th><th>Profile</th><th>Iteration</th><th>Check</th>"
         "<th>Command</th><th>Channel</th><th>Duration</th><th>Verdict</th><th>Reason</th></tr>\n";
    for (const RunGroup& g : groups) {
      for (const RunResult* r : g.Counted()) {
        for (const CheckResult& c : r->checks) {
          o += fmt::format(
              "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>"
              "<td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
              c.verdict == Verdict::kPass ? "" : " class=\"bad\"", E(r->scenario),
              E(r->profile), r->iteration, E(c.name), E(c.command), E(c.channel),
              E(FormatNumber(c.duration_s, 2) + " s"), Pill(c.verdict), E(c.reason));
        }
      }
    }
    o += "</table>\n";
  }
  o += "</section>\n";

  // Failures with console tails.
  std::string failures;
  for (const RunResult& r : suite.runs) {
    if (r.warmup || r.verdict == Verdict::kPass || r.verdict == Verdict::kSkipped) continue;
    failures += fmt::format("<div class=\"failure v-{}\">\n<p>{} <strong>{} / {}</strong> "
                            "iteration {}, attempt {}</p>\n<p>{}</p>\n",
                            ToString(r.verdict), Pill(r.verdict), E(r.scenario),
                            E(r.profile), r.iteration, r.attempt, E(r.reason));
    std::vector<std::string> facts;
    if (!r.failure_class.empty()) facts.push_back("failure class <code>" + E(r.failure_class) + "</code>");
    if (!r.phase.empty()) facts.push_back("ended in phase <code>" + E(r.phase) + "</code>");
    for (const VmPhaseInfo& p : r.vm_phases) {
      if (!p.console_log.empty()) {
        facts.push_back(E(p.name) + " console <a href=\"" + E(p.console_log) + "\">" +
                        E(p.console_log) + "</a>");
      }
    }
    if (!facts.empty()) failures += fmt::format("<p>{}</p>\n", fmt::join(facts, " · "));
    if (!r.console_tail.empty() && options.console_tail_lines > 0) {
      size_t n = std::min<size_t>(r.console_tail.size(), options.console_tail_lines);
      failures += "<pre class=\"console\">";
      for (size_t i = r.console_tail.size() - n; i < r.console_tail.size(); ++i) {
        failures += E(r.console_tail[i]) + "\n";
      }
      failures += "</pre>\n";
    }
    failures += "</div>\n";
  }
  if (!failures.empty()) {
    o += "<section id=\"failures\">\n<h2>Failures</h2>\n" + failures + "</section>\n";
  }

  // Warnings.
  std::string warnings;
  for (const RunGroup& g : groups) {
    std::vector<std::string> seen;
    auto add = [&](const std::string& w) {
      if (std::find(seen.begin(), seen.end(), w) != seen.end()) return;
      seen.push_back(w);
      warnings += "<li><strong>" + E(g.scenario) + " / " + E(g.profile) +
                  "</strong>: " + E(w) + "</li>\n";
    };
    if (g.aggregate != nullptr) for (const std::string& w : g.aggregate->warnings) add(w);
    for (const RunResult* r : g.Counted()) for (const std::string& w : r->warnings) add(w);
  }
  if (!warnings.empty()) {
    o += "<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul class=\"warnings\">\n" +
         warnings + "</ul>\n</section>\n";
  }

  // Trends.
  o += "<section id=\"trends\">\n<h2>Trends</h2>\n<div class=\"charts\">\n";
  bool any_trend = false;
  for (size_t i = 0; i < charts.size(); ++i) {
    if (charts[i].section != "trends") continue;
    any_trend = true;
    o += ChartFigure(charts[i], options, i);
  }
  if (!any_trend) o += "<div class=\"missing\">No history yet: trends appear after a few recorded runs.</div>\n";
  o += "</div>\n</section>\n";

  // Every run.
  std::vector<std::string> metric_columns;
  for (const RunResult& r : suite.runs) {
    for (const auto& [m, v] : r.metrics) {
      if (std::find(metric_columns.begin(), metric_columns.end(), m) == metric_columns.end()) {
        metric_columns.push_back(m);
      }
    }
  }
  std::sort(metric_columns.begin(), metric_columns.end());
  o += "<section id=\"runs\">\n<h2>All runs</h2>\n<table>\n<tr><th>Scenario</th><th>Profile</th>"
       "<th>Iter.</th><th>Attempt</th><th>Verdict</th>";
  for (const std::string& m : metric_columns) o += "<th>" + E(m) + "</th>";
  o += "<th>Wall</th><th>Accel.</th><th>Started</th></tr>\n";
  for (const RunResult& r : suite.runs) {
    o += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td>{}</td>",
                     E(r.scenario), E(r.profile), r.iteration, r.warmup ? " (warm-up)" : "",
                     r.attempt, Pill(r.verdict));
    for (const std::string& m : metric_columns) {
      auto it = r.metrics.find(m);
      o += "<td class=\"num\">" +
           (it == r.metrics.end() ? std::string("&ndash;") : E(FormatMetric(m, it->second))) +
           "</td>";
    }
    o += fmt::format("<td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
                     E(FormatNumber(r.wall_s, 1) + " s"), E(r.accelerator), E(r.started_at));
  }
  o += "</table>\n</section>\n</main>\n<footer>\n";
  if (!options.artifacts.empty()) {
    std::vector<std::string> links;
    for (const std::string& a : options.artifacts) {
      links.push_back("<a href=\"" + E(a) + "\">" + E(a) + "</a>");
    }
    o += fmt::format("Artifacts: {}<br>\n", fmt::join(links, " · "));
  }
  o += "Generated by bootgate " + E(suite.bootgate_version) +
       (suite.report_dir.empty() ? "" : " into <code>" + E(suite.report_dir) + "</code>") +
       ".\n</footer>\n</body>\n</html>\n";
  return o;
}

void WriteHtmlReport(const SuiteResult& suite, const std::vector<TrendSeries>& trends,
                     const std::string& out_path, ProcessLauncher& launcher) {
  HtmlOptions options;
  TempDir dir(fs::temp_directory_path(), "bootgate-charts-");
  std::vector<ChartSpec> charts = BuildCharts(suite, trends, dir.path().string());
  bool have_gnuplot = FindExecutable("gnuplot");
  for (const ChartSpec& c : charts) {
    if (!have_gnuplot) {
      options.chart_errors[c.id] = "gnuplot is not installed (Debian: gnuplot-nox)";
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
