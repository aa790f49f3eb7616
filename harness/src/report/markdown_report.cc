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
using report_internal::MarkdownCell;
using report_internal::RunGroup;
using report_internal::UpperVerdict;

/// Code span that survives backticks in the text.
std::string Code(const std::string& text) {
  std::string clean = MarkdownCell(text);
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

std::string Header(const SuiteResult& suite, size_t groups) {
  // What the judge counted: counted runs only, by the verdict they count as.
  std::map<std::string, int> counts;
  int counted_runs = 0, superseded = 0, warmups = 0;
  for (const AggregateResult& a : suite.aggregates) {
    for (const auto& [v, n] : a.counts) {
      counts[v] += n;
      counted_runs += n;
    }
    superseded += a.superseded;
    warmups += a.warmups;
  }
  std::string out = fmt::format("## bootgate: **{}**\n\n", UpperVerdict(suite.verdict));
  std::vector<std::string> summary;
  summary.push_back(fmt::format("{} scenario x profile group{}", groups,
                                groups == 1 ? "" : "s"));
  std::string runs = fmt::format("{} counted run{}", counted_runs,
                                 counted_runs == 1 ? "" : "s");
  std::vector<std::string> parts;
  for (const auto& [v, n] : counts) parts.push_back(fmt::format("{} {}", n, v));
  if (!parts.empty()) runs += " (" + fmt::format("{}", fmt::join(parts, ", ")) + ")";
  summary.push_back(runs);
  if (warmups > 0)
    summary.push_back(
        fmt::format("{} warm-up{}", warmups, warmups == 1 ? "" : "s"));
  if (superseded > 0) {
    summary.push_back(fmt::format("{} superseded attempt{}", superseded,
                                  superseded == 1 ? "" : "s"));
  }
  if (suite.interrupted) summary.push_back("interrupted");
  if (suite.shard_count > 0) {
    summary.push_back(
        fmt::format("shard {}/{}", suite.shard_index, suite.shard_count));
  }
  if (!suite.build_id.empty()) summary.push_back("build " + Code(suite.build_id));
  if (!suite.host.empty()) summary.push_back("host " + Code(suite.host));
  if (!suite.bootgate_version.empty()) {
    summary.push_back("bootgate " + MarkdownCell(suite.bootgate_version));
  }
  if (!suite.started_at.empty()) summary.push_back("started " + MarkdownCell(suite.started_at));
  return out + fmt::format("{}\n\n", fmt::join(summary, " · "));
}

// The judged verdict of each group and the judge's reason for it.
std::string VerdictTable(const std::vector<RunGroup>& groups) {
  std::string out =
      "| Scenario | Profile | Verdict | Reason |\n|---|---|---|---|\n";
  for (const RunGroup& g : groups) {
    out += fmt::format("| {} | {} | {} | {} |\n", MarkdownCell(g.scenario),
                       MarkdownCell(g.profile), VerdictCell(g.GroupVerdict()),
                       g.aggregate != nullptr ? MarkdownCell(g.aggregate->reason) : "");
  }
  return out + "\n";
}

std::string MetricTable(const std::vector<RunGroup>& groups) {
  std::string out =
      "| Scenario | Profile | Accel | Metric | Value | Budget | Margin | "
      "Verdict |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const RunGroup& g : groups) {
    std::string accel = MarkdownCell(g.Accelerator());
    std::set<std::string> judged;
    bool any_row = false;
    for (const BudgetResult& b : g.Budgets()) {
      judged.insert(b.metric);
      std::string value = FormatMetric(b.metric, b.value);
      if (b.statistic != "value") value += " (" + b.statistic + ")";
      out += fmt::format("| {} | {} | {} | {} | {} | <= {} | {} | {} |\n",
                         MarkdownCell(g.scenario), MarkdownCell(g.profile), accel, MarkdownCell(b.metric),
                         MarkdownCell(value), MarkdownCell(FormatMetric(b.metric, b.limit)),
                         MarkdownCell(Margin(b)), VerdictCell(b.verdict));
      any_row = true;
    }
    // Measured metrics without a budget, for context.
    if (g.aggregate != nullptr) {
      for (const auto& [metric, st] : g.aggregate->stats) {
        if (judged.count(metric)) continue;
        out += fmt::format("| {} | {} | {} | {} | {} | - | - | - |\n",
                           MarkdownCell(g.scenario), MarkdownCell(g.profile), accel, MarkdownCell(metric),
                           MarkdownCell(FormatMetric(metric, st.median) + " (median)"));
        any_row = true;
      }
    }
    if (!any_row) {
      out += fmt::format("| {} | {} | {} | - | - | - | - | {} |\n", MarkdownCell(g.scenario),
                         MarkdownCell(g.profile), accel, VerdictCell(g.GroupVerdict()));
    }
  }
  return out;
}

std::string ExplainedSection(const std::vector<RunGroup>& groups) {
  std::string explained;
  for (const RunGroup& g : groups) {
    const RunResult* r = report_internal::ExplainedRun(g);
    if (!r) continue;
    for (const char* metric : {"boot_s", "ram_mib", "disk_mib"}) {
      std::string line = report_internal::ExplainSummary(*r, metric);
      if (!line.empty())
        explained += fmt::format("- {} / {} {}: {}\n", MarkdownCell(g.scenario),
                                 MarkdownCell(g.profile), metric, MarkdownCell(line));
    }
  }
  return explained.empty() ? "" : "\n### What the guest says\n\n" + explained;
}

std::string FailedChecks(const SuiteResult& suite) {
  std::string checks;
  for (const RunResult& r : suite.runs) {
    if (r.role != RunRole::kCounted) continue;
    for (const CheckResult& c : r.checks) {
      if (c.verdict == Verdict::kPass || c.verdict == Verdict::kSkipped) continue;
      checks += fmt::format("- {} / {} iteration {}: **{}** {}: {}\n", MarkdownCell(r.scenario),
                            MarkdownCell(r.profile), r.iteration, MarkdownCell(c.name),
                            ToString(c.verdict), MarkdownCell(c.reason));
      if (!c.command.empty()) checks += fmt::format("  - command: {}\n", Code(c.command));
    }
  }
  return checks.empty() ? "" : "\n### Failed checks\n\n" + checks;
}

std::string RunName(const RunResult& r) {
  return fmt::format(
      "{} / {} {}iteration {}{}", MarkdownCell(r.scenario), MarkdownCell(r.profile),
      r.warmup ? "warm-up " : "", r.iteration,
      r.attempt > 1 ? fmt::format(" attempt {}", r.attempt) : "");
}

std::string ConsoleTail(const RunResult& r, const MarkdownOptions& options) {
  if (options.console_tail_lines <= 0 || r.failure_class.empty() ||
      r.console_tail.empty()) {
    return "";
  }
  size_t n = std::min<size_t>(r.console_tail.size(),
                              static_cast<size_t>(options.console_tail_lines));
  std::vector<std::string> shown;
  for (size_t i = r.console_tail.size() - n; i < r.console_tail.size(); ++i)
    shown.push_back(SanitizeXmlText(r.console_tail[i]));
  // Longer than any backtick run a guest line holds: no line ends it.
  std::string fence = report_internal::MarkdownFence(shown);
  std::string out = "\n  " + fence + "text\n";
  for (const auto& line : shown) out += "  " + line + "\n";
  return out + "  " + fence + "\n\n";
}

// What the judge counted against a group (counted runs and warm-ups that did
// not pass), the attempts it superseded, and its notes.
std::string RunSections(const SuiteResult& suite,
                        const MarkdownOptions& options) {
  std::string failures, superseded, notes;
  for (const RunResult& r : suite.runs) {
    std::string what =
        fmt::format("- {}: **{}**", RunName(r), ToString(r.verdict));
    if (!r.failure_class.empty()) what += " (" + MarkdownCell(r.failure_class) + ")";
    what += ": " + MarkdownCell(r.reason) + "\n";
    if (r.role == RunRole::kSuperseded) {
      superseded += what;
      continue;
    }
    if (!r.judge_note.empty()) {
      notes += fmt::format("- {}: {}\n", RunName(r), MarkdownCell(r.judge_note));
    }
    if (r.counts_as == Verdict::kPass || r.counts_as == Verdict::kSkipped)
      continue;
    failures += what + ConsoleTail(r, options);
  }
  std::string out;
  if (!failures.empty()) out += "\n### Failures\n\n" + failures;
  if (!superseded.empty()) {
    out +=
        "\n### Superseded attempts\n\nA later attempt of the same iteration "
        "replaced these (--retries, the KVM to TCG fallback); they do not "
        "count.\n\n" +
        superseded;
  }
  if (!notes.empty()) out += "\n### Notes\n\n" + notes;
  return out;
}

std::string Installers(const SuiteResult& suite) {
  // Which installer each group's install phase found, and how its end was
  // seen: what a reader of a Photon gate needs to trust install_s.
  std::string installers;
  std::set<std::string> said;
  for (const RunResult& r : suite.runs) {
    if (r.role != RunRole::kCounted || r.installer.empty()) continue;
    std::string line = fmt::format("- {} / {}: {}; completion: {}\n", MarkdownCell(r.scenario), MarkdownCell(r.profile),
                                   MarkdownCell(r.installer), MarkdownCell(r.install_completion.substr(0, r.install_completion.find(" (marker at"))));
    if (said.insert(line).second) installers += line;
  }
  return installers.empty() ? "" : "\n### Installers\n\n" + installers;
}

std::string Warnings(const std::vector<RunGroup>& groups) {
  std::string warnings;
  for (const RunGroup& g : groups) {
    for (const std::string& w : g.Warnings()) {
      warnings += fmt::format("- {} / {}: {}\n", MarkdownCell(g.scenario), MarkdownCell(g.profile), MarkdownCell(w));
    }
  }
  return warnings.empty() ? "" : "\n### Warnings\n\n" + warnings;
}

}  // namespace

std::string RenderMarkdown(const SuiteResult& suite,
                           const MarkdownOptions& options) {
  auto groups = report_internal::GroupRuns(suite);
  std::string out = Header(suite, groups.size());
  out += VerdictTable(groups);
  out += MetricTable(groups);
  out += ExplainedSection(groups);
  out += FailedChecks(suite);
  out += RunSections(suite, options);
  out += Installers(suite);
  out += Warnings(groups);
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
