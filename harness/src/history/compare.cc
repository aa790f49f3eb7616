#include "history/compare.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace bootgate {

namespace {

bool Counted(const HistoryRun& r) {
  return !r.warmup && r.verdict != "error" && r.verdict != "interrupted" &&
         r.verdict != "skipped";
}

struct Side {
  std::map<std::string, std::vector<double>> values;  // metric -> values
  std::set<std::string> accelerators;
};

using Groups = std::map<std::pair<std::string, std::string>, Side>;

Groups Collect(const History& history, const Selector& selector) {
  Groups groups;
  for (const HistoryRun& r : history.QueryRuns(selector)) {
    if (!Counted(r)) continue;
    Side& side = groups[{r.scenario, r.profile}];
    if (!r.accelerator.empty()) side.accelerators.insert(r.accelerator);
    for (const auto& [metric, v] : r.metrics) side.values[metric].push_back(v);
  }
  return groups;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : "+") + x;
  return out.empty() ? "?" : out;
}

}  // namespace

std::vector<CompareReport> CompareSelections(const History& history,
                                             const Selector& baseline,
                                             const Selector& candidate, double alpha,
                                             double min_effect_pct) {
  const Groups base = Collect(history, baseline);
  const Groups cand = Collect(history, candidate);
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& [k, v] : base) keys.insert(k);
  for (const auto& [k, v] : cand) keys.insert(k);

  static const Side kEmpty;
  std::vector<CompareReport> reports;
  for (const auto& key : keys) {
    const auto b_it = base.find(key);
    const auto c_it = cand.find(key);
    const Side& b = b_it != base.end() ? b_it->second : kEmpty;
    const Side& c = c_it != cand.end() ? c_it->second : kEmpty;
    CompareReport report;
    report.scenario = key.first;
    report.profile = key.second;
    if (b_it == base.end()) {
      report.note = "no baseline runs for this scenario x profile";
    } else if (c_it == cand.end()) {
      report.note = "no candidate runs for this scenario x profile";
    } else if (b.accelerators != c.accelerators) {
      report.note = "accelerators differ: baseline " + Join(b.accelerators) + ", candidate " +
                    Join(c.accelerators) + "; timings are not comparable";
    }
    std::set<std::string> metrics;
    for (const auto& [m, v] : b.values) metrics.insert(m);
    for (const auto& [m, v] : c.values) metrics.insert(m);
    static const std::vector<double> kNone;
    for (const std::string& m : metrics) {
      const auto bv = b.values.find(m);
      const auto cv = c.values.find(m);
      report.metrics.push_back(CompareMetric(m, bv != b.values.end() ? bv->second : kNone,
                                             cv != c.values.end() ? cv->second : kNone, alpha,
                                             min_effect_pct));
      if (report.metrics.back().change == Change::kRegression) report.regression = true;
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

std::string FormatCompareTable(const std::vector<CompareReport>& reports) {
  std::vector<std::vector<std::string>> rows = {
      {"scenario", "profile", "metric", "baseline (n)", "candidate (n)", "delta", "p", "result"}};
  std::vector<std::string> notes;
  for (const CompareReport& r : reports) {
    if (!r.note.empty()) notes.push_back(fmt::format("{} {}: {}", r.scenario, r.profile, r.note));
    for (const MetricComparison& m : r.metrics) {
      const bool have = m.n_baseline > 0 && m.n_candidate > 0;
      rows.push_back({r.scenario, r.profile, m.metric,
                      m.n_baseline ? fmt::format("{:.4g} ({})", m.baseline_median, m.n_baseline) : "-",
                      m.n_candidate ? fmt::format("{:.4g} ({})", m.candidate_median, m.n_candidate) : "-",
                      have ? fmt::format("{:+.1f}%", m.delta_pct) : "-",
                      have ? fmt::format("{:.3g}", m.p_value) : "-", ToString(m.change)});
      if (!m.note.empty()) notes.push_back(fmt::format("{} {} {}: {}", r.scenario, r.profile, m.metric, m.note));
    }
  }
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  if (reports.empty()) out += "(no runs matched either selection)\n";
  if (!notes.empty()) {
    out += "\n";
    for (const auto& n : notes) out += "- " + n + "\n";
  }
  return out;
}

}  // namespace bootgate
