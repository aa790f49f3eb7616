#include "history/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace bootgate {

namespace {

bool Counted(const HistoryRun& r) {
  return !r.warmup && r.verdict != "error" && r.verdict != "interrupted" &&
         r.verdict != "skipped";
}

struct Side {
  std::map<std::string, std::vector<double>> values;  // metric -> values
  std::set<std::string> accelerators;
  std::set<std::string> backends;
  std::set<std::string> vm_sizes;  // "1 vCPU, 512 MiB"
  std::vector<ExplainRowsOfRun> explains;  // of the runs that have one
};

using Groups = std::map<std::pair<std::string, std::string>, Side>;

bool Selected(const CompareOptions& o, const std::string& metric) {
  return o.metrics.empty() || std::find(o.metrics.begin(), o.metrics.end(),
                                        metric) != o.metrics.end();
}

// The counted runs of `selector` that have a selected metric, by group.
Groups Collect(const History& history, const Selector& selector,
               const CompareOptions& o, int* runs) {
  Groups groups;
  for (const HistoryRun& r : history.QueryRuns(selector)) {
    if (!Counted(r)) continue;
    bool any = false;
    for (const auto& [metric, v] : r.metrics) any |= Selected(o, metric);
    if (!any) continue;
    ++*runs;
    Side& side = groups[{r.scenario, r.profile}];
    if (!r.accelerator.empty()) side.accelerators.insert(r.accelerator);
    if (!r.backend.empty()) side.backends.insert(r.backend);
    if (r.vm_cpus > 0)
      side.vm_sizes.insert(fmt::format("{} vCPU, {} MiB", r.vm_cpus, r.vm_memory_mib));
    for (const auto& [metric, v] : r.metrics) {
      if (Selected(o, metric)) side.values[metric].push_back(v);
    }
    if (!r.explain.empty()) side.explains.push_back(r.explain);
  }
  return groups;
}

std::map<std::string, std::set<std::string>> ProfilesByScenario(
    const Groups& groups) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& [key, side] : groups) out[key.first].insert(key.second);
  return out;
}

// Re-keys a group under a new profile name (a cross-profile comparison).
void Rekey(Groups& groups, const std::pair<std::string, std::string>& from,
           const std::string& profile) {
  auto node = groups.extract(from);
  node.key().second = profile;
  groups.insert(std::move(node));
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : "+") + x;
  return out.empty() ? "?" : out;
}

}  // namespace

CompareResult Compare(const History& history, const Selector& baseline,
                      const Selector& candidate, const CompareOptions& o) {
  CompareResult result;
  Groups base = Collect(history, baseline, o, &result.baseline_runs);
  Groups cand = Collect(history, candidate, o, &result.candidate_runs);
  if (result.baseline_runs == 0 || result.candidate_runs == 0) {
    result.refusal = std::string(result.baseline_runs == 0 ? "the baseline"
                                                           : "the candidate") +
                     " selection matched no counted runs" +
                     (o.metrics.empty() ? "" : " with the selected metrics") +
                     "; nothing to compare (a mistyped selector?)";
    if (result.baseline_runs == 0 && result.candidate_runs == 0) {
      result.refusal =
          "neither selection matched counted runs" +
          std::string(o.metrics.empty() ? "" : " with the selected metrics") +
          "; nothing to compare (a mistyped selector?)";
    }
    return result;
  }
  // Profiles: a scenario measured on other profiles on the other side.
  const auto base_profiles = ProfilesByScenario(base);
  const auto cand_profiles = ProfilesByScenario(cand);
  for (const auto& [scenario, bp] : base_profiles) {
    auto it = cand_profiles.find(scenario);
    if (it == cand_profiles.end() || it->second == bp) continue;
    const std::set<std::string>& cp = it->second;
    result.mismatches.push_back(scenario + ": profiles differ: baseline " +
                                Join(bp) + ", candidate " + Join(cp));
    if (o.allow_mismatch && bp.size() == 1 && cp.size() == 1) {
      const std::string paired = *bp.begin() + " vs " + *cp.begin();
      Rekey(base, {scenario, *bp.begin()}, paired);
      Rekey(cand, {scenario, *cp.begin()}, paired);
    }
  }
  for (const auto& [key, b] : base) {
    auto it = cand.find(key);
    if (it == cand.end()) continue;
    const Side& c = it->second;
    const std::string group = key.first + " / " + key.second;
    if (b.accelerators != c.accelerators) {
      result.mismatches.push_back(group + ": accelerators differ: baseline " +
                                  Join(b.accelerators) + ", candidate " +
                                  Join(c.accelerators));
    }
    if (b.backends != c.backends) {
      result.mismatches.push_back(group + ": backends differ: baseline " +
                                  Join(b.backends) + ", candidate " +
                                  Join(c.backends));
    }
    // Runs from before the history recorded VM sizes have none: only two
    // known, different sizes are a mismatch.
    if (!b.vm_sizes.empty() && !c.vm_sizes.empty() && b.vm_sizes != c.vm_sizes) {
      result.mismatches.push_back(group + ": VM sizes differ: baseline " + Join(b.vm_sizes) +
                                  ", candidate " + Join(c.vm_sizes));
    }
  }
  if (!result.mismatches.empty() && !o.allow_mismatch) {
    result.refusal =
        "baseline and candidate are not comparable (" +
        result.mismatches.front() +
        (result.mismatches.size() > 1
             ? fmt::format("; and {} more", result.mismatches.size() - 1)
             : std::string()) +
        "); pass --allow-mismatch to compare them anyway";
    return result;
  }
  const double alpha = o.alpha;
  const double min_effect_pct = o.min_effect_pct;
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& [k, v] : base) keys.insert(k);
  for (const auto& [k, v] : cand) keys.insert(k);

  static const Side kEmpty;
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
    } else if (b.accelerators != c.accelerators || b.backends != c.backends) {
      report.note =
          "compared across a mismatch (--allow-mismatch): accelerators "
          "baseline " +
          Join(b.accelerators) + ", candidate " + Join(c.accelerators) +
          "; backends baseline " + Join(b.backends) + ", candidate " +
          Join(c.backends) + "; timings may not be comparable";
    } else if (key.second.find(" vs ") != std::string::npos) {
      report.note = "compared across profiles (--allow-mismatch)";
    }
    std::set<std::string> metrics;
    for (const auto& [m, v] : b.values) metrics.insert(m);
    for (const auto& [m, v] : c.values) metrics.insert(m);
    static const std::vector<double> kNone;
    for (const std::string& m : metrics) {
      const auto bv = b.values.find(m);
      const auto cv = c.values.find(m);
      report.metrics.push_back(CompareMetric(
          m, bv != b.values.end() ? bv->second : kNone,
          cv != c.values.end() ? cv->second : kNone, alpha, min_effect_pct));
    }
    std::vector<const ExplainRowsOfRun*> be, ce;
    for (const auto& e : b.explains) be.push_back(&e);
    for (const auto& e : c.explains) ce.push_back(&e);
    report.movers = CompareExplanations(be, ce, alpha, min_effect_pct);
    result.reports.push_back(std::move(report));
  }
  std::vector<MetricComparison*> family;
  for (CompareReport& r : result.reports) {
    for (MetricComparison& m : r.metrics) family.push_back(&m);
  }
  result.tests = HolmCorrect(family, alpha, min_effect_pct);
  for (CompareReport& r : result.reports) {
    for (const MetricComparison& m : r.metrics)
      r.regression |= m.change == Change::kRegression;
    result.regression |= r.regression;
  }
  return result;
}

int CompareExitCode(const CompareResult& result) {
  if (!result.refusal.empty()) return 2;
  return result.regression ? 1 : 0;
}

std::string FormatCompareTable(const std::vector<CompareReport>& reports) {
  std::vector<std::vector<std::string>> rows = {
      {"scenario", "profile", "metric", "baseline (n)", "candidate (n)", "delta", "p", "result"}};
  std::vector<std::string> notes, movers;
  for (const CompareReport& r : reports) {
    if (!r.note.empty()) notes.push_back(fmt::format("{} {}: {}", r.scenario, r.profile, r.note));
    for (const MetricComparison& m : r.metrics) {
      const bool have = m.n_baseline > 0 && m.n_candidate > 0;
      rows.push_back(
          {r.scenario, r.profile, m.metric,
           m.n_baseline
               ? fmt::format("{:.4g} ({})", m.baseline_median, m.n_baseline)
               : "-",
           m.n_candidate
               ? fmt::format("{:.4g} ({})", m.candidate_median, m.n_candidate)
               : "-",
           have ? fmt::format("{:+.1f}%", m.delta_pct) : "-",
           have ? fmt::format("{:.3g}", m.p_adjusted) : "-",
           ToString(m.change)});
      if (!m.note.empty()) notes.push_back(fmt::format("{} {} {}: {}", r.scenario, r.profile, m.metric, m.note));
    }
    for (const ExplainMover& m : r.movers)
      movers.push_back(fmt::format("{} {} {}: {}", r.scenario, r.profile,
                                   m.metric, FormatMover(m)));
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
  if (!movers.empty()) {
    out +=
        "\nwhat moved in the guest (top movers per metric, largest first):\n";
    for (const auto& m : movers) out += "- " + m + "\n";
  }
  return out;
}

std::string FormatCompareTable(const CompareResult& result) {
  if (!result.refusal.empty()) return "not compared: " + result.refusal + "\n";
  std::string out = FormatCompareTable(result.reports);
  out += "\n";
  if (result.tests >= 2) {
    out += fmt::format(
        "p-values are Holm-corrected for {} tests (every metric of every group "
        "tested); the "
        "p column is the adjusted one\n",
        result.tests);
  } else {
    out += fmt::format("{} U test{}: no multiple-testing correction\n",
                       result.tests, result.tests == 1 ? "" : "s");
  }
  for (const std::string& m : result.mismatches)
    out += "- compared anyway: " + m + "\n";
  out += std::string("result: ") +
         (result.regression ? "REGRESSION" : "no regression") + "\n";
  return out;
}

std::string RenderCompareJson(const CompareResult& result) {
  nlohmann::json groups = nlohmann::json::array();
  for (const CompareReport& r : result.reports) {
    nlohmann::json metrics = nlohmann::json::array();
    for (const MetricComparison& m : r.metrics) {
      metrics.push_back({{"metric", m.metric},
                         {"change", ToString(m.change)},
                         {"baseline_median", m.baseline_median},
                         {"candidate_median", m.candidate_median},
                         {"delta_pct", m.delta_pct},
                         {"p_value", m.p_value},
                         {"p_adjusted", m.p_adjusted},
                         {"n_baseline", m.n_baseline},
                         {"n_candidate", m.n_candidate},
                         {"note", m.note}});
    }
    nlohmann::json movers = nlohmann::json::array();
    for (const ExplainMover& m : r.movers) {
      movers.push_back({{"metric", m.metric},
                        {"kind", m.kind},
                        {"name", m.name},
                        {"change", m.change},
                        {"unit", m.unit},
                        {"baseline", m.baseline},
                        {"candidate", m.candidate},
                        {"delta", m.delta},
                        {"p_value", m.test.p_value},
                        {"u_tested", m.test.u_tested}});
    }
    groups.push_back({{"scenario", r.scenario},
                      {"profile", r.profile},
                      {"note", r.note},
                      {"regression", r.regression},
                      {"metrics", metrics},
                      {"movers", movers}});
  }
  const nlohmann::json j = {{"result", !result.refusal.empty() ? "refused"
                                       : result.regression     ? "regression"
                                                           : "no regression"},
                            {"refusal", result.refusal},
                            {"exit_code", CompareExitCode(result)},
                            {"correction", result.tests >= 2 ? "holm" : "none"},
                            {"tests", result.tests},
                            {"mismatches", result.mismatches},
                            {"baseline_runs", result.baseline_runs},
                            {"candidate_runs", result.candidate_runs},
                            {"groups", groups}};
  return j.dump(2) + "\n";
}

}  // namespace bootgate
