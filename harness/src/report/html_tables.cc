#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "report/html_internal.h"
#include "util/escape.h"

namespace bootgate::html_internal {
namespace {

using report_internal::FormatMetric;
using report_internal::FormatNumber;
using report_internal::RunGroup;

std::string MarginCell(const BudgetResult& b) {
  std::string unit = report_internal::MetricUnit(b.metric);
  std::string sign = b.margin > 0 ? "+" : "";
  return fmt::format(
      "<td class=\"num {}\">{}{}{} ({}{}%)</td>", b.margin < 0 ? "neg" : "pos",
      sign, FormatNumber(b.margin, unit == "s" ? 2 : 1),
      unit.empty() ? "" : " " + unit, sign, FormatNumber(b.margin_pct, 1));
}

// One failed run: verdict, reason, where it ended, its logs, its console tail.
std::string Failure(const RunResult& r, const HtmlOptions& options) {
  std::string out;
  out += fmt::format(
      "<div class=\"failure v-{}\">\n<p>{} <strong>{} / {}</strong> "
      "{}iteration {}, attempt {}</p>\n<p>{}</p>\n",
      ToString(r.verdict), Pill(r.verdict), E(r.scenario), E(r.profile),
      r.warmup ? "warm-up " : "", r.iteration, r.attempt, E(r.reason));
  std::vector<std::string> facts;
  if (!r.failure_class.empty())
    facts.push_back("failure class <code>" + E(r.failure_class) + "</code>");
  if (!r.phase.empty())
    facts.push_back("ended in phase <code>" + E(r.phase) + "</code>");
  for (const VmPhaseInfo& p : r.vm_phases) {
    if (!p.console_log.empty()) {
      facts.push_back(E(p.name) + " console <a href=\"" + E(p.console_log) +
                      "\">" + E(p.console_log) + "</a>");
    }
  }
  if (!facts.empty())
    out += fmt::format("<p>{}</p>\n", fmt::join(facts, " · "));
  if (!r.console_tail.empty() && options.console_tail_lines > 0) {
    size_t n =
        std::min<size_t>(r.console_tail.size(), options.console_tail_lines);
    out += "<pre class=\"console\">";
    for (size_t i = r.console_tail.size() - n; i < r.console_tail.size(); ++i) {
      out += E(r.console_tail[i]) + "\n";
    }
    out += "</pre>\n";
  }
  out += "</div>\n";
  return out;
}

// Metrics seen in any run, sorted: the columns of the runs table.
std::vector<std::string> MetricColumns(const SuiteResult& suite) {
  std::vector<std::string> metric_columns;
  for (const RunResult& r : suite.runs) {
    for (const auto& [m, v] : r.metrics) {
      if (std::find(metric_columns.begin(), metric_columns.end(), m) ==
          metric_columns.end()) {
        metric_columns.push_back(m);
      }
    }
  }
  std::sort(metric_columns.begin(), metric_columns.end());
  return metric_columns;
}

}  // namespace

std::string E(const std::string& text) { return HtmlEscape(text); }

std::string Pill(Verdict v) {
  return fmt::format("<span class=\"pill v-{}\">{}</span>", ToString(v),
                     ToString(v));
}

std::string GroupsTable(const std::vector<RunGroup>& groups) {
  std::string o = "<table>\n";
  o += "<tr><th>Scenario</th><th>Profile</th><th>Backend</th><th>Accelerator</"
       "th>"
       "<th>Iterations</th><th>Verdict</th><th>Reason</th></tr>\n";
  for (const RunGroup& g : groups) {
    Verdict v = g.GroupVerdict();
    std::string reason = g.aggregate != nullptr ? g.aggregate->reason : "";
    o += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td "
        "class=\"num\">{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        v == Verdict::kPass ? "" : " class=\"bad\"", E(g.scenario),
        E(g.profile), E(g.Backend()), E(g.Accelerator()),
        g.WithRole(RunRole::kCounted).size(), Pill(v), E(reason));
  }
  return o + "</table>\n";
}

std::string BudgetsTable(const std::vector<RunGroup>& groups) {
  std::string o = "<table>\n";
  o += "<tr><th>Scenario</th><th>Profile</th><th>Metric</th><th>Value</th>"
       "<th>Statistic</th><th>Budget</th><th>Margin</th><th>Verdict</"
       "th><th>Note</th></tr>\n";
  for (const RunGroup& g : groups) {
    for (const BudgetResult& b : g.Budgets()) {
      o += fmt::format(
          "<tr{}><td>{}</td><td>{}</td><td><code>{}</code></td><td "
          "class=\"num\">{}</td>"
          "<td>{}</td><td class=\"num\">&le; "
          "{}</td>{}<td>{}</td><td>{}</td></tr>\n",
          b.verdict == Verdict::kPass ? "" : " class=\"bad\"", E(g.scenario),
          E(g.profile), E(b.metric), E(FormatMetric(b.metric, b.value)),
          E(b.statistic), E(FormatMetric(b.metric, b.limit)), MarginCell(b),
          Pill(b.verdict), E(b.note));
    }
  }
  return o + "</table>\n";
}

std::string ChecksSection(const std::vector<RunGroup>& groups) {
  size_t checks_total = 0;
  for (const RunGroup& g : groups) {
    for (const RunResult* r : g.WithRole(RunRole::kCounted))
      checks_total += r->checks.size();
  }
  std::string o;
  o += "<section id=\"checks\">\n<h2>Conformance checks</h2>\n";
  if (checks_total == 0) {
    o += "<div class=\"missing\">No checks ran.</div>\n";
  } else {
    o += "<table>\n<tr><th>Scenario</th><th>Profile</th><th>Iteration</"
         "th><th>Check</th>"
         "<th>Command</th><th>Channel</th><th>Duration</th><th>Verdict</"
         "th><th>Reason</th></tr>\n";
    for (const RunGroup& g : groups) {
      for (const RunResult* r : g.WithRole(RunRole::kCounted)) {
        for (const CheckResult& c : r->checks) {
          o += fmt::format(
              "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>"
              "<td><code>{}</code></td><td>{}</td><td "
              "class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
              c.verdict == Verdict::kPass ? "" : " class=\"bad\"",
              E(r->scenario), E(r->profile), r->iteration, E(c.name),
              E(c.command), E(c.channel),
              E(FormatNumber(c.duration_s, 2) + " s"), Pill(c.verdict),
              E(c.reason));
        }
      }
    }
    o += "</table>\n";
  }
  o += "</section>\n";
  return o;
}

std::string FailuresSection(const SuiteResult& suite,
                            const HtmlOptions& options) {
  std::string failures;
  for (const RunResult& r : suite.runs) {
    // What the judge counted against the group: counted runs and warm-ups
    // that did not pass; a superseded attempt is listed in "All runs".
    const Verdict v = r.counts_as;
    if (r.role == RunRole::kSuperseded || v == Verdict::kPass ||
        v == Verdict::kSkipped) {
      continue;
    }
    failures += Failure(r, options);
  }
  if (failures.empty()) return "";
  return "<section id=\"failures\">\n<h2>Failures</h2>\n" + failures +
         "</section>\n";
}

std::string WarningsSection(const std::vector<RunGroup>& groups) {
  std::string warnings;
  for (const RunGroup& g : groups) {
    for (const std::string& w : g.Warnings()) {
      warnings += "<li><strong>" + E(g.scenario) + " / " + E(g.profile) +
                  "</strong>: " + E(w) + "</li>\n";
    }
  }
  if (warnings.empty()) return "";
  return "<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul "
         "class=\"warnings\">\n" +
         warnings + "</ul>\n</section>\n";
}

std::string RunsSection(const SuiteResult& suite) {
  std::vector<std::string> metric_columns = MetricColumns(suite);
  std::string o;
  o += "<section id=\"runs\">\n<h2>All "
       "runs</h2>\n<table>\n<tr><th>Scenario</th><th>Profile</th>"
       "<th>Iter.</th><th>Attempt</th><th>Verdict</th>";
  for (const std::string& m : metric_columns) o += "<th>" + E(m) + "</th>";
  o += "<th>Wall</th><th>Accel.</th><th>Started</th></tr>\n";
  for (const RunResult& r : suite.runs) {
    o += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}{}</td><td "
        "class=\"num\">{}</td><td>{}</td>",
        E(r.scenario), E(r.profile), r.iteration, r.warmup ? " (warm-up)" : "",
        r.attempt,
        Pill(r.counts_as) + (r.role == RunRole::kSuperseded
                                 ? " superseded (" + ToString(r.verdict) + ")"
                                 : ""));
    for (const std::string& m : metric_columns) {
      auto it = r.metrics.find(m);
      o += "<td class=\"num\">" +
           (it == r.metrics.end() ? std::string("&ndash;")
                                  : E(FormatMetric(m, it->second))) +
           "</td>";
    }
    o += fmt::format("<td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
                     E(FormatNumber(r.wall_s, 1) + " s"), E(r.accelerator),
                     E(r.started_at));
  }
  return o + "</table>\n</section>\n";
}

}  // namespace bootgate::html_internal
