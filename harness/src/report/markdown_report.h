// Markdown reporter: the short summary posted as a pull-request comment or
// appended to $GITHUB_STEP_SUMMARY. Plain text verdicts (no emoji), one table
// row per scenario x profile x metric, then what failed and why.
#pragma once

#include <string>
#include <vector>

#include "result/result.h"

namespace bootgate {

struct MarkdownOptions {
  /// Artifact file names listed at the end (relative to the report dir).
  std::vector<std::string> artifacts = {"report.json", "junit.xml",
                                        "report.html"};
  /// Console tail lines quoted per failed run (0: none).
  int console_tail_lines = 5;
};

/// Headline "## bootgate: **FAIL**", a summary line, the metric table
/// (value and statistic, budget, margin, verdict), failed checks, failed or
/// errored runs with their reasons, warnings, and the artifact names.
/// Table cells escape `|`, newlines and `<`.
std::string RenderMarkdown(const SuiteResult& suite,
                           const MarkdownOptions& options = {});

}  // namespace bootgate
