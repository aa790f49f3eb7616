#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "report/html_report.h"
#include "report/render_util.h"
#include "util/error.h"
#include "util/escape.h"
#include "util/regex.h"

namespace bootgate {
namespace {

using report_internal::RunGroup;

constexpr int kMaxTimelineRows = 24;

// --- gnuplot helpers ---------------------------------------------------------

/// A gnuplot single-quoted string literal ('' is a literal quote).
std::string Q(const std::string& text) {
  std::string out = "'";
  for (char c : SanitizeXmlText(text)) {
    if (c == '\'')
      out += "''";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out + "'";
}

/// A double-quoted token for a gnuplot data file.
std::string DataString(const std::string& text) {
  std::string out = "\"";
  for (char c : SanitizeXmlText(text)) {
    if (c == '"' || c == '\\' || c == '\n' || c == '\r')
      out += '\'';
    else
      out += c;
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
    case Verdict::kPass:
      return "#2e7d32";
    case Verdict::kFail:
      return "#c62828";
    case Verdict::kInconclusive:
      return "#ef8f00";
    default:
      return "#6d4c41";
  }
}

int ColorInt(const std::string& hex) {
  return static_cast<int>(std::stol(hex.substr(1), nullptr, 16));
}

std::string PhaseColor(const std::string& phase, size_t index) {
  static const std::map<std::string, std::string> kKnown = {
      {"firmware", "#7e57c2"},  {"bootloader", "#5c6bc0"},
      {"kernel", "#1e88e5"},    {"initramfs", "#00897b"},
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
      if (std::find(metrics.begin(), metrics.end(), b.metric) ==
          metrics.end()) {
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
    for (const RunResult* r : g.WithRole(RunRole::kCounted)) {
      // The dots are the values the judged statistic was taken over.
      if (r->counts_as == Verdict::kError ||
          r->counts_as == Verdict::kInterrupted)
        continue;
      auto it = r->metrics.find(metric);
      if (it != r->metrics.end()) row.iterations.push_back(it->second);
    }
    for (const BudgetResult& b : g.Budgets()) {
      // A budget whose metric was never measured has no bar.
      if (b.metric != metric || b.verdict == Verdict::kSkipped) continue;
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
    if (std::isfinite(row.value) || !row.iterations.empty())
      rows.push_back(row);
  }
  return rows;
}

ChartSpec BudgetChart(const std::vector<RunGroup>& groups,
                      const std::string& metric, const std::string& data_dir) {
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
  int width =
      std::max(480, std::min(980, 160 + 130 * static_cast<int>(rows.size())));
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
    if (r.role != RunRole::kCounted ||
        (r.phases.empty() && r.milestones.empty()))
      continue;
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
    ytics.push_back(fmt::format(
        "{} {}",
        Q(fmt::format("{} / {} #{}", r.scenario, r.profile, r.iteration)), y));
    for (const PhaseResult& p : r.phases) {
      if (!phase_data.count(p.name)) phase_names.push_back(p.name);
      phase_data[p.name] +=
          fmt::format("{} {} {}\n", y, Num(p.start_s), Num(p.end_s));
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
        Q(data_dir + "/" + name), PhaseColor(phase_names[i], i),
        Q(phase_names[i])));
  }
  if (!milestones.empty()) {
    c.data_files.push_back({"timeline-milestones.dat", milestones});
    clauses.push_back(
        fmt::format("{} using 1:2 with points pt 9 ps 0.9 lc rgb '#212121' "
                    "title 'milestone'",
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
  std::map<std::pair<std::string, std::string>, std::vector<const TrendSeries*>>
      by_key;
  for (const TrendSeries& t : trends) {
    auto key = std::make_pair(t.scenario, t.metric);
    if (!by_key.count(key)) keys.push_back(key);
    by_key[key].push_back(&t);
  }
  static const char* kColors[] = {"#1e88e5", "#8e24aa", "#00897b",
                                  "#f4511e", "#3949ab", "#6d4c41"};
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
        clauses.push_back(
            fmt::format("{} with lines dt 2 lw 2 lc rgb '{}' title {}",
                        Num(*t->limit), col, Q("budget " + t->profile)));
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

// What the guest said about its figures, for the last explained run of each
// group (at most kMaxExplainedGroups): the critical chain as a unit timeline,
// the RAM breakdown (top processes, kernel parts, unexplained) and the disk
// breakdown (top directories and packages), each as horizontal bars.
constexpr size_t kMaxExplainedGroups = 4;

// Horizontal bars from `from` to `to` per labelled row, top row first.
struct Bar {
  std::string label;
  double from = 0, to = 0;
  std::string color;
};

ChartSpec BarsChart(const std::string& id, const std::string& title,
                    const std::string& xlabel, const std::vector<Bar>& bars,
                    const std::string& data_dir) {
  ChartSpec c;
  c.id = id;
  c.section = "explain";
  c.title = title;
  std::map<std::string, std::string> data;  // color -> rows
  std::vector<std::string> colors, ytics;
  size_t longest = 0;
  double end = 0;
  for (size_t y = 0; y < bars.size(); ++y) {
    const Bar& b = bars[y];
    if (!data.count(b.color)) colors.push_back(b.color);
    data[b.color] += fmt::format("{} {} {}\n", y, Num(b.from), Num(b.to));
    ytics.push_back(fmt::format("{} {}", Q(b.label), y));
    longest = std::max(longest, b.label.size());
    end = std::max(end, b.to);
  }
  std::string s = Header(1150, 90 + 24 * static_cast<int>(bars.size()));
  s += "set style fill solid 0.9 noborder\n";
  s += fmt::format("set yrange [{}:-0.6]\n", Num(bars.size() - 0.4));
  s += fmt::format("set xrange [0:{}]\n", Num(end > 0 ? end * 1.04 : 1));
  s += fmt::format("set ytics ({})\n", fmt::join(ytics, ", "));
  s += "set grid xtics lc rgb '#e3e7ea'\n";
  s += fmt::format("set xlabel {} textcolor rgb '#37474f'\n", Q(xlabel));
  s += fmt::format("set lmargin {}\n", std::min<size_t>(60, longest + 2));
  s += "unset key\n";
  std::vector<std::string> clauses;
  for (size_t i = 0; i < colors.size(); ++i) {
    std::string name = fmt::format("{}-{}.dat", id, i);
    c.data_files.push_back({name, data[colors[i]]});
    clauses.push_back(
        fmt::format("{} using (($2+$3)/2):1:2:3:($1-0.32):($1+0.32) with "
                    "boxxyerror lc rgb '{}' notitle",
                    Q(data_dir + "/" + name), colors[i]));
  }
  s += fmt::format("plot {}\n", fmt::join(clauses, ", \\\n  "));
  c.script = s;
  return c;
}

std::vector<ChartSpec> ExplainCharts(const std::vector<RunGroup>& groups,
                                     const std::string& data_dir) {
  std::vector<ChartSpec> charts;
  size_t n = 0;
  for (const RunGroup& g : groups) {
    const RunResult* r = report_internal::ExplainedRun(g);
    if (!r || n == kMaxExplainedGroups) continue;
    const Explanation& ex = *r->explain;
    const std::string who = g.scenario + " / " + g.profile;
    const std::string id = fmt::format("explain-{}", ++n);
    if (ex.boot && !ex.boot->critical_chain.empty()) {
      std::vector<Bar> bars;
      // Printed target first; drawn in time order, top to bottom.
      for (auto it = ex.boot->critical_chain.rbegin();
           it != ex.boot->critical_chain.rend(); ++it) {
        const double took = it->took_s.value_or(0);
        bars.push_back({it->unit, std::max(0.0, it->at_s - took),
                        std::max(it->at_s, 1e-3),
                        it->took_s ? "#1e88e5" : "#90a4ae"});
      }
      charts.push_back(BarsChart(
          id + "-chain", who + ": critical chain (systemd-analyze)",
          "seconds after userspace started (grey: reached, no start time)",
          bars, data_dir));
    }
    if (ex.ram) {
      std::vector<Bar> bars;
      for (const ProcessMemory& p : ex.ram->processes)
        bars.push_back(
            {fmt::format("{} ({})", p.name, p.pid), 0, p.pss_mib, "#8e24aa"});
      for (const auto& [part, mib] : ex.ram->kernel_mib)
        bars.push_back({"kernel: " + part, 0, mib, "#00897b"});
      bars.push_back({"unexplained", 0, std::max(0.0, ex.ram->unexplained_mib),
                      "#f4511e"});
      charts.push_back(BarsChart(
          id + "-ram",
          fmt::format("{}: RAM, {} MiB used (processes by {}, kernel parts, "
                      "unexplained)",
                      who, Num(std::round(ex.ram->used_mib * 10) / 10),
                      ex.ram->measure),
          "MiB", bars, data_dir));
    }
    if (ex.disk && (!ex.disk->paths.empty() || !ex.disk->packages.empty())) {
      std::vector<Bar> bars;
      for (const SizedItem& p : ex.disk->paths)
        bars.push_back({p.name, 0, p.mib, "#3949ab"});
      for (const SizedItem& p : ex.disk->packages)
        bars.push_back({"package: " + p.name, 0, p.mib, "#6d4c41"});
      charts.push_back(BarsChart(id + "-disk",
                                 who + ": disk of " + ex.disk->mount +
                                     " (largest directories, largest packages)",
                                 "MiB", bars, data_dir));
    }
  }
  return charts;
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
  if (auto timeline = TimelineChart(suite, data_dir))
    charts.push_back(*timeline);
  for (ChartSpec& c : TrendCharts(trends, data_dir))
    charts.push_back(std::move(c));
  for (ChartSpec& c : ExplainCharts(groups, data_dir))
    charts.push_back(std::move(c));
  return charts;
}

std::string StripXmlProlog(const std::string& svg) {
  size_t start = svg.find("<svg");
  if (start == std::string::npos) return svg;
  return svg.substr(start);
}

std::string ScopeSvgIds(const std::string& svg, const std::string& prefix) {
  static const Regex kId(R"((\s)id=(['"]))", "svg id");
  static const Regex kHref(R"(href=(['"])#)", "svg href");
  static const Regex kUrl(R"(url\(#)", "svg url");
  std::string literal;  // a rewrite string treats '\' as an escape
  for (char c : prefix)
    literal += c == '\\' ? std::string("\\\\") : std::string(1, c);
  std::string out = kId.ReplaceAll(svg, "\\1id=\\2" + literal);
  out = kHref.ReplaceAll(out, "href=\\1#" + literal);
  return kUrl.ReplaceAll(out, "url(#" + literal);
}

std::string RenderChartSvg(const ChartSpec& chart, const fs::path& work_dir,
                           ProcessLauncher& launcher,
                           const std::string& gnuplot) {
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

}  // namespace bootgate
