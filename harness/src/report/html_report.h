// HTML reporter: report.html, a single self-contained page (inline CSS, charts
// as inline SVG, no scripts, no external resources) for release engineers:
// verdict first, then tables of budgets and checks, charts drawn by gnuplot
// (metric vs budget, boot timeline, trends over history), failures with their
// console tails. Pure parts (gnuplot scripts/data, HTML assembly) are
// separate from the one impure step, running gnuplot. The page is assembled
// in html_page.cc, its charts built in html_charts.cc, its tables written in
// html_tables.cc.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "result/result.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {

/// One metric of one scenario x profile over past runs (from the history).
struct TrendSeries {
  std::string scenario, profile, metric;
  std::vector<std::pair<std::string /*rfc3339*/, double>> points;
  std::optional<double> limit;
};

/// One gnuplot chart: a script that writes SVG to stdout and reads the data
/// files as "<data_dir>/<name>".
struct ChartSpec {
  std::string id;       ///< "budget-boot_s", "timeline", "trend-1"; unique
  std::string section;  ///< "budgets" | "timeline" | "trends" | "explain"
  std::string title;
  std::string script;
  std::vector<std::pair<std::string, std::string>> data_files;  ///< name, text
};

/// The charts for a suite: one per judged metric (value per scenario x
/// profile as bars, iterations as dots, the budget as a dashed line), one
/// boot timeline (phases as coloured bars, milestones as marks, one row per
/// counted run, at most 24 rows), and one per scenario x metric of `trends`
/// (a line per profile, the budget dashed), and per explained group (at most
/// 4) its critical chain as a unit timeline and its RAM and disk breakdowns
/// as bars. Pure; deterministic.
std::vector<ChartSpec> BuildCharts(const SuiteResult& suite,
                                   const std::vector<TrendSeries>& trends,
                                   const std::string& data_dir);

/// Removes the XML prolog, DOCTYPE and comments before <svg, so the SVG can
/// be inlined into HTML.
std::string StripXmlProlog(const std::string& svg);
/// Prefixes every id (and its references) in a gnuplot SVG with `prefix`, so
/// several inlined charts do not share ids.
std::string ScopeSvgIds(const std::string& svg, const std::string& prefix);

/// Writes the chart's data files and script into `work_dir`, runs gnuplot
/// (argv, no shell) and returns the SVG with its prolog stripped. Throws Error
/// naming the chart and gnuplot's stderr if gnuplot fails.
std::string RenderChartSvg(const ChartSpec& chart, const fs::path& work_dir,
                           ProcessLauncher& launcher,
                           const std::string& gnuplot = "gnuplot");

struct HtmlOptions {
  std::string title = "bootgate report";
  /// Chart id -> inline SVG (from RenderChartSvg). A chart without an entry
  /// is shown as "chart not rendered" with the reason in chart_errors.
  std::map<std::string, std::string> charts;
  std::map<std::string, std::string> chart_errors;
  /// Artifact files linked at the bottom (relative to the report).
  std::vector<std::string> artifacts = {"report.json", "junit.xml",
                                        "summary.md", "metrics.prom"};
  int console_tail_lines = 20;
};

/// The whole page. Every text (names, reasons, console tails) is
/// HTML-escaped; chart SVGs are inserted as given (ScopeSvgIds applied).
std::string RenderHtml(const SuiteResult& suite,
                       const std::vector<TrendSeries>& trends,
                       const HtmlOptions& options);

/// Renders every chart with gnuplot in a temp dir and writes the page to
/// `out_path` atomically. A chart gnuplot fails on is left out with its error
/// shown in the page; a missing gnuplot leaves every chart out (the page is
/// still written). Throws Error only if the page cannot be written.
void WriteHtmlReport(const SuiteResult& suite,
                     const std::vector<TrendSeries>& trends,
                     const std::string& out_path, ProcessLauncher& launcher);

}  // namespace bootgate
