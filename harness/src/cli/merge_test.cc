// `bootgate merge` on real shard reports written to disk: runs judged by the
// real judging code (EvaluateBudgets, JudgeRun, JudgeSuite), rendered by
// the real JSON reporter, then merged. One combined report whose runs, run
// folders, aggregates, verdict, JUnit and history import all reflect both
// shards, judged exactly as one process would; overlapping shards are
// refused.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "budget/budget.h"
#include "budget/judge_suite.h"
#include "cli/commands.h"
#include "history/history.h"
#include "report/json_report.h"
#include "runner/suite.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

// A scenario judged on `judge` with one budget, boot_s <= boot_budget_s.
Scenario Judged(const std::string& name, double boot_budget_s,
                const std::string& judge = "median") {
  Scenario s;
  s.name = name;
  BudgetValue v;
  v.any = boot_budget_s;
  s.budgets.limits["boot_s"] = v;
  s.budgets.judge = judge;
  return s;
}

// One run as RunScenario leaves it: measured, then judged by the real
// per-run judging code (EvaluateBudgets + JudgeRun).
RunResult JudgedRun(const Scenario& s, int iteration, double boot_s) {
  RunResult r;
  r.scenario = s.name;
  r.profile = "qemu-kvm";
  r.accelerator = "tcg";
  r.iteration = iteration;
  r.metrics["boot_s"] = boot_s;
  r.phases = {{"firmware", 0, 1}, {"kernel", 1, boot_s}};
  r.started_at = fmt::format("2026-01-01T00:00:{:02d}.000Z", iteration);
  r.run_dir = s.name + ".qemu-kvm.iter" + std::to_string(iteration);
  r.vm_phases = {{"boot", r.run_dir + "/console.log", {"qemu-system-x86_64"}, ""}};
  r.budgets = EvaluateBudgets(s.budgets, r.metrics, r.profile, r.accelerator);
  ApplyJudgement(JudgeRun(r.checks, r.budgets, RunEnd{}), &r);
  return r;
}

std::vector<RunResult> JudgedRuns(const Scenario& s,
                                  const std::vector<double>& boot_s) {
  std::vector<RunResult> runs;
  for (size_t i = 0; i < boot_s.size(); ++i) {
    runs.push_back(JudgedRun(s, static_cast<int>(i) + 1, boot_s[i]));
  }
  return runs;
}

// The suite `bootgate run` would report for these runs: aggregated and
// judged by JudgeSuite with the scenarios' budgets.
SuiteResult JudgedSuite(const std::string& run_id, std::vector<RunResult> runs,
                        const std::vector<Scenario>& scenarios) {
  SuiteResult s;
  s.run_id = run_id;
  s.host = "ci-node";
  s.build_id = "b42";
  s.labels = {{"branch", "main"}};
  s.runs = std::move(runs);
  JudgeSuite(&s, &scenarios);
  return s;
}

// Writes a shard's report.json (real JSON reporter) plus each run's
// console.log, as `bootgate run` leaves them.
std::string WriteShard(const fs::path& dir, const std::string& run_id,
                       const std::string& started, const std::string& finished,
                       std::vector<RunResult> runs,
                       const std::vector<Scenario>& scenarios) {
  SuiteResult s = JudgedSuite(run_id, std::move(runs), scenarios);
  s.started_at = started;
  s.finished_at = finished;
  for (const auto& r : s.runs) {
    fs::create_directories(dir / r.run_dir);
    WriteFileAtomic(dir / r.run_dir / "console.log",
                    "console of " + r.run_dir + "\n");
  }
  WriteFileAtomic(dir / "report.json", RenderJson(s));
  return (dir / "report.json").string();
}

// Marks a written report as shard k of n of a plan of `groups`, with its
// own build and labels, as `bootgate run --shard k/n` records it.
void MarkShard(const std::string& report, int k, int n,
               const std::vector<std::string>& groups,
               const std::string& build) {
  SuiteResult s = ParseJsonReport(ReadFile(report), report);
  s.shard_index = k;
  s.shard_count = n;
  s.planned_groups = groups;
  s.build_id = build;
  s.labels = {{"shard", std::to_string(k)}};
  WriteFileAtomic(report, RenderJson(s));
}

std::vector<RunResult> Concat(std::vector<RunResult> a,
                              const std::vector<RunResult>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class MergeTest : public ::testing::Test {
 protected:
  TempDir tmp_{fs::temp_directory_path(), "bootgate-merge-test-"};
};

// What the guest controls (a fail-pattern line quoted in the reason, the
// console tail, a warning) reaches the terminal sanitised: no escape
// sequence, no C1 control, no BEL, also from a report read back by merge.
TEST_F(MergeTest, SummaryPrintsGuestTextSanitised) {
  const std::vector<Scenario> plan = {Judged("alpha", 20)};
  std::vector<RunResult> runs = JudgedRuns(plan[0], {50});
  const std::string evil = "panic \x1b]0;pwned\x07\x1b[2J\xc2\x9b" "31m done";
  runs[0].failure_class = "kernel-panic";  // counted against the group
  runs[0].reason = "kernel-panic on the console: " + evil;
  runs[0].console_tail = {"last line " + evil};
  runs[0].warnings = {"libssh: banner " + evil};
  std::string a = WriteShard(tmp_.path() / "shard-0", "20260101-000000-aaaa",
                             "2026-01-01T00:00:05.000Z",
                             "2026-01-01T00:02:00.000Z", runs, plan);
  testing::internal::CaptureStdout();
  int rc = MergeMain({a}, (tmp_.path() / "merged").string(), "");
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("kernel-panic on the console: panic"), std::string::npos)
      << out;
  EXPECT_NE(out.find("last line panic"), std::string::npos) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\x07'), std::string::npos) << out;
  EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos) << out;
}

TEST_F(MergeTest, CombinesTwoShardsIntoOneJudgedReport) {
  // Shard 1: "alpha" (both iterations pass); shard 2: "beta" (one fails).
  const std::vector<Scenario> plan = {Judged("alpha", 20), Judged("beta", 20)};
  std::string a =
      WriteShard(tmp_.path() / "shard-0", "20260101-000000-aaaa",
                 "2026-01-01T00:00:05.000Z", "2026-01-01T00:02:00.000Z",
                 JudgedRuns(plan[0], {9.5, 10.5}), plan);
  std::string b =
      WriteShard(tmp_.path() / "shard-1", "20260101-000000-bbbb",
                 "2026-01-01T00:00:01.000Z", "2026-01-01T00:03:00.000Z",
                 JudgedRuns(plan[1], {12, 50}), plan);
  fs::path out = tmp_.path() / "merged";
  fs::path db = tmp_.path() / "history.db";

  int rc = MergeMain({a, b}, out.string(), db.string());

  EXPECT_EQ(rc, 1);  // one image failed: the merged verdict says so
  SuiteResult m = ParseJsonReport(ReadFile(out / "report.json"), (out / "report.json").string());
  ASSERT_EQ(m.runs.size(), 4u);
  EXPECT_EQ(m.verdict, Verdict::kFail);
  EXPECT_EQ(m.started_at, "2026-01-01T00:00:01.000Z");   // earliest shard start
  EXPECT_EQ(m.finished_at, "2026-01-01T00:03:00.000Z");  // latest shard end
  EXPECT_EQ(m.run_id, "20260101-000000-aaaa-merged");
  EXPECT_EQ(m.build_id, "b42");
  // Run folders now point from the merged report back into the shards.
  for (const auto& r : m.runs) {
    EXPECT_TRUE(fs::exists(out / r.run_dir / "console.log")) << r.run_dir;
    EXPECT_EQ(fs::path(r.run_dir).begin()->string(), "..") << r.run_dir;
  }
  // Aggregates are recomputed per scenario x profile across shards.
  ASSERT_EQ(m.aggregates.size(), 2u);
  for (const auto& agg : m.aggregates) {
    ASSERT_TRUE(agg.stats.count("boot_s")) << agg.scenario;
    EXPECT_EQ(agg.stats.at("boot_s").n, 2) << agg.scenario;
    if (agg.scenario == "alpha") {
      EXPECT_EQ(agg.verdict, Verdict::kPass);
      EXPECT_DOUBLE_EQ(agg.stats.at("boot_s").median, 10.0);
    } else {
      EXPECT_EQ(agg.scenario, "beta");
      EXPECT_EQ(agg.verdict, Verdict::kFail);
    }
  }
  // Every format is written, with runs from both shards.
  std::string junit = ReadFile(out / "junit.xml");
  EXPECT_NE(junit.find("alpha"), std::string::npos);
  EXPECT_NE(junit.find("beta"), std::string::npos);
  EXPECT_NE(junit.find("<failure"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "summary.md"));
  EXPECT_TRUE(fs::exists(out / "report.html"));
  // The history import has all four runs of one merged suite.
  History h(db.string());
  auto runs = h.QueryRuns(ParseSelector("latest"));
  EXPECT_EQ(runs.size(), 4u);
  for (const auto& r : runs) EXPECT_EQ(r.suite_id, "20260101-000000-aaaa-merged");
}

TEST_F(MergeTest, AllPassingShardsMergeToPass) {
  const std::vector<Scenario> plan = {Judged("alpha", 20), Judged("beta", 20)};
  std::string a =
      WriteShard(tmp_.path() / "s0", "r-a", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:01:00.000Z", JudgedRuns(plan[0], {9}), plan);
  std::string b =
      WriteShard(tmp_.path() / "s1", "r-b", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:01:00.000Z", JudgedRuns(plan[1], {9}), plan);
  EXPECT_EQ(MergeMain({a, b}, (tmp_.path() / "out").string(), ""), 0);
  SuiteResult m = ParseJsonReport(ReadFile(tmp_.path() / "out" / "report.json"), "merged");
  EXPECT_EQ(m.verdict, Verdict::kPass);
  EXPECT_EQ(m.runs.size(), 2u);
}

TEST_F(MergeTest, RefusesARunPresentInTwoShards) {
  // The same run twice means the shards overlapped (different --shard N).
  const std::vector<Scenario> plan = {Judged("alpha", 20)};
  std::string a =
      WriteShard(tmp_.path() / "s0", "r-a", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:01:00.000Z", JudgedRuns(plan[0], {9}), plan);
  std::string b =
      WriteShard(tmp_.path() / "s1", "r-b", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:01:00.000Z", JudgedRuns(plan[0], {9}), plan);
  try {
    MergeReports({a, b}, (tmp_.path() / "out").string(), false);
    FAIL() << "overlapping shards were merged";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("appears in two shard reports"), std::string::npos) << e.what();
  }
  testing::internal::CaptureStderr();
  EXPECT_EQ(MergeMain({a, b}, (tmp_.path() / "out").string(), ""), 2);
  EXPECT_NE(testing::internal::GetCapturedStderr().find(
                "appears in two shard reports"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(tmp_.path() / "out" / "report.json"));
}

// Fails on the old merge, which re-derived the verdict from the per-run
// verdicts: iteration 2 over its own budget failed the merge (exit 1) while
// the run judged the median and passed (exit 0).
TEST_F(MergeTest, OneIterationOverItsOwnBudgetMergesLikeTheRun) {
  const std::vector<Scenario> plan = {Judged("alpha", 10), Judged("beta", 20)};
  const auto alpha = JudgedRuns(plan[0], {9, 10.5});  // median 9.75
  ASSERT_EQ(alpha[1].verdict, Verdict::kFail);        // its own budget
  const SuiteResult one =
      JudgedSuite("one", Concat(alpha, JudgedRuns(plan[1], {9})), plan);
  ASSERT_EQ(one.verdict, Verdict::kPass);

  std::string a = WriteShard(tmp_.path() / "s0", "r-a", "", "", alpha, plan);
  std::string b = WriteShard(tmp_.path() / "s1", "r-b", "", "",
                             JudgedRuns(plan[1], {9}), plan);
  EXPECT_EQ(MergeMain({a, b}, (tmp_.path() / "out").string(), ""),
            ExitCodeFor(one.verdict));
  SuiteResult m =
      ParseJsonReport(ReadFile(tmp_.path() / "out" / "report.json"), "merged");
  EXPECT_EQ(m.verdict, Verdict::kPass);
  ASSERT_EQ(m.aggregates.size(), 2u);
  ASSERT_EQ(m.aggregates[0].budgets.size(), 1u);
  EXPECT_EQ(m.aggregates[0].budgets[0].statistic, "median");
  EXPECT_DOUBLE_EQ(m.aggregates[0].budgets[0].value, 9.75);
  EXPECT_EQ(m.aggregates[0].budgets[0].verdict, Verdict::kPass);
}

// Fails on the old merge: the per-run verdicts (three pass, two over their
// own budget) merged to FAIL, not the run's INCONCLUSIVE.
TEST_F(MergeTest, AnInconclusiveShardStaysInconclusive) {
  const std::vector<Scenario> plan = {Judged("gamma", 10.25),
                                      Judged("beta", 20)};
  std::string a = WriteShard(tmp_.path() / "s0", "r-a", "", "",
                             JudgedRuns(plan[0], {9, 9.5, 10, 10.5, 11}), plan);
  std::string b = WriteShard(tmp_.path() / "s1", "r-b", "", "",
                             JudgedRuns(plan[1], {9}), plan);
  EXPECT_EQ(MergeMain({a, b}, (tmp_.path() / "out").string(), ""), 1);
  SuiteResult m =
      ParseJsonReport(ReadFile(tmp_.path() / "out" / "report.json"), "merged");
  EXPECT_EQ(m.verdict, Verdict::kInconclusive);
  EXPECT_NE(m.verdict, Verdict::kPass);
}

// The end-to-end rule on the judging code: a plan run in two shards
// and merged gives the verdict, statistics and exit code of the same runs
// judged in one process.
TEST_F(MergeTest, ShardedAndMergedEqualsJudgedInOneProcess) {
  const std::vector<Scenario> plan = {
      Judged("alpha", 10), Judged("beta", 30, "p95"), Judged("gamma", 10.25),
      Judged("delta", 10)};
  const auto alpha =
      JudgedRuns(plan[0], {9, 9.1, 9.2, 9.3, 9.4, 9.5, 9.6, 9.7, 10.5});
  const auto beta = JudgedRuns(plan[1], {20, 25, 29});
  const auto gamma = JudgedRuns(plan[2], {9, 9.5, 10, 10.5, 11});
  const auto delta = JudgedRuns(plan[3], {11, 12});
  const SuiteResult one = JudgedSuite(
      "one", Concat(Concat(Concat(alpha, beta), gamma), delta), plan);

  std::string a =
      WriteShard(tmp_.path() / "s0", "r-a", "", "", Concat(alpha, gamma), plan);
  std::string b =
      WriteShard(tmp_.path() / "s1", "r-b", "", "", Concat(beta, delta), plan);
  EXPECT_EQ(MergeMain({a, b}, (tmp_.path() / "out").string(), ""),
            ExitCodeFor(one.verdict));
  SuiteResult m =
      ParseJsonReport(ReadFile(tmp_.path() / "out" / "report.json"), "merged");
  EXPECT_EQ(m.verdict, one.verdict);
  ASSERT_EQ(m.aggregates.size(), one.aggregates.size());
  for (const AggregateResult& want : one.aggregates) {
    auto got = std::find_if(
        m.aggregates.begin(), m.aggregates.end(),
        [&](const AggregateResult& g) { return g.scenario == want.scenario; });
    ASSERT_NE(got, m.aggregates.end()) << want.scenario;
    EXPECT_EQ(got->verdict, want.verdict) << want.scenario;
    EXPECT_EQ(got->judge, want.judge) << want.scenario;
    EXPECT_EQ(got->reason, want.reason) << want.scenario;
    ASSERT_EQ(got->budgets.size(), want.budgets.size()) << want.scenario;
    for (size_t i = 0; i < want.budgets.size(); ++i) {
      EXPECT_EQ(got->budgets[i].statistic, want.budgets[i].statistic)
          << want.scenario;
      EXPECT_DOUBLE_EQ(got->budgets[i].value, want.budgets[i].value)
          << want.scenario;
      EXPECT_DOUBLE_EQ(got->budgets[i].limit, want.budgets[i].limit)
          << want.scenario;
      EXPECT_EQ(got->budgets[i].verdict, want.budgets[i].verdict)
          << want.scenario;
      EXPECT_EQ(got->budgets[i].note, want.budgets[i].note) << want.scenario;
    }
    const Stats& gs = got->stats.at("boot_s");
    const Stats& ws = want.stats.at("boot_s");
    EXPECT_EQ(gs.n, ws.n);
    EXPECT_DOUBLE_EQ(gs.median, ws.median);
    EXPECT_DOUBLE_EQ(gs.p95, ws.p95);
    EXPECT_DOUBLE_EQ(gs.ci_low, ws.ci_low);
    EXPECT_DOUBLE_EQ(gs.ci_high, ws.ci_high);
    EXPECT_DOUBLE_EQ(gs.ci_level, ws.ci_level);
  }
  // The plan covers every verdict the gate can give.
  std::set<Verdict> verdicts;
  for (const auto& agg : one.aggregates) verdicts.insert(agg.verdict);
  EXPECT_EQ(verdicts, (std::set<Verdict>{Verdict::kPass, Verdict::kFail,
                                         Verdict::kInconclusive}));
}

TEST(JudgingFromAggregates, RefusesReportsThatJudgedOneScenarioDifferently) {
  AggregateResult a;
  a.scenario = "alpha";
  a.profile = "qemu-kvm";
  a.judge = "median";
  AggregateResult b = a;
  b.profile = "q35";
  b.judge = "p95";
  EXPECT_THROW(JudgingFromAggregates({a, b}), Error);
}

// One shard of two: `merge` names the missing one and exits 2 (the old merge
// could not tell and passed on what it had); --allow-partial merges anyway,
// and the verdict still says something is missing. Each shard's metadata is
// kept, not only the first report's.
TEST_F(MergeTest, OneShardOfTwoExitsTwoNamingTheOther) {
  const std::vector<Scenario> plan = {Judged("alpha", 20), Judged("beta", 20)};
  std::string a =
      WriteShard(tmp_.path() / "s1", "r-1", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:01:00.000Z", JudgedRuns(plan[0], {9}), plan);
  MarkShard(a, 1, 2, {"alpha/qemu-kvm", "beta/qemu-kvm"}, "b-1");
  testing::internal::CaptureStderr();
  EXPECT_EQ(MergeMain({a}, (tmp_.path() / "out").string(), ""), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("shard 2/2"), std::string::npos) << err;
  EXPECT_NE(err.find("--allow-partial"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(tmp_.path() / "out" / "report.json"));

  SuiteResult partial = MergeReports({a}, (tmp_.path() / "out").string(), true);
  EXPECT_EQ(partial.verdict, Verdict::kError);

  std::string b =
      WriteShard(tmp_.path() / "s2", "r-2", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:01:00.000Z", JudgedRuns(plan[1], {8}), plan);
  MarkShard(b, 2, 2, {"alpha/qemu-kvm", "beta/qemu-kvm"}, "b-2");
  SuiteResult whole =
      MergeReports({a, b}, (tmp_.path() / "out").string(), false);
  EXPECT_EQ(whole.verdict, Verdict::kPass);
  ASSERT_EQ(whole.shards.size(), 2u);
  EXPECT_EQ(whole.shards[0].at("shard"), "1/2");
  EXPECT_EQ(whole.shards[1].at("shard"), "2/2");
  EXPECT_EQ(whole.shards[1].at("build_id"), "b-2");
  EXPECT_EQ(whole.shards[1].at("labels"), "shard=2");
  EXPECT_EQ(whole.shards[1].at("verdict"), "pass");
  EXPECT_EQ(whole.planned_groups.size(), 2u);
  // The shards' metadata survives report.json.
  const SuiteResult back = ParseJsonReport(RenderJson(whole), "merged");
  ASSERT_EQ(back.shards.size(), 2u);
  EXPECT_EQ(back.shards[0].at("run_id"), "r-1");
}

// A shard's own suite verdict counts: an interrupted shard makes the merged
// suite interrupted even where its runs passed (merge used to ignore it).
TEST_F(MergeTest, AShardsOwnVerdictCounts) {
  const std::vector<Scenario> plan = {Judged("alpha", 20)};
  std::string a =
      WriteShard(tmp_.path() / "s1", "r-1", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:01:00.000Z", JudgedRuns(plan[0], {9}), plan);
  SuiteResult s = ParseJsonReport(ReadFile(a), a);
  s.interrupted = true;
  s.verdict = Verdict::kInterrupted;
  WriteFileAtomic(a, RenderJson(s));
  EXPECT_EQ(MergeReports({a}, (tmp_.path() / "out").string(), false).verdict,
            Verdict::kInterrupted);
}

}  // namespace
}  // namespace bootgate
