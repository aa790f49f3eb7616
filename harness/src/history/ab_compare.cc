#include "history/ab_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "history/history.h"
#include "report/render_util.h"
#include "util/escape.h"

namespace bootgate {
namespace {

bool IsSeconds(const std::string& metric) {
  return metric.size() > 2 && metric.compare(metric.size() - 2, 2, "_s") == 0;
}

std::string Unit(const std::string& metric) {
  if (IsSeconds(metric)) return "s";
  if (metric.size() > 4 && metric.compare(metric.size() - 4, 4, "_mib") == 0)
    return "MiB";
  return "";
}

std::string Signed(double v, int prec) {
  return fmt::format("{:+.{}f}", v, prec);
}

std::string MorePairsText(const std::optional<int>& more) {
  return more ? fmt::format("about {} more pair(s) would decide", *more)
              : "no number of pairs in reach would decide";
}

}  // namespace

AbResult AnalyzeAb(const std::vector<AbPair>& pairs, double alpha,
                   const AbOptions& options) {
  AbResult r;
  r.pairs = static_cast<int>(pairs.size());
  for (const auto& p : pairs) r.order.push_back(p.order);
  // Metrics measured on both sides of every pair, plus the decisive ones.
  std::set<std::string> names;
  bool first = true;
  for (const auto& p : pairs) {
    std::set<std::string> here;
    for (const auto& [m, v] : p.baseline->metrics)
      if (p.candidate->metrics.count(m) && m.rfind("phase_", 0) != 0)
        here.insert(m);
    if (first) {
      names = here;
      first = false;
    } else {
      std::set<std::string> both;
      std::set_intersection(names.begin(), names.end(), here.begin(),
                            here.end(), std::inserter(both, both.begin()));
      names = both;
    }
  }
  for (const auto& m : options.decisive) names.insert(m);
  const double decisive_alpha =
      alpha / std::max<size_t>(1, options.decisive.size());
  for (const auto& name : names) {
    AbMetric m;
    m.metric = name;
    m.decisive = std::find(options.decisive.begin(), options.decisive.end(),
                           name) != options.decisive.end();
    m.alpha = m.decisive ? decisive_alpha : alpha;
    std::vector<double> base, cand, d;
    for (const auto& p : pairs) {
      auto b = p.baseline->metrics.find(name);
      auto c = p.candidate->metrics.find(name);
      if (b == p.baseline->metrics.end() || c == p.candidate->metrics.end())
        continue;
      base.push_back(b->second);
      cand.push_back(c->second);
      d.push_back(c->second - b->second);
    }
    m.n = static_cast<int>(d.size());
    m.baseline_median = MedianOf(base);
    m.candidate_median = MedianOf(cand);
    m.min_effect = options.min_effect.For(name, m.baseline_median);
    // Pairs where a run failed before measuring the metric (e.g. a fail
    // pattern during boot) drop out of that metric only; n says how many
    // pairs it rests on.
    if (m.n > 0) {
      m.shift = HodgesLehmannPaired(d, 1 - m.alpha);
      m.p_value = WilcoxonSignedRank(d).p_two_sided;
      m.decision = AbDecide(m.shift, m.min_effect);
    } else {
      m.shift.n = m.n;
    }
    if (m.decision == AbDecision::kInconclusive)
      m.more_pairs = PairsToDecide(d, m.min_effect, 1 - m.alpha);
    r.metrics.push_back(m);
  }
  std::stable_sort(r.metrics.begin(), r.metrics.end(),
                   [](const AbMetric& a, const AbMetric& b) {
                     return a.decisive > b.decisive;
                   });
  bool any_regression = false, any_inconclusive = false,
       any_improvement = false;
  std::optional<int> more = 0;
  for (const auto& m : r.metrics) {
    if (!m.decisive) continue;
    any_regression |= m.decision == AbDecision::kRegression;
    any_improvement |= m.decision == AbDecision::kImprovement;
    if (m.decision == AbDecision::kInconclusive) {
      any_inconclusive = true;
      if (!m.more_pairs)
        more.reset();
      else if (more)
        more = std::max(*more, *m.more_pairs);
    }
  }
  if (any_regression)
    r.decision = AbDecision::kRegression;
  else if (any_inconclusive)
    r.decision = AbDecision::kInconclusive;
  else if (any_improvement)
    r.decision = AbDecision::kImprovement;
  else
    r.decision = AbDecision::kNoChange;
  if (r.decision == AbDecision::kInconclusive) r.more_pairs = more;
  // What moved inside the guest, as `compare` says it.
  std::vector<ExplainRowsOfRun> rows_b, rows_c;
  for (const auto& p : pairs) {
    rows_b.push_back(ExplainRows(*p.baseline));
    rows_c.push_back(ExplainRows(*p.candidate));
  }
  std::vector<const ExplainRowsOfRun*> pb, pc;
  for (const auto& x : rows_b)
    if (!x.empty()) pb.push_back(&x);
  for (const auto& x : rows_c)
    if (!x.empty()) pc.push_back(&x);
  if (!pb.empty() && !pc.empty()) r.movers = CompareExplanations(pb, pc);
  return r;
}

int AbExitCode(const AbResult& r) {
  if (!r.error.empty()) return 2;
  switch (r.decision) {
    case AbDecision::kRegression:
      return 1;
    case AbDecision::kInconclusive:
      return kAbInconclusiveExit;
    default:
      return 0;
  }
}

std::string RenderAbJson(const AbResult& r) {
  using nlohmann::json;
  json j;
  j["baseline"] = r.baseline_name;
  j["candidate"] = r.candidate_name;
  j["pairs"] = r.pairs;
  j["order"] = r.order;
  j["order_mode"] = r.order_mode;
  j["seed"] = r.seed;
  j["stopping"] = r.stopping;
  j["decision"] = r.error.empty() ? ToString(r.decision) : "could not measure";
  j["error"] = r.error;
  j["more_pairs"] = r.more_pairs ? json(*r.more_pairs) : json(nullptr);
  j["exit_code"] = AbExitCode(r);
  j["metrics"] = json::array();
  for (const auto& m : r.metrics) {
    json o;
    o["metric"] = m.metric;
    o["baseline_median"] = m.baseline_median;
    o["candidate_median"] = m.candidate_median;
    o[IsSeconds(m.metric) ? "shift_s" : "shift"] = m.shift.shift;
    o["ci_low"] = m.shift.ci_low;
    o["ci_high"] = m.shift.ci_high;
    o["ci_level"] = m.shift.ci_level;
    o["p_value"] = m.p_value;
    o["min_effect"] = m.min_effect;
    o["decision"] = ToString(m.decision);
    o["decisive"] = m.decisive;
    o["more_pairs"] = m.more_pairs ? json(*m.more_pairs) : json(nullptr);
    o["n"] = m.n;
    j["metrics"].push_back(o);
  }
  j["movers"] = json::array();
  for (const auto& mv : r.movers) {
    j["movers"].push_back({{"metric", mv.metric},
                           {"kind", mv.kind},
                           {"name", mv.name},
                           {"change", mv.change},
                           {"unit", mv.unit},
                           {"baseline", mv.baseline},
                           {"candidate", mv.candidate},
                           {"delta", mv.delta},
                           {"text", FormatMover(mv)}});
  }
  return j.dump(2);
}

std::string RenderAbMarkdown(const AbResult& r) {
  std::string out = fmt::format(
      "\n## A/B: {} vs {}\n\n", report_internal::MarkdownCell(r.baseline_name),
      report_internal::MarkdownCell(r.candidate_name));
  std::string order;
  for (const auto& o : r.order) order += o + " ";
  out += fmt::format("{} pairs, order {} ({}), {}.\n\n", r.pairs, r.order_mode,
                     order.empty() ? "-" : order.substr(0, order.size() - 1),
                     report_internal::MarkdownCell(r.stopping));
  out +=
      "| metric | baseline median | candidate median | shift | interval | p | "
      "decision |\n";
  out += "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& m : r.metrics) {
    std::string u = Unit(m.metric);
    out += fmt::format(
        "| {}{} | {:.3f} | {:.3f} | {} {} | [{}, {}] ({:.1f}%) | {:.4f} | {}{} "
        "|\n",
        report_internal::MarkdownCell(m.metric),
        m.decisive ? "" : " (not deciding)", m.baseline_median,
        m.candidate_median, Signed(m.shift.shift, 3), u,
        Signed(m.shift.ci_low, 3), Signed(m.shift.ci_high, 3),
        m.shift.ci_level * 100, m.p_value, ToString(m.decision),
        m.decision == AbDecision::kInconclusive && m.decisive
            ? " (" + MorePairsText(m.more_pairs) + ")"
            : "");
  }
  out +=
      fmt::format("\n**Decision: {}**{}\n",
                  r.error.empty() ? ToString(r.decision) : "could not measure",
                  r.decision == AbDecision::kInconclusive && r.error.empty()
                      ? " (" + MorePairsText(r.more_pairs) + ")"
                      : "");
  if (!r.error.empty())
    out += "\n" + report_internal::MarkdownCell(r.error) + "\n";
  if (!r.movers.empty()) {
    out += "\nWhat moved:\n\n";
    for (const auto& mv : r.movers)
      out += "- " + report_internal::MarkdownCell(FormatMover(mv)) + "\n";
  }
  return out;
}

std::string RenderAbJUnitSuite(const AbResult& r) {
  int failures = 0, skipped = 0;
  for (const auto& m : r.metrics) {
    failures += m.decisive && m.decision == AbDecision::kRegression;
    skipped += m.decisive && m.decision == AbDecision::kInconclusive;
  }
  std::string out = fmt::format(
      "  <testsuite name=\"ab\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\">\n",
      r.metrics.size(), failures, r.error.empty() ? 0 : 1, skipped);
  for (const auto& m : r.metrics) {
    std::string name = XmlEscape(r.baseline_name + " vs " + r.candidate_name +
                                 ": " + m.metric);
    std::string msg = XmlEscape(fmt::format(
        "{}: shift {} {} [{}, {}] at {:.1f}%, p {:.4f}, min effect {:.3f}",
        ToString(m.decision), Signed(m.shift.shift, 3), Unit(m.metric),
        Signed(m.shift.ci_low, 3), Signed(m.shift.ci_high, 3),
        m.shift.ci_level * 100, m.p_value, m.min_effect));
    out += fmt::format("    <testcase classname=\"ab\" name=\"{}\">\n", name);
    if (m.decisive && m.decision == AbDecision::kRegression)
      out += fmt::format("      <failure message=\"{}\"/>\n", msg);
    else if (m.decisive && m.decision == AbDecision::kInconclusive)
      out += fmt::format("      <skipped message=\"{}\"/>\n",
                         msg + "; " + XmlEscape(MorePairsText(m.more_pairs)));
    else
      out += fmt::format("      <system-out>{}</system-out>\n", msg);
    out += "    </testcase>\n";
  }
  if (!r.error.empty())
    out += fmt::format(
        "    <testcase classname=\"ab\" name=\"measure\">\n      <error "
        "message=\"{}\"/>\n    </testcase>\n",
        XmlEscape(r.error));
  out += "  </testsuite>\n";
  return out;
}

std::string FormatAbTable(const AbResult& r) {
  std::string out = fmt::format(
      "\nA/B: {} (baseline) vs {} (candidate), {} pairs, order {}; {}\n",
      r.baseline_name, r.candidate_name, r.pairs, r.order_mode, r.stopping);
  out += fmt::format("{:<16} {:>10} {:>10} {:>10} {:>22} {:>8}  {}\n", "metric",
                     "baseline", "candidate", "shift", "interval", "p",
                     "decision");
  for (const auto& m : r.metrics) {
    out += fmt::format(
        "{:<16} {:>10.3f} {:>10.3f} {:>10} {:>22} {:>8.4f}  {}{}\n", m.metric,
        m.baseline_median, m.candidate_median, Signed(m.shift.shift, 3),
        "[" + Signed(m.shift.ci_low, 3) + ", " + Signed(m.shift.ci_high, 3) +
            "]",
        m.p_value, ToString(m.decision), m.decisive ? "" : " (not deciding)");
  }
  for (const auto& mv : r.movers) out += "  moved: " + FormatMover(mv) + "\n";
  if (!r.error.empty()) {
    out += "\nab: could not measure: " + r.error + "\n";
  } else {
    out += "\nab: " + ToString(r.decision);
    if (r.decision == AbDecision::kInconclusive)
      out += " (" + MorePairsText(r.more_pairs) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace bootgate
