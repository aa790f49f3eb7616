#include "history/explain_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace bootgate {
namespace {

struct KindInfo {
  const char* kind;
  const char* metric;
  const char* unit;
};
constexpr KindInfo kKinds[] = {
    {"unit", "boot_s", "s"},       {"systemd", "boot_s", "s"},
    {"process", "ram_mib", "MiB"}, {"kernel", "ram_mib", "MiB"},
    {"path", "disk_mib", "MiB"},   {"package", "disk_mib", "MiB"}};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// name -> per-run values over the runs having `kind` (0 where absent), and
// the names present in at least one run.
struct SideItems {
  int runs = 0;
  std::map<std::string, std::vector<double>> values;
};

SideItems Items(const std::vector<const ExplainRowsOfRun*>& side,
                const char* kind, const std::set<std::string>& names) {
  SideItems out;
  for (const ExplainRowsOfRun* run : side) {
    auto it = run->find(kind);
    if (it == run->end()) continue;
    ++out.runs;
    for (const std::string& name : names) {
      auto v = it->second.find(name);
      out.values[name].push_back(v == it->second.end() ? 0 : v->second);
    }
  }
  return out;
}

std::set<std::string> Names(const std::vector<const ExplainRowsOfRun*>& side,
                            const char* kind) {
  std::set<std::string> names;
  for (const ExplainRowsOfRun* run : side)
    if (auto it = run->find(kind); it != run->end())
      for (const auto& [name, v] : it->second) names.insert(name);
  return names;
}

}  // namespace

std::vector<ExplainMover> CompareExplanations(
    const std::vector<const ExplainRowsOfRun*>& baseline,
    const std::vector<const ExplainRowsOfRun*>& candidate, double alpha,
    double min_effect_pct, int top_n, double min_delta_s,
    double min_delta_mib) {
  std::map<std::string, std::vector<ExplainMover>> by_metric;
  for (const KindInfo& k : kKinds) {
    const std::set<std::string> in_base = Names(baseline, k.kind);
    const std::set<std::string> in_cand = Names(candidate, k.kind);
    std::set<std::string> names = in_base;
    names.insert(in_cand.begin(), in_cand.end());
    const SideItems b = Items(baseline, k.kind, names);
    const SideItems c = Items(candidate, k.kind, names);
    if (b.runs == 0 || c.runs == 0)
      continue;  // a side without it: nothing to say
    const double min_delta =
        std::string(k.unit) == "s" ? min_delta_s : min_delta_mib;
    for (const std::string& name : names) {
      ExplainMover m{k.metric, k.kind, name, k.unit, "", 0, 0, 0, {}};
      const std::vector<double>& bv = b.values.at(name);
      const std::vector<double>& cv = c.values.at(name);
      m.baseline = Median(bv);
      m.candidate = Median(cv);
      m.delta = m.candidate - m.baseline;
      if (std::fabs(m.delta) < min_delta) continue;
      m.test = CompareMetric(k.kind + std::string(":") + name, bv, cv, alpha,
                             min_effect_pct);
      if (!in_base.count(name)) {
        m.change = "appeared";
      } else if (!in_cand.count(name)) {
        m.change = "disappeared";
      } else if (m.test.change == Change::kRegression) {
        m.change = "grew";
      } else if (m.test.change == Change::kImprovement) {
        m.change = "shrank";
      } else {
        continue;
      }
      by_metric[k.metric].push_back(std::move(m));
    }
  }
  std::vector<ExplainMover> out;
  for (auto& [metric, movers] : by_metric) {
    // Growth first; within it what the runs show beyond doubt before what
    // only the effect size says: an item in no run of one side and in every
    // run of the other, or a U-tested change, cannot come from a noisy
    // timing, whereas with too few runs for the U test a unit "grows" by
    // being 5 % over one baseline run, which on a loaded TCG host is every
    // long unit (cloud-init's doubled between two boots here).
    auto strong = [](const ExplainMover& m) {
      return m.test.u_tested || m.change == "appeared" ||
             m.change == "disappeared";
    };
    std::stable_sort(movers.begin(), movers.end(),
                     [&](const ExplainMover& a, const ExplainMover& b) {
                       const bool ga = a.delta > 0, gb = b.delta > 0;
                       if (ga != gb) return ga;
                       if (strong(a) != strong(b)) return strong(a);
                       return std::fabs(a.delta) > std::fabs(b.delta);
                     });
    if (movers.size() > static_cast<size_t>(top_n))
      movers.resize(static_cast<size_t>(top_n));
    out.insert(out.end(), movers.begin(), movers.end());
  }
  return out;
}

std::string FormatMover(const ExplainMover& m) {
  std::string how =
      fmt::format("{} {} {}: {:+.3g} {} ({:.3g} -> {:.3g}", m.kind, m.name,
                  m.change, m.delta, m.unit, m.baseline, m.candidate);
  if (m.test.u_tested) how += fmt::format(", p {:.3g}", m.test.p_value);
  return how + ")";
}

}  // namespace bootgate
