// The judge decides once and every output prints that decision: random
// suites (passes, panics, runs that could not measure, runs interrupted,
// warm-up failures, --retries, KVM->TCG fallbacks, runs over only their own
// budget, a run that both could not measure and was over its budget, an
// interrupted suite, shards) go through the real judging code (EvaluateBudgets,
// JudgeRun, JudgeSuite) and through every writer: terminal, report.json,
// JUnit, Markdown, HTML, the Prometheus push, the history with `serve`, and
// `merge`. Each output is parsed back and must say the verdict, the counted
// runs and the failing groups that an oracle written here from verdict.h's
// rules expects.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "budget/budget.h"
#include "budget/judge_suite.h"
#include "cli/commands.h"
#include "cli/summary.h"
#include "history/history.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/markdown_report.h"
#include "report/prometheus_report.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

constexpr double kBootLimit_s = 10;

// How one attempt ends.
enum class Kind {
  kPass,         // boots in 5-9 s
  kOverOwn,      // boots in 10.5-14 s: over its own per-run budget only
  kPanic,        // kernel panic: the image failed
  kError,        // SSH never answered: could not measure
  kErrorOver,    // over its own budget AND SSH never answered
  kInterrupted,  // Ctrl-C during the run
  kKvmStuck,     // KVM hung: superseded by the TCG rerun
};

struct AttemptSpec {
  Kind kind;
  double boot_s;
};

struct RunSpec {
  bool warmup = false;
  int iteration = 1;
  std::vector<AttemptSpec> attempts;  // the last one is final
};

struct GroupSpec {
  std::string scenario;
  std::string profile;
  std::vector<RunSpec> runs;
};

struct SuiteSpec {
  std::vector<GroupSpec> groups;
  bool interrupted = false;
};

// ---- the oracle: verdict.h's ranking applied to the spec ----

int Rank(Verdict v) {
  switch (v) {
    case Verdict::kFail:
      return 5;
    case Verdict::kInterrupted:
      return 4;
    case Verdict::kError:
      return 3;
    case Verdict::kInconclusive:
      return 2;
    case Verdict::kPass:
      return 1;
    case Verdict::kSkipped:
      return 0;
  }
  return 3;
}

Verdict Worst(const std::vector<Verdict>& vs) {
  Verdict w = Verdict::kPass;
  for (Verdict v : vs) {
    if (Rank(v) > Rank(w)) w = v;
  }
  return w;
}

// The verdict a final attempt counts as in its group.
Verdict CountsAs(Kind k) {
  switch (k) {
    case Kind::kPass:
    case Kind::kOverOwn:
      return Verdict::kPass;
    case Kind::kPanic:
      return Verdict::kFail;
    case Kind::kError:
    case Kind::kErrorOver:
    case Kind::kKvmStuck:
      return Verdict::kError;
    case Kind::kInterrupted:
      return Verdict::kInterrupted;
  }
  return Verdict::kError;
}

struct Expected {
  Verdict verdict;
  std::map<std::string, int> counts;  // counted runs by what they count as
  int superseded = 0;
  int measured = 0;  // counted runs with a boot_s the history compares
};

Expected ExpectGroup(const GroupSpec& g) {
  Expected e;
  std::vector<Verdict> verdicts;
  double sum = 0;
  int n_counted_ok = 0, n_counted = 0;
  for (const RunSpec& r : g.runs) {
    e.superseded += static_cast<int>(r.attempts.size()) - 1;
    const AttemptSpec& last = r.attempts.back();
    const Verdict v = CountsAs(last.kind);
    verdicts.push_back(v);
    if (r.warmup) continue;
    e.counts[ToString(v)]++;
    if (v == Verdict::kPass || v == Verdict::kFail) ++n_counted;
    if (v == Verdict::kPass) {
      sum += last.boot_s;
      ++n_counted_ok;
    }
  }
  e.measured = n_counted_ok;
  // A group with no run that counts has nothing to judge.
  if (n_counted == 0) verdicts.push_back(Verdict::kError);
  // Judged on the mean of the counted runs' boot_s.
  if (n_counted_ok > 0 && sum / n_counted_ok > kBootLimit_s)
    verdicts.push_back(Verdict::kFail);
  e.verdict = Worst(verdicts);
  return e;
}

// ---- building the suite through the real judge ----

Scenario JudgingScenario(const std::string& name) {
  Scenario s;
  s.name = name;
  s.budgets.limits["boot_s"].any = kBootLimit_s;
  s.budgets.judge = "mean";
  return s;
}

RunResult MakeAttempt(const GroupSpec& g, const RunSpec& r, int attempt,
                      const AttemptSpec& a, const Scenario& scenario) {
  RunResult run;
  run.scenario = g.scenario;
  run.profile = g.profile;
  run.backend = "qemu";
  run.iteration = r.iteration;
  run.attempt = attempt;
  run.warmup = r.warmup;
  run.accelerator = a.kind == Kind::kKvmStuck ? "kvm" : "tcg";
  run.started_at = "2026-01-01T00:00:00.000Z";
  RunEnd end;
  switch (a.kind) {
    case Kind::kPass:
    case Kind::kOverOwn:
      run.metrics["boot_s"] = a.boot_s;
      break;
    case Kind::kPanic:
      end = {Verdict::kFail, "kernel-panic", "kernel panic at 1.2 s"};
      break;
    case Kind::kError:
      end = {Verdict::kError, "ssh", "SSH did not answer within 60 s"};
      break;
    case Kind::kErrorOver:
      run.metrics["boot_s"] = a.boot_s;
      end = {Verdict::kError, "ssh", "SSH did not answer within 60 s"};
      break;
    case Kind::kInterrupted:
      end = {Verdict::kInterrupted, "interrupted", "interrupted by SIGINT"};
      break;
    case Kind::kKvmStuck:
      end = {Verdict::kError, "kvm-stuck",
             "no console output under KVM in 20 s"};
      break;
  }
  run.budgets = EvaluateBudgets(scenario.budgets, run.metrics, run.profile,
                                run.accelerator);
  ApplyJudgement(JudgeRun(run.checks, run.budgets, end), &run);
  return run;
}

SuiteResult BuildSuite(const SuiteSpec& spec,
                       const std::vector<std::string>& groups_of_plan,
                       int shard_index = 0, int shard_count = 0) {
  SuiteResult suite;
  suite.run_id = "prop-" + std::to_string(shard_index);
  suite.started_at = "2026-01-01T00:00:00.000Z";
  suite.build_id = "b1";
  suite.interrupted = spec.interrupted;
  suite.shard_index = shard_index;
  suite.shard_count = shard_count;
  suite.planned_groups = groups_of_plan;
  std::vector<Scenario> scenarios;
  for (const GroupSpec& g : spec.groups) {
    scenarios.push_back(JudgingScenario(g.scenario));
    for (const RunSpec& r : g.runs) {
      for (size_t i = 0; i < r.attempts.size(); ++i) {
        suite.runs.push_back(MakeAttempt(g, r, static_cast<int>(i) + 1,
                                         r.attempts[i], scenarios.back()));
      }
    }
  }
  JudgeSuite(&suite, &scenarios);
  return suite;
}

SuiteSpec RandomSuite(std::mt19937& rng) {
  auto pick = [&](int n) {
    return static_cast<int>(rng() % static_cast<unsigned>(n));
  };
  auto boot = [&](Kind k) {
    std::uniform_real_distribution<double> fast(5, 9), slow(10.5, 14);
    return k == Kind::kOverOwn || k == Kind::kErrorOver ? slow(rng) : fast(rng);
  };
  // Passes weigh more, so that many groups pass and the rest shows.
  const std::vector<Kind> finals = {
      Kind::kPass,  Kind::kPass,  Kind::kPass,      Kind::kOverOwn,
      Kind::kPanic, Kind::kError, Kind::kErrorOver, Kind::kInterrupted};
  SuiteSpec s;
  const int groups = 1 + pick(4);
  for (int gi = 0; gi < groups; ++gi) {
    GroupSpec g{
        "g" + std::to_string(gi), gi % 2 ? "hyperv-gen2" : "qemu-kvm", {}};
    const int warmups = pick(3) == 0 ? 1 : 0;
    const int iterations = 1 + pick(3);
    for (int w = 0; w < warmups + iterations; ++w) {
      RunSpec r;
      r.warmup = w < warmups;
      r.iteration = r.warmup ? w + 1 : w - warmups + 1;
      // Superseded attempts: the KVM fallback and --retries of runs that
      // could not measure.
      if (pick(4) == 0) r.attempts.push_back({Kind::kKvmStuck, 0});
      if (pick(4) == 0) r.attempts.push_back({Kind::kError, 0});
      const Kind k = finals[pick(static_cast<int>(finals.size()))];
      r.attempts.push_back({k, boot(k)});
      g.runs.push_back(r);
    }
    s.groups.push_back(g);
  }
  s.interrupted = pick(5) == 0;
  return s;
}

// ---- reading every output back ----

struct Reading {
  Verdict suite = Verdict::kError;
  std::map<std::string, Verdict> groups;  // "scenario/profile" -> verdict
  std::map<std::string, int> counted;     // "scenario/profile" -> counted runs
};

std::string Key(const std::string& scenario, const std::string& profile) {
  return scenario + "/" + profile;
}

Reading ReadJson(const std::string& text) {
  SuiteResult s = ParseJsonReport(text, "report.json");
  Reading r;
  r.suite = s.verdict;
  for (const AggregateResult& a : s.aggregates) {
    r.groups[Key(a.scenario, a.profile)] = a.verdict;
    int n = 0;
    for (const auto& [v, c] : a.counts) n += c;
    r.counted[Key(a.scenario, a.profile)] = n;
  }
  return r;
}

std::string Attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

bool Named(xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE &&
         xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

// What a CI system reads from a JUnit file: per testsuite its failures and
// errors, the flaky and rerun elements, and bootgate's verdict property.
struct JUnitSuite {
  std::string verdict;
  int iterations = 0;
  int failures = 0, errors = 0;
  int reruns = 0;  // flaky* and rerun* elements
  int failure_elements = 0, error_elements = 0;
};

std::map<std::string, JUnitSuite> ReadJUnit(const std::string& xml) {
  std::map<std::string, JUnitSuite> out;
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()),
                              "junit.xml", nullptr, XML_PARSE_NONET);
  EXPECT_NE(doc, nullptr) << "junit.xml is not well-formed XML";
  if (doc == nullptr) return out;
  for (xmlNode* ts = xmlDocGetRootElement(doc)->children; ts; ts = ts->next) {
    if (!Named(ts, "testsuite")) continue;
    JUnitSuite j;
    j.failures = std::stoi(Attr(ts, "failures"));
    j.errors = std::stoi(Attr(ts, "errors"));
    std::string scenario, profile;
    for (xmlNode* c = ts->children; c; c = c->next) {
      if (Named(c, "properties")) {
        for (xmlNode* p = c->children; p; p = p->next) {
          if (!Named(p, "property")) continue;
          const std::string name = Attr(p, "name"), value = Attr(p, "value");
          if (name == "verdict") j.verdict = value;
          if (name == "scenario") scenario = value;
          if (name == "profile") profile = value;
          if (name == "iterations") j.iterations = std::stoi(value);
        }
      }
      if (!Named(c, "testcase")) continue;
      for (xmlNode* o = c->children; o; o = o->next) {
        if (Named(o, "failure")) ++j.failure_elements;
        if (Named(o, "error")) ++j.error_elements;
        for (const char* rerun :
             {"flakyFailure", "flakyError", "rerunFailure", "rerunError"}) {
          if (Named(o, rerun)) ++j.reruns;
        }
      }
    }
    out[Key(scenario, profile)] = j;
  }
  xmlFreeDoc(doc);
  return out;
}

Reading ReadMarkdown(const std::string& md) {
  Reading r;
  std::smatch m;
  std::regex head(R"(## bootgate: \*\*(\w+)\*\*)");
  EXPECT_TRUE(std::regex_search(md, m, head)) << md;
  if (!m.empty())
    r.suite = VerdictFromString(std::string(m[1]) == "PASS" ? "pass" : [&] {
      std::string s = m[1];
      for (char& c : s) c = static_cast<char>(std::tolower(c));
      return s;
    }());
  // The verdict table: | scenario | profile | pass or **fail** | reason |
  const std::string head_row = "| Scenario | Profile | Verdict | Reason |";
  const size_t from = md.find(head_row);
  EXPECT_NE(from, std::string::npos) << md;
  const std::string table = md.substr(from, md.find("\n\n", from) - from);
  std::regex row(R"(\n\| (g\d) \| ([\w-]+) \| \*{0,2}(\w+)\*{0,2} \|)");
  for (auto it = std::sregex_iterator(table.begin(), table.end(), row);
       it != std::sregex_iterator(); ++it) {
    r.groups[Key((*it)[1], (*it)[2])] = VerdictFromString((*it)[3]);
  }
  return r;
}

Reading ReadHtml(const std::string& html) {
  Reading r;
  std::smatch m;
  std::regex top(R"re(<div class="verdict v-(\w+)" id="verdict">)re");
  EXPECT_TRUE(std::regex_search(html, m, top));
  if (!m.empty()) r.suite = VerdictFromString(m[1]);
  // The groups table: scenario, profile, backend, accelerator, runs, verdict.
  std::regex row(
      R"re(<tr(?: class="bad")?><td>(g\d)</td><td>([\w-]+)</td><td>\w*</td><td>\w*</td><td class="num">(\d+)</td><td><span class="pill v-(\w+)">)re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), row);
       it != std::sregex_iterator(); ++it) {
    r.groups[Key((*it)[1], (*it)[2])] = VerdictFromString((*it)[4]);
    r.counted[Key((*it)[1], (*it)[2])] = std::stoi((*it)[3]);
  }
  return r;
}

// The Prometheus text format: bootgate_verdict{...} 1 and
// bootgate_counted_runs{...} n per group.
Reading ReadPrometheus(const std::string& text) {
  Reading r;
  auto label = [](const std::string& labels, const std::string& name) {
    std::smatch m;
    std::regex re(name + "=\"([^\"]*)\"");
    return std::regex_search(labels, m, re) ? std::string(m[1]) : std::string();
  };
  std::regex line(
      R"((bootgate_verdict|bootgate_counted_runs)\{([^}]*)\} (\d+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line);
       it != std::sregex_iterator(); ++it) {
    const std::string labels = (*it)[2];
    const std::string key =
        Key(label(labels, "scenario"), label(labels, "profile"));
    const int value = std::stoi((*it)[3]);
    if ((*it)[1] == "bootgate_verdict" && value == 1) {
      r.groups[key] = VerdictFromString(label(labels, "verdict"));
    } else if ((*it)[1] == "bootgate_counted_runs") {
      r.counted[key] += value;
    }
  }
  return r;
}

Reading ReadTerminal(const std::string& text) {
  Reading r;
  std::smatch m;
  std::regex last(R"(\nverdict: (\w+)\n$)");
  EXPECT_TRUE(std::regex_search(text, m, last)) << text;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(c));
    return s;
  };
  if (!m.empty()) r.suite = VerdictFromString(lower(m[1]));
  std::regex row(R"(\n(g\d) +([\w-]+) +\w* +(\d+) +([A-Z]+) )");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), row);
       it != std::sregex_iterator(); ++it) {
    r.groups[Key((*it)[1], (*it)[2])] = VerdictFromString(lower((*it)[4]));
    r.counted[Key((*it)[1], (*it)[2])] = std::stoi((*it)[3]);
  }
  return r;
}

std::string Describe(const SuiteSpec& spec) {
  static const char* kNames[] = {"pass",     "over-own-budget",   "panic",
                                 "error",    "error+over-budget", "interrupted",
                                 "kvm-stuck"};
  std::string out = spec.interrupted ? "suite interrupted\n" : "";
  for (const GroupSpec& g : spec.groups) {
    out += Key(g.scenario, g.profile) + ":";
    for (const RunSpec& r : g.runs) {
      out += std::string(" ") + (r.warmup ? "w" : "i") +
             std::to_string(r.iteration) + "[";
      for (const AttemptSpec& a : r.attempts)
        out += std::string(kNames[static_cast<int>(a.kind)]) + " ";
      out += "]";
    }
    out += "\n";
  }
  return out;
}

void ExpectAgrees(const std::string& output, const Reading& got,
                  const std::map<std::string, Expected>& expected,
                  Verdict suite, bool check_counts) {
  EXPECT_EQ(ToString(got.suite), ToString(suite))
      << output << ": suite verdict";
  std::set<std::string> failing_expected, failing_got;
  for (const auto& [key, e] : expected) {
    auto it = got.groups.find(key);
    ASSERT_NE(it, got.groups.end()) << output << " says nothing of " << key;
    EXPECT_EQ(ToString(it->second), ToString(e.verdict))
        << output << ": " << key;
    if (e.verdict != Verdict::kPass) failing_expected.insert(key);
    if (it->second != Verdict::kPass) failing_got.insert(key);
    if (check_counts) {
      int n = 0;
      for (const auto& [v, c] : e.counts) n += c;
      EXPECT_EQ(got.counted.count(key) ? got.counted.at(key) : -1, n)
          << output << ": counted runs of " << key;
    }
  }
  EXPECT_EQ(failing_got, failing_expected) << output << ": failing groups";
}

class VerdictPropertyTest : public ::testing::Test {
 protected:
  TempDir dir_{::testing::TempDir(), "verdict-property-"};
};

TEST_F(VerdictPropertyTest, EveryOutputSaysWhatTheJudgeDecided) {
  const int kSuites = 150;
  for (int seed = 1; seed <= kSuites; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const SuiteSpec spec = RandomSuite(rng);
    SCOPED_TRACE("seed " + std::to_string(seed) + "\n" + Describe(spec));
    std::vector<std::string> plan;
    std::map<std::string, Expected> expected;
    std::vector<Verdict> group_verdicts;
    for (const GroupSpec& g : spec.groups) {
      plan.push_back(Key(g.scenario, g.profile));
      expected[plan.back()] = ExpectGroup(g);
      group_verdicts.push_back(expected[plan.back()].verdict);
    }
    if (spec.interrupted) group_verdicts.push_back(Verdict::kInterrupted);
    const Verdict suite_verdict = Worst(group_verdicts);

    const SuiteResult suite = BuildSuite(spec, plan);
    ASSERT_EQ(ToString(suite.verdict), ToString(suite_verdict))
        << "the judge itself";

    // report.json, also its suite-wide counts: counted runs only.
    const std::string json_text = RenderJson(suite);
    ExpectAgrees("report.json", ReadJson(json_text), expected, suite_verdict,
                 true);
    const nlohmann::json j = nlohmann::json::parse(json_text);
    std::map<std::string, int> counts_expected;
    int superseded = 0;
    for (const auto& [key, e] : expected) {
      for (const auto& [v, c] : e.counts) counts_expected[v] += c;
      superseded += e.superseded;
    }
    EXPECT_EQ((j["counts"].get<std::map<std::string, int>>()), counts_expected)
        << "report.json counts";
    EXPECT_EQ(j["superseded"].get<int>(), superseded)
        << "report.json superseded";

    // JUnit as a CI system reads it.
    const std::map<std::string, JUnitSuite> junit =
        ReadJUnit(RenderJUnit(suite));
    Reading junit_reading;
    junit_reading.suite =
        suite_verdict;  // JUnit has no suite verdict of its own
    for (const auto& [key, e] : expected) {
      ASSERT_TRUE(junit.count(key)) << "junit.xml has no testsuite for " << key;
      const JUnitSuite& t = junit.at(key);
      junit_reading.groups[key] = VerdictFromString(t.verdict);
      junit_reading.counted[key] = t.iterations;
      EXPECT_EQ(t.reruns, e.superseded) << "junit.xml: superseded attempts of "
                                        << key << " as flaky/rerun elements";
      if (e.verdict == Verdict::kPass) {
        EXPECT_EQ(t.failures + t.errors, 0)
            << "junit.xml: red on a green group " << key;
        EXPECT_EQ(t.failure_elements + t.error_elements, 0) << key;
      } else if (e.verdict == Verdict::kFail ||
                 e.verdict == Verdict::kInconclusive) {
        EXPECT_GT(t.failures, 0)
            << "junit.xml: a failed group " << key << " without a failure";
      } else {
        EXPECT_GT(t.errors, 0)
            << "junit.xml: group " << key << " could not measure, no error";
      }
    }
    ExpectAgrees("junit.xml", junit_reading, expected, suite_verdict, true);

    ExpectAgrees("summary.md", ReadMarkdown(RenderMarkdown(suite)), expected,
                 suite_verdict, false);
    ExpectAgrees("report.html", ReadHtml(RenderHtml(suite, {}, {})), expected,
                 suite_verdict, true);
    Reading pushed = ReadPrometheus(RenderPrometheusText(suite));
    pushed.suite = suite_verdict;  // the push has no suite verdict
    ExpectAgrees("Pushgateway push", pushed, expected, suite_verdict, true);
    ExpectAgrees("terminal", ReadTerminal(RenderSummary(suite, false, false)),
                 expected, suite_verdict, true);

    // The history, `serve` and `compare`'s samples.
    const fs::path db = dir_.path() / ("h" + std::to_string(seed) + ".db");
    {
      History history(db.string());
      history.Record(suite);
      prometheus::Registry registry;
      FillRegistry(registry, history.LatestJudgedSuites());
      Reading served = ReadPrometheus(
          prometheus::TextSerializer().Serialize(registry.Collect()));
      served.suite = suite_verdict;
      ExpectAgrees("serve", served, expected, suite_verdict, true);
      for (const auto& g : spec.groups) {
        Selector sel;
        sel.scenario = g.scenario;
        EXPECT_EQ(static_cast<int>(history.MetricValues(sel, "boot_s").size()),
                  expected[Key(g.scenario, g.profile)].measured)
            << "history: samples compare would use for " << g.scenario;
      }
    }

    // Shards: groups split over two shard reports, then merged.
    if (spec.groups.size() >= 2) {
      std::vector<std::string> reports;
      for (int k = 1; k <= 2; ++k) {
        SuiteSpec part;
        part.interrupted = spec.interrupted && k == 1;
        for (size_t i = 0; i < spec.groups.size(); ++i) {
          if (static_cast<int>(i % 2) == k - 1)
            part.groups.push_back(spec.groups[i]);
        }
        SuiteResult shard = BuildSuite(part, plan, k, 2);
        shard.run_id =
            "prop-shard-" + std::to_string(k) + "-" + std::to_string(seed);
        const fs::path dir = dir_.path() / ("s" + std::to_string(seed) + "-" +
                                            std::to_string(k));
        fs::create_directories(dir);
        WriteFileAtomic(dir / "report.json", RenderJson(shard));
        reports.push_back((dir / "report.json").string());
      }
      const SuiteResult merged = MergeReports(
          reports, (dir_.path() / ("m" + std::to_string(seed))).string(),
          false);
      ExpectAgrees("merge", ReadJson(RenderJson(merged)), expected,
                   suite_verdict, true);
      try {
        MergeReports({reports[0]}, (dir_.path() / "partial").string(), false);
        ADD_FAILURE() << "merge of one shard of two did not refuse";
      } catch (const Error& e) {
        EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("2/2"));
      }
    }
    if (HasFailure()) return;  // the first suite that disagrees is enough
  }
}

// The cases the issue found, each pinned (the random suites above meet them
// too): a run that could not measure and was over its budget is an error,
// not a pass; Ctrl-C after a group failed leaves the suite failed.
TEST(VerdictPrecedence, CouldNotMeasureAndOverBudgetIsAnErrorNotAPass) {
  SuiteSpec spec;
  spec.groups = {
      {"g0",
       "qemu-kvm",
       {{false, 1, {{Kind::kErrorOver, 12}}}, {false, 2, {{Kind::kPass, 6}}}}}};
  const SuiteResult suite = BuildSuite(spec, {"g0/qemu-kvm"});
  EXPECT_EQ(ToString(suite.verdict), "error");
  EXPECT_EQ(ExitCodeFor(suite.verdict), 2);
}

TEST(VerdictPrecedence, InterruptedAfterAGroupFailedStaysFail) {
  SuiteSpec spec;
  spec.groups = {{"g0", "qemu-kvm", {{false, 1, {{Kind::kPanic, 0}}}}}};
  spec.interrupted = true;
  EXPECT_EQ(ToString(BuildSuite(spec, {"g0/qemu-kvm"}).verdict), "fail");
  spec.groups = {{"g0", "qemu-kvm", {{false, 1, {{Kind::kPass, 6}}}}}};
  EXPECT_EQ(ToString(BuildSuite(spec, {"g0/qemu-kvm"}).verdict), "interrupted");
}

TEST(VerdictPrecedence, AKvmFallbackThatPassesIsGreenEverywhere) {
  SuiteSpec spec;
  spec.groups = {{"g0",
                  "qemu-kvm",
                  {{false, 1, {{Kind::kKvmStuck, 0}, {Kind::kPass, 6}}}}}};
  const SuiteResult suite = BuildSuite(spec, {"g0/qemu-kvm"});
  EXPECT_EQ(ToString(suite.verdict), "pass");
  const std::string junit = RenderJUnit(suite);
  EXPECT_THAT(junit, ::testing::HasSubstr("errors=\"0\""));
  EXPECT_THAT(junit, ::testing::Not(::testing::HasSubstr("errors=\"1\"")));
  EXPECT_THAT(junit, ::testing::HasSubstr("<flakyError "));
  const nlohmann::json j = nlohmann::json::parse(RenderJson(suite));
  EXPECT_EQ(j["counts"], (nlohmann::json{{"pass", 1}}));
  EXPECT_EQ(j["superseded"], 1);
  EXPECT_THAT(RenderMarkdown(suite),
              ::testing::Not(::testing::HasSubstr("### Failures")));
}

}  // namespace
}  // namespace bootgate
