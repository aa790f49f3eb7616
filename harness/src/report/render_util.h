// Helpers shared by the reporters (internal to bootgate_report): compact
// number formatting, RFC 3339 parsing, and the grouping of a suite's runs
// into scenario x profile groups. Escaping is util/escape.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result/result.h"

namespace bootgate::report_internal {

/// A number with at most `decimals` decimals, trailing zeros removed
/// ("12.5", "45", "-0.25"). NaN/inf print as "nan"/"inf".
std::string FormatNumber(double value, int decimals = 2);
/// The unit a metric key carries in its name: "boot_s" -> "s",
/// "ram_mib" -> "MiB", "image_bytes" -> "B"; "" when unknown.
std::string MetricUnit(const std::string& metric);
/// Text safe inside a Markdown table cell (and inline elsewhere): no pipes,
/// no line breaks, no raw HTML, no control characters.
std::string MarkdownCell(const std::string& text);
/// FormatNumber plus the unit: "12.5 s", "150 MiB".
std::string FormatMetric(const std::string& metric, double value);

/// Seconds since the Unix epoch for an RFC 3339 time
/// ("2026-01-01T00:00:00.000Z", "...+02:00"); nullopt if it does not parse.
std::optional<double> ParseRfc3339(const std::string& text);

/// The runs and aggregate of one scenario x profile, in first-seen order.
/// Everything it answers is what the judge (budget/judge_suite.h) decided:
/// it reads roles, counts_as and the aggregate, and decides nothing.
struct RunGroup {
  std::string scenario;
  std::string profile;
  const AggregateResult* aggregate = nullptr;  ///< null: never judged
  std::vector<const RunResult*> runs;          ///< every attempt, in order
  /// The runs the judge gave `role`, in order.
  std::vector<const RunResult*> WithRole(RunRole role) const;
  /// The attempts of `run`'s iteration that a later one superseded.
  std::vector<const RunResult*> SupersededBy(const RunResult& run) const;
  /// The accelerator that really ran (aggregate's, else the last run's).
  std::string Accelerator() const;
  std::string Backend() const;
  /// The judged verdict (the aggregate's; kError if the group was never
  /// judged).
  Verdict GroupVerdict() const;
  /// The judged budgets (the aggregate's).
  std::vector<BudgetResult> Budgets() const;
  /// The group's warnings, each once: the aggregate's, then the counted
  /// runs'.
  std::vector<std::string> Warnings() const;
};
std::vector<RunGroup> GroupRuns(const SuiteResult& suite);

/// The aggregate of `run`'s scenario x profile in `suite`, or nullptr.
const AggregateResult* AggregateOf(const SuiteResult& suite,
                                   const RunResult& run);

/// The statistic `judge` ("median" | "p95" | "max" | "mean" | "min") of
/// `stats`; the median for an unknown name.
double JudgedStatistic(const Stats& stats, const std::string& judge);

/// "pass" -> "PASS".
std::string UpperVerdict(Verdict v);

/// What the guest says about `metric` in `run` (its explanation), in one
/// line of at most `top_n` items per list: boot_s -> "slowest units: a.service
/// 12.3 s, ...; critical chain: ..."; ram_mib -> "largest processes (PSS):
/// ...; kernel: sunreclaim 20 MiB, ...; unexplained 3.1 MiB of 163 MiB";
/// disk_mib -> "largest directories: ...; largest packages: ...". "" when
/// the run has no explanation for it.
std::string ExplainSummary(const RunResult& run, const std::string& metric,
                           int top_n = 3);

/// The last counted run of `group` that has an explanation, or nullptr.
const RunResult* ExplainedRun(const RunGroup& group);

/// True if `path` (a report's console_log, perhaps from a merged shard) may
/// become a link: a relative file path, no scheme ("javascript:", "data:"),
/// no "//host", no backslash or control character. Pure.
bool IsRelativeFileLink(std::string_view path);

/// A Markdown code fence for `lines`: backticks, at least three and one more
/// than the longest run of backticks in any line, so no line closes it. Pure.
std::string MarkdownFence(const std::vector<std::string>& lines);

}  // namespace bootgate::report_internal
