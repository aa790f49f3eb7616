#include "report/junit_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "report/render_util.h"
#include "util/escape.h"

namespace bootgate {
namespace {

using report_internal::ExplainedRun;
using report_internal::ExplainSummary;
using report_internal::FormatMetric;
using report_internal::FormatNumber;
using report_internal::RunGroup;

// An earlier attempt of the same test, written the way Maven Surefire writes
// reruns: flakyFailure / flakyError inside a passing testcase, rerunFailure /
// rerunError after the failure of a testcase whose every attempt failed.
struct Rerun {
  bool failure = true;  ///< failure (the image) or error (could not measure)
  std::string type;
  std::string message;
  std::string body;
};

struct Outcome {
  enum Kind { kPassed, kFailure, kError, kSkipped };
  Outcome() = default;
  Outcome(Kind k, std::string t, std::string m, std::string b)
      : kind(k),
        type(std::move(t)),
        message(std::move(m)),
        body(std::move(b)) {}
  Kind kind = kPassed;
  std::string type;     ///< failure/error type attribute
  std::string message;  ///< one line
  std::string body;     ///< details (escaped on output); of a passed case,
                        ///< its <system-out> (e.g. a run note)
  std::vector<Rerun> reruns;  ///< superseded attempts, oldest first
};

struct TestCase {
  std::string name;
  std::string classname;
  double time_s = 0;
  Outcome outcome;
};

std::string BudgetName(const BudgetResult& b) {
  return fmt::format("{} <= {} ({})", b.metric, FormatNumber(b.limit, 3),
                     b.statistic);
}

std::string RunLabel(const RunResult& r) {
  return fmt::format("{} / {} iteration {} attempt {}", r.scenario, r.profile,
                     r.iteration, r.attempt);
}

std::string RunDetails(const RunResult& r) {
  std::string body = fmt::format("run: {}\nverdict: {}\nreason: {}\n",
                                 RunLabel(r), ToString(r.verdict), r.reason);
  if (!r.failure_class.empty()) body += "failure class: " + r.failure_class + "\n";
  if (!r.phase.empty()) body += "phase: " + r.phase + "\n";
  if (!r.accelerator.empty()) body += "accelerator: " + r.accelerator + "\n";
  if (!r.run_dir.empty()) body += "run dir: " + r.run_dir + "\n";
  for (const VmPhaseInfo& p : r.vm_phases) {
    if (!p.console_log.empty()) body += "console log (" + p.name + "): " + p.console_log + "\n";
  }
  if (!r.console_tail.empty()) {
    body += "console tail:\n";
    for (const std::string& line : r.console_tail) body += "  " + line + "\n";
  }
  return body;
}

// `explained`: what the guest says about the metric (ExplainSummary), or "".
Outcome BudgetOutcome(const BudgetResult& b,
                      const std::string& explained = "") {
  Outcome o;
  std::string summary = fmt::format(
      "{} {} = {}, budget {}, margin {} ({}%)", b.metric, b.statistic,
      FormatMetric(b.metric, b.value), FormatMetric(b.metric, b.limit),
      FormatNumber(b.margin, 3), FormatNumber(b.margin_pct, 1));
  std::string body = summary + "\n";
  if (!b.note.empty()) body += "note: " + b.note + "\n";
  if (!explained.empty()) body += "explained: " + explained + "\n";
  const std::string why = explained.empty() ? "" : "; " + explained;
  switch (b.verdict) {
    case Verdict::kPass: break;
    case Verdict::kInconclusive:
      o = {Outcome::kFailure, "inconclusive",
           "inconclusive: " + summary + (b.note.empty() ? "" : "; " + b.note),
           body};
      break;
    case Verdict::kSkipped:
      o = {Outcome::kSkipped, "", b.note.empty() ? "budget skipped" : b.note, ""};
      break;
    case Verdict::kError:
    case Verdict::kInterrupted:
      o = {Outcome::kError, "could-not-measure", summary, body};
      break;
    case Verdict::kFail:
      o = {Outcome::kFailure, "budget", "budget exceeded: " + summary + why,
           body};
      break;
  }
  return o;
}

Outcome CheckOutcome(const CheckResult& c) {
  Outcome o;
  std::string body = fmt::format("command: {}\nchannel: {}\nexit status: {}\n",
                                 c.command, c.channel, c.exit_status);
  if (!c.reason.empty()) body += "reason: " + c.reason + "\n";
  if (!c.output_excerpt.empty()) body += "output:\n" + c.output_excerpt;
  switch (c.verdict) {
    case Verdict::kPass: break;
    case Verdict::kSkipped:
      o = {Outcome::kSkipped, "", c.reason.empty() ? "check skipped" : c.reason, ""};
      break;
    case Verdict::kError:
    case Verdict::kInterrupted:
      o = {Outcome::kError, "could-not-measure",
           "check '" + c.name + "' could not run: " + c.reason, body};
      break;
    case Verdict::kFail:
    case Verdict::kInconclusive:
      o = {Outcome::kFailure, "check", "check '" + c.name + "' failed: " + c.reason,
           body};
      break;
  }
  return o;
}

// The outcome of a run as the judge counted it (counts_as, judge_note).
Outcome BootOutcome(const RunResult& r) {
  // Over only its own budget: a note; the group's judged budgets decide.
  if (!r.judge_note.empty()) {
    Outcome o;
    o.body = "note: " + r.judge_note + "\n";
    return o;
  }
  bool explained = false;
  for (const BudgetResult& b : r.budgets) explained |= b.verdict != Verdict::kPass;
  for (const CheckResult& c : r.checks) explained |= c.verdict != Verdict::kPass;
  std::string message = r.reason;
  if (!r.failure_class.empty()) message = r.failure_class + ": " + message;
  switch (r.counts_as) {
    case Verdict::kPass:
      return {};
    case Verdict::kSkipped:
      return {Outcome::kSkipped, "", r.reason.empty() ? "skipped" : r.reason, ""};
    case Verdict::kError:
    case Verdict::kInterrupted:
      return {Outcome::kError,
              r.verdict == Verdict::kError ? "could-not-measure" : "interrupted",
              message, RunDetails(r)};
    case Verdict::kFail:
    case Verdict::kInconclusive:
      // A failed budget or check has its own testcase; the boot itself only
      // fails when nothing else explains the verdict (panic, timeout...).
      if (explained &&
          (r.failure_class.empty() || r.failure_class == "check-failed" ||
           r.failure_class == "budget")) {
        return {};
      }
      return {Outcome::kFailure,
              r.failure_class.empty() ? "boot" : r.failure_class, message,
              RunDetails(r)};
  }
  return {};
}

// A superseded attempt as a rerun element.
Rerun RerunOf(const RunResult& r) {
  Rerun x;
  x.failure =
      r.verdict == Verdict::kFail || r.verdict == Verdict::kInconclusive;
  x.type = r.failure_class.empty() ? (x.failure ? "boot" : "could-not-measure")
                                   : r.failure_class;
  x.message = fmt::format("attempt {} {} (superseded by a later attempt): {}",
                          r.attempt, ToString(r.verdict), r.reason);
  x.body = RunDetails(r) +
           (r.accel_note.empty() ? "" : "accel note: " + r.accel_note + "\n");
  return x;
}

// The group's judged verdict as one testcase, so that what a CI system
// counts (failures, errors) always says what the gate decided.
Outcome GateOutcome(const AggregateResult& a) {
  switch (a.verdict) {
    case Verdict::kPass:
    case Verdict::kSkipped:
      return {Outcome::kPassed, "", "",
              a.reason.empty() ? "" : a.reason + "\n"};
    case Verdict::kFail:
    case Verdict::kInconclusive:
      return {Outcome::kFailure, ToString(a.verdict), a.reason,
              a.reason + "\n"};
    case Verdict::kError:
    case Verdict::kInterrupted:
      return {Outcome::kError, ToString(a.verdict), a.reason, a.reason + "\n"};
  }
  return {};
}

void AppendReruns(std::string& out, const Outcome& o) {
  const bool passed = o.kind == Outcome::kPassed;
  for (const Rerun& r : o.reruns) {
    const std::string tag = std::string(passed ? "flaky" : "rerun") +
                            (r.failure ? "Failure" : "Error");
    out += fmt::format(
        "      <{} message=\"{}\" "
        "type=\"{}\"><stackTrace>{}</stackTrace></{}>\n",
        tag, XmlAttrEscape(r.message), XmlAttrEscape(r.type), XmlEscape(r.body),
        tag);
  }
}

void AppendCase(std::string& out, const TestCase& tc) {
  out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
                     XmlEscape(tc.classname), XmlEscape(tc.name),
                     FormatNumber(tc.time_s, 3));
  const Outcome& o = tc.outcome;
  if (o.kind == Outcome::kPassed) {
    if (o.body.empty() && o.reruns.empty()) {
      out += "/>\n";
      return;
    }
    out += ">\n";
    AppendReruns(out, o);
    if (!o.body.empty()) {
      out += "      <system-out>" + XmlEscape(o.body) + "</system-out>\n";
    }
    out += "    </testcase>\n";
    return;
  }
  out += ">\n";
  switch (o.kind) {
    case Outcome::kPassed: break;
    case Outcome::kSkipped:
      out += fmt::format("      <skipped message=\"{}\"/>\n", XmlAttrEscape(o.message));
      break;
    case Outcome::kFailure:
    case Outcome::kError: {
      const char* tag = o.kind == Outcome::kFailure ? "failure" : "error";
      out += fmt::format("      <{} message=\"{}\" type=\"{}\">{}</{}>\n", tag,
                         XmlAttrEscape(o.message), XmlAttrEscape(o.type),
                         XmlEscape(o.body), tag);
      break;
    }
  }
  AppendReruns(out, o);
  out += "    </testcase>\n";
}

void AppendProperty(std::string& out, const std::string& name,
                    const std::string& value) {
  out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n",
                     XmlAttrEscape(name), XmlAttrEscape(value));
}

struct JSuite {
  std::string name;
  std::string timestamp;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<TestCase> cases;
  int failures = 0, errors = 0, skipped = 0;
  double time_s = 0;
};

std::vector<std::pair<std::string, std::string>> GroupProperties(
    const RunGroup& g, const SuiteResult& suite, const RunResult* last) {
  const AggregateResult* a = g.aggregate;
  std::vector<std::pair<std::string, std::string>> p = {
      {"scenario", g.scenario},
      {"profile", g.profile},
      {"accelerator", g.Accelerator()},
      {"backend", g.Backend()},
      {"verdict", ToString(g.GroupVerdict())},
      {"iterations", std::to_string(g.WithRole(RunRole::kCounted).size())}};
  if (a != nullptr) {
    p.push_back({"superseded_attempts", std::to_string(a->superseded)});
    p.push_back({"warmups", std::to_string(a->warmups)});
  }
  if (!suite.build_id.empty()) p.push_back({"build", suite.build_id});
  if (a != nullptr && !a->reason.empty()) p.push_back({"reason", a->reason});
  if (last != nullptr) {
    if (!last->hypervisor_version.empty()) {
      p.push_back({"hypervisor", last->hypervisor_version});
    }
    for (const PhaseResult& ph : last->phases) {
      p.push_back(
          {"phase." + ph.name + "_s", FormatNumber(ph.duration_s(), 3)});
    }
  }
  // Metric properties: the judged statistics over the counted runs.
  if (a != nullptr) {
    for (const auto& [metric, st] : a->stats) {
      p.push_back({"metric." + metric + ".median", FormatNumber(st.median, 3)});
    }
  }
  std::vector<std::string> warnings = g.Warnings();
  for (size_t i = 0; i < warnings.size(); ++i) {
    p.push_back({"warning." + std::to_string(i + 1), warnings[i]});
  }
  return p;
}

// One testcase per run the judge kept (counted runs and warm-ups), its
// superseded attempts nested as reruns, then its checks (counted runs only).
void AddRunCases(JSuite& s, const RunGroup& g, const std::string& classname) {
  const auto counted = g.WithRole(RunRole::kCounted);
  const bool several = counted.size() > 1;
  std::vector<const RunResult*> kept = g.WithRole(RunRole::kWarmup);
  kept.insert(kept.end(), counted.begin(), counted.end());
  for (const RunResult* r : kept) {
    std::string suffix = r->warmup ? fmt::format(" [warm-up {}]", r->iteration)
                         : several
                             ? fmt::format(" [iteration {}]", r->iteration)
                             : "";
    auto it = r->metrics.find("boot_s");
    double boot_time = it != r->metrics.end() ? it->second : r->wall_s;
    Outcome o = BootOutcome(*r);
    for (const RunResult* earlier : g.SupersededBy(*r)) {
      o.reruns.push_back(RerunOf(*earlier));
    }
    s.cases.push_back({"boot" + suffix, classname, boot_time, o});
    s.time_s += r->wall_s;
    if (r->warmup) continue;
    for (const CheckResult& c : r->checks) {
      s.cases.push_back({"check: " + c.name + suffix, classname, c.duration_s,
                         CheckOutcome(c)});
    }
  }
}

JSuite GroupSuite(const RunGroup& g, const SuiteResult& suite) {
  JSuite s;
  s.name = g.scenario + " / " + g.profile;
  const std::string classname = "bootgate." + g.scenario + "." + g.profile;
  const auto counted = g.WithRole(RunRole::kCounted);
  const RunResult* last = counted.empty() ? nullptr : counted.back();
  if (!counted.empty()) s.timestamp = counted.front()->started_at;
  s.properties = GroupProperties(g, suite, last);
  if (g.aggregate != nullptr) {
    s.cases.push_back({"verdict", classname, 0, GateOutcome(*g.aggregate)});
  }
  AddRunCases(s, g, classname);
  if (g.aggregate != nullptr) {
    const RunResult* explained = ExplainedRun(g);
    for (const BudgetResult& b : g.aggregate->budgets) {
      s.cases.push_back(
          {BudgetName(b), classname, 0,
           BudgetOutcome(
               b, explained ? ExplainSummary(*explained, b.metric) : "")});
    }
  }
  for (const TestCase& tc : s.cases) {
    s.failures += tc.outcome.kind == Outcome::kFailure;
    s.errors += tc.outcome.kind == Outcome::kError;
    s.skipped += tc.outcome.kind == Outcome::kSkipped;
  }
  return s;
}

void AppendSuite(std::string& out, const JSuite& s, const SuiteResult& suite) {
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\" time=\"{}\"",
      XmlEscape(s.name), s.cases.size(), s.failures, s.errors, s.skipped,
      FormatNumber(s.time_s, 3));
  if (!s.timestamp.empty()) {
    out += fmt::format(" timestamp=\"{}\"", XmlEscape(s.timestamp));
  }
  if (!suite.host.empty()) {
    out += fmt::format(" hostname=\"{}\"", XmlEscape(suite.host));
  }
  out += ">\n    <properties>\n";
  for (const auto& [name, value] : s.properties)
    AppendProperty(out, name, value);
  out += "    </properties>\n";
  for (const TestCase& tc : s.cases) AppendCase(out, tc);
  out += "  </testsuite>\n";
}

}  // namespace

std::string RenderJUnit(const SuiteResult& suite) {
  std::vector<JSuite> suites;
  for (const RunGroup& g : report_internal::GroupRuns(suite)) {
    suites.push_back(GroupSuite(g, suite));
  }
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time_s = 0;
  for (const JSuite& s : suites) {
    tests += static_cast<int>(s.cases.size());
    failures += s.failures;
    errors += s.errors;
    skipped += s.skipped;
    time_s += s.time_s;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"bootgate\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\" time=\"{}\">\n",
      tests, failures, errors, skipped, FormatNumber(time_s, 3));
  for (const JSuite& s : suites) AppendSuite(out, s, suite);
  out += "</testsuites>\n";
  return out;
}

}  // namespace bootgate
