#include "cli/summary.h"

#include <fmt/format.h>

#include <set>

#include "cli/cli_util.h"
#include "cli/style.h"

namespace bootgate {
namespace {

std::string VerdictWord(Verdict v, int width, bool color) {
  std::string word = Upper(v);
  std::string padded = word;
  if (static_cast<int>(padded.size()) < width) padded.resize(width, ' ');
  return Paint(word, padded, color);
}

std::string GroupLine(const AggregateResult& a, bool color) {
  int n = 0;
  for (const auto& [verdict, count] : a.counts) n += count;
  std::string metrics;
  std::set<std::string> judged;
  for (const auto& b : a.budgets) {
    judged.insert(b.metric);
    if (b.verdict == Verdict::kSkipped) {
      metrics += b.metric + " not measured  ";
      continue;
    }
    metrics += b.metric + " " + Fmt(b.value) +
               (b.verdict == Verdict::kFail ? " > " : " <= ") +
               Fmt(b.limit, 1) + " [" + ToString(b.verdict) + "]  ";
  }
  for (const auto& [m, st] : a.stats) {
    if (judged.count(m) || m.rfind("phase_", 0) == 0 || m == "debug_port_s")
      continue;
    metrics += m + " " + Fmt(st.median) + "  ";
  }
  std::string out = fmt::format(
      "{:<28} {:<10} {:<5} {:<6} {} {}\n", Safe(a.scenario), Safe(a.profile),
      Safe(a.accelerator), n, VerdictWord(a.verdict, 12, color), Safe(metrics));
  if (a.verdict != Verdict::kPass && !a.reason.empty()) {
    out += "    reason: " + Safe(a.reason) + "\n";
  }
  if (a.superseded > 0) {
    out += fmt::format("    superseded: {} attempt{} replaced by a later one\n",
                       a.superseded, a.superseded == 1 ? "" : "s");
  }
  for (const auto& w : a.warnings) out += "    warning: " + Safe(w) + "\n";
  return out;
}

std::string RunLine(const RunResult& r, bool color) {
  const bool superseded = r.role == RunRole::kSuperseded;
  std::string out = fmt::format(
      "  {}/{} {}#{}{}: {}{}: {}\n", Safe(r.scenario), Safe(r.profile),
      r.warmup ? "warm-up " : "", r.iteration,
      r.attempt > 1 ? " attempt " + std::to_string(r.attempt) : "",
      superseded ? "superseded " : "",
      VerdictWord(r.verdict, 0, color && !superseded), Safe(r.reason));
  if (!superseded && !r.console_tail.empty()) {
    out += "    last console lines:\n";
    size_t from = r.console_tail.size() > 8 ? r.console_tail.size() - 8 : 0;
    for (size_t i = from; i < r.console_tail.size(); ++i) {
      out += "    | " + Safe(r.console_tail[i]) + "\n";
    }
  }
  return out;
}

}  // namespace

std::string RenderSummary(const SuiteResult& suite, bool quiet, bool color) {
  if (quiet) return "verdict: " + VerdictWord(suite.verdict, 0, color) + "\n";
  std::string out = fmt::format(
      "\n{:<28} {:<10} {:<5} {:<6} {:<12} {}\n", "scenario", "profile", "accel",
      "runs", "verdict", "metrics (judged statistic vs budget)");
  for (const auto& a : suite.aggregates) out += GroupLine(a, color);
  for (const auto& r : suite.runs) {
    // What the judge counted against a group, and what it set aside.
    const bool counted_bad =
        r.counts_as != Verdict::kPass && r.counts_as != Verdict::kSkipped;
    if (r.role == RunRole::kSuperseded || counted_bad) out += RunLine(r, color);
  }
  if (suite.interrupted)
    out += "\ninterrupted: runs that never started are not counted\n";
  return out + "\nverdict: " + VerdictWord(suite.verdict, 0, color) + "\n";
}

void PrintSummary(const SuiteResult& suite, FILE* out, bool quiet, bool color) {
  std::fputs(RenderSummary(suite, quiet, color).c_str(), out);
}

}  // namespace bootgate
