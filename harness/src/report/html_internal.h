// Internal to the HTML reporter: the pieces of report.html that the page
// (html_page.cc) assembles from the tables (html_tables.cc). Every function
// returns a finished HTML fragment with all text escaped.
#pragma once

#include <string>
#include <vector>

#include "report/html_report.h"
#include "report/render_util.h"
#include "result/result.h"

namespace bootgate::html_internal {

/// HTML-escaped `text` (util/escape.h HtmlEscape).
std::string E(const std::string& text);
/// A verdict as a coloured pill.
std::string Pill(Verdict v);

/// The scenario x profile table: verdict and reason per group.
std::string GroupsTable(const std::vector<report_internal::RunGroup>& groups);
/// The budgets table: value, statistic, limit and margin per judged budget.
std::string BudgetsTable(const std::vector<report_internal::RunGroup>& groups);
/// The "checks" section: every check of every counted run, or a note.
std::string ChecksSection(const std::vector<report_internal::RunGroup>& groups);
/// The "failures" section (verdict, reason, logs, console tail per failed
/// counted run); "" if every run passed.
std::string FailuresSection(const SuiteResult& suite,
                            const HtmlOptions& options);
/// The "warnings" section (each warning once per group); "" if none.
std::string WarningsSection(
    const std::vector<report_internal::RunGroup>& groups);
/// The "runs" section: one row per run with every metric seen.
std::string RunsSection(const SuiteResult& suite);

}  // namespace bootgate::html_internal
