#include "report/markdown_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "report/render_util.h"
#include "util/escape.h"

namespace bootgate {
namespace {

using report_internal::FormatMetric;
using report_internal::FormatNumber;
using report_internal::RunGroup;
using report_internal::UpperVerdict;

/// Text safe inside a table cell (and inline elsewhere): no pipes, no line
/// breaks, no raw HTML.
std::string Cell(const std::string& text) {
  std::string clean = SanitizeXmlText(text);
  std::string out;
  for (char c : clean) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\n': out += ' '; break;
      case '\r': break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

/// Code span that survives backticks in the text.
std::string Code(const std::string& text) {
  std::string clean = Cell(text);
  if (clean.find('`') == std::string::npos) return "`" + clean + "`";
  return "`` " + clean + " ``";
}

std::string VerdictCell(Verdict v) {
  return v == Verdict::kPass ? "pass" : "**" + ToString(v) + "**";
}

std::string Margin(const BudgetResult& b) {
  std::string sign = b.margin > 0 ? "+" : "";
  std::string unit = report_internal::MetricUnit(b.metric);
  return fmt::format("{}{}{} ({}{}%)", sign,
                     FormatNumber(b.margin, unit == "s" ? 2 : 1),
                     unit.empty() ? "" : " " + unit, sign,
                     FormatNumber(b.margin_pct, 1));
}

}  // namespace

std::string RenderMarkdown(const SuiteResult& suite, const MarkdownOptions& options) {
  auto groups = report_internal::GroupRuns(suite);
  std::map<Verdict, int> counts;
  int counted_runs = 0;
  for (const RunResult& r : suite.runs) {
    if (r.warmup) continue;
    ++counted_runs;
    counts[report_internal::ReportedRunVerdict(
        r, report_internal::AggregateOf(suite, r))]++;
  }

  std::string out = fmt::format("## bootgate: **{}**\n\n", UpperVerdict(suite.verdict));
  std::vector<std::string> summary;
  summary.push_back(fmt::format("{} scenario x profile group{}", groups.size(),
                                groups.size() == 1 ? "" : "s"));
  std::string runs = fmt::format("{} counted run{}", counted_runs,
                                 counted_runs == 1 ? "" : "s");
  std::vector<std::string> parts;
  for (const auto& [v, n] : counts) parts.push_back(fmt::format("{} {}", n, ToString(v)));
  if (!parts.empty()) runs += " (" + fmt::format("{}", fmt::join(parts, ", ")) + ")";
  summary.push_back(runs);
  if (!suite.build_id.empty()) summary.push_back("build " + Code(suite.build_id));
  if (!suite.host.empty()) summary.push_back("host " + Code(suite.host));
  if (!suite.bootgate_version.empty()) {
    summary.push_back("bootgate " + Cell(suite.bootgate_version));
  }
  if (!suite.started_at.empty()) summary.push_back("started " + Cell(suite.started_at));
  out += fmt::format("{}\n\n", fmt::join(summary, " · "));

  // The metric table.
  out += "| Scenario | Profile | Accel | Metric | Value | Budget | Margin | Verdict |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const RunGroup& g : groups) {
    std::string accel = Cell(g.Accelerator());
    std::set<std::string> judged;
    std::vector<BudgetResult> budgets = g.Budgets();
    bool any_row = false;
    for (const BudgetResult& b : budgets) {
      judged.insert(b.metric);
      std::string value = FormatMetric(b.metric, b.value);
      if (b.statistic != "value") value += " (" + b.statistic + ")";
      out += fmt::format("| {} | {} | {} | {} | {} | <= {} | {} | {} |\n",
                         Cell(g.scenario), Cell(g.profile), accel, Cell(b.metric),
                         Cell(value), Cell(FormatMetric(b.metric, b.limit)),
                         Cell(Margin(b)), VerdictCell(b.verdict));
      any_row = true;
    }
    // Measured metrics without a budget, for context.
    if (g.aggregate != nullptr) {
      for (const auto& [metric, st] : g.aggregate->stats) {
        if (judged.count(metric)) continue;
        out += fmt::format("| {} | {} | {} | {} | {} | - | - | - |\n",
                           Cell(g.scenario), Cell(g.profile), accel, Cell(metric),
                           Cell(FormatMetric(metric, st.median) + " (median)"));
        any_row = true;
      }
    }
    if (!any_row) {
      out += fmt::format("| {} | {} | {} | - | - | - | - | {} |\n", Cell(g.scenario),
                         Cell(g.profile), accel, VerdictCell(g.GroupVerdict()));
    }
  }

  // What the guests say about their figures (the last explained run of
  // each group): the top movers of every metric a reader may ask about.
  std::string explained;
  for (const RunGroup& g : groups) {
    const RunResult* r = report_internal::ExplainedRun(g);
    if (!r) continue;
    for (const char* metric : {"boot_s", "ram_mib", "disk_mib"}) {
      std::string line = report_internal::ExplainSummary(*r, metric);
      if (!line.empty())
        explained += fmt::format("- {} / {} {}: {}\n", Cell(g.scenario),
                                 Cell(g.profile), metric, Cell(line));
    }
  }
  if (!explained.empty()) out += "\n### What the guest says\n\n" + explained;

  // Failed checks.
  std::string checks;
  for (const RunResult& r : suite.runs) {
    if (r.warmup) continue;
    for (const CheckResult& c : r.checks) {
      if (c.verdict == Verdict::kPass || c.verdict == Verdict::kSkipped) continue;
      checks += fmt::format("- {} / {} iteration {}: **{}** {}: {}\n", Cell(r.scenario),
                            Cell(r.profile), r.iteration, Cell(c.name),
                            ToString(c.verdict), Cell(c.reason));
      if (!c.command.empty()) checks += fmt::format("  - command: {}\n", Code(c.command));
    }
  }
  if (!checks.empty()) out += "\n### Failed checks\n\n" + checks;

  // Failed, errored and inconclusive runs; a run over only its own budget is
  // a note (its group's judged statistic decides).
  std::string failures, notes;
  for (const RunResult& r : suite.runs) {
    const AggregateResult* group = report_internal::AggregateOf(suite, r);
    if (!r.warmup && !report_internal::RunNote(r, group).empty()) {
      notes += fmt::format("- {} / {} iteration {}: {}\n", Cell(r.scenario),
                           Cell(r.profile), r.iteration,
                           Cell(report_internal::RunNote(r, group)));
    }
    const Verdict v = report_internal::ReportedRunVerdict(r, group);
    if (r.warmup || v == Verdict::kPass || v == Verdict::kSkipped) {
      continue;
    }
    failures += fmt::format("- {} / {} iteration {}: **{}**", Cell(r.scenario),
                            Cell(r.profile), r.iteration, ToString(r.verdict));
    if (!r.failure_class.empty()) failures += " (" + Cell(r.failure_class) + ")";
    failures += ": " + Cell(r.reason) + "\n";
    if (options.console_tail_lines > 0 && !r.failure_class.empty() &&
        !r.console_tail.empty()) {
      size_t n = std::min<size_t>(r.console_tail.size(),
                                  static_cast<size_t>(options.console_tail_lines));
      std::vector<std::string> shown;
      for (size_t i = r.console_tail.size() - n; i < r.console_tail.size(); ++i)
        shown.push_back(SanitizeXmlText(r.console_tail[i]));
      // Longer than any backtick run a guest line holds: no line ends it.
      std::string fence = report_internal::MarkdownFence(shown);
      failures += "\n  " + fence + "text\n";
      for (const auto& line : shown) failures += "  " + line + "\n";
      failures += "  " + fence + "\n\n";
    }
  }
  if (!failures.empty()) out += "\n### Failures\n\n" + failures;
  if (!notes.empty()) out += "\n### Notes\n\n" + notes;

  // Which installer each group's install phase found, and how its end was
  // seen: what a reader of a Photon gate needs to trust install_s.
  std::string installers;
  std::set<std::string> said;
  for (const RunResult& r : suite.runs) {
    if (r.warmup || r.installer.empty()) continue;
    std::string line = fmt::format("- {} / {}: {}; completion: {}\n", Cell(r.scenario), Cell(r.profile),
                                   Cell(r.installer), Cell(r.install_completion.substr(0, r.install_completion.find(" (marker at"))));
    if (said.insert(line).second) installers += line;
  }
  if (!installers.empty()) out += "\n### Installers\n\n" + installers;

  // Warnings, de-duplicated per group.
  std::string warnings;
  for (const RunGroup& g : groups) {
    for (const std::string& w : g.Warnings()) {
      warnings += fmt::format("- {} / {}: {}\n", Cell(g.scenario), Cell(g.profile), Cell(w));
    }
  }
  if (!warnings.empty()) out += "\n### Warnings\n\n" + warnings;

  if (!options.artifacts.empty()) {
    std::vector<std::string> names;
    for (const std::string& a : options.artifacts) names.push_back(Code(a));
    out += fmt::format("\nArtifacts: {}", fmt::join(names, " · "));
    if (!suite.report_dir.empty()) out += " in " + Code(suite.report_dir);
    out += "\n";
  }
  return out;
}

}  // namespace bootgate
