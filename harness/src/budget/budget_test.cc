#include "budget/budget.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;

BudgetValue Any(double v) {
  BudgetValue b;
  b.any = v;
  return b;
}

Budgets MakeBudgets() {
  Budgets b;
  b.limits["boot_s"] = Any(10);
  b.limits["ram_mib"] = Any(150);
  BudgetValue disk;
  disk.per_accel["kvm"] = 900;  // no tcg limit: not judged under tcg
  b.limits["disk_mib"] = disk;
  b.per_profile["hyperv"]["boot_s"] = Any(20);
  return b;
}

const BudgetResult* Find(const std::vector<BudgetResult>& bs, const std::string& m) {
  for (const auto& b : bs) {
    if (b.metric == m) return &b;
  }
  return nullptr;
}

TEST(EvaluateBudgets, JudgesMeasuredSkipsUnmeasuredIgnoresUnbudgeted) {
  auto r = EvaluateBudgets(MakeBudgets(), {{"boot_s", 8}, {"disk_mib", 950}, {"install_s", 20}},
                           "qemu-kvm", "tcg");
  ASSERT_EQ(r.size(), 2u);  // boot_s, ram_mib; disk_mib has no tcg limit
  const BudgetResult* boot = Find(r, "boot_s");
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->verdict, Verdict::kPass);
  EXPECT_EQ(boot->statistic, "value");
  EXPECT_DOUBLE_EQ(boot->value, 8);
  EXPECT_DOUBLE_EQ(boot->limit, 10);
  EXPECT_DOUBLE_EQ(boot->margin, 2);
  EXPECT_DOUBLE_EQ(boot->margin_pct, 20);
  const BudgetResult* ram = Find(r, "ram_mib");
  ASSERT_NE(ram, nullptr);
  EXPECT_EQ(ram->verdict, Verdict::kSkipped);
  EXPECT_EQ(ram->note, "metric not measured");
  EXPECT_EQ(Find(r, "install_s"), nullptr);
}

TEST(EvaluateBudgets, OverTheLimitFailsWithNegativeMargin) {
  auto r = EvaluateBudgets(MakeBudgets(), {{"boot_s", 10}, {"disk_mib", 990}}, "qemu-kvm", "kvm");
  EXPECT_EQ(Find(r, "boot_s")->verdict, Verdict::kPass);  // equal to the limit passes
  const BudgetResult* disk = Find(r, "disk_mib");
  ASSERT_NE(disk, nullptr);
  EXPECT_EQ(disk->verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(disk->margin, -90);
  EXPECT_DOUBLE_EQ(disk->margin_pct, -10);
}

TEST(EvaluateBudgets, PerProfileOverrideWins) {
  EXPECT_EQ(Find(EvaluateBudgets(MakeBudgets(), {{"boot_s", 15}}, "hyperv", "tcg"), "boot_s")->verdict,
            Verdict::kPass);
  EXPECT_EQ(Find(EvaluateBudgets(MakeBudgets(), {{"boot_s", 15}}, "qemu-kvm", "tcg"), "boot_s")->verdict,
            Verdict::kFail);
}

RunResult MakeRun(double boot_s, Verdict v = Verdict::kPass, int iteration = 1) {
  RunResult r;
  r.scenario = "photon";
  r.profile = "qemu-kvm";
  r.backend = "qemu";
  r.accelerator = "tcg";
  r.iteration = iteration;
  r.verdict = v;
  r.metrics["boot_s"] = boot_s;
  return r;
}

std::vector<RunResult> Runs(const std::vector<double>& boot) {
  std::vector<RunResult> runs;
  for (size_t i = 0; i < boot.size(); ++i) runs.push_back(MakeRun(boot[i], Verdict::kPass, int(i) + 1));
  return runs;
}

Budgets BootBudget(double limit) {
  Budgets b;
  b.limits["boot_s"] = Any(limit);
  return b;
}

TEST(Aggregate, PassWhenTheMedianIsClearlyUnderTheLimit) {
  AggregateResult a = Aggregate(Runs({9, 9.5, 10, 10.5, 11}), BootBudget(20), "median");
  EXPECT_EQ(a.verdict, Verdict::kPass);
  EXPECT_EQ(a.scenario, "photon");
  EXPECT_EQ(a.accelerator, "tcg");
  ASSERT_EQ(a.stats.count("boot_s"), 1u);
  EXPECT_EQ(a.stats["boot_s"].n, 5);
  EXPECT_DOUBLE_EQ(a.stats["boot_s"].median, 10);
  ASSERT_EQ(a.budgets.size(), 1u);
  EXPECT_EQ(a.budgets[0].statistic, "median");
  EXPECT_DOUBLE_EQ(a.budgets[0].value, 10);
  EXPECT_DOUBLE_EQ(a.budgets[0].margin, 10);
  EXPECT_FALSE(NeedsMoreSamples(a));
}

TEST(Aggregate, FailWhenTheMedianIsClearlyOver) {
  AggregateResult a = Aggregate(Runs({9, 9.5, 10, 10.5, 11}), BootBudget(5), "median");
  EXPECT_EQ(a.verdict, Verdict::kFail);
  EXPECT_THAT(a.reason, HasSubstr("boot_s median 10 is over the budget 5"));
}

TEST(Aggregate, InconclusiveWhenTheLimitIsInsideTheMedianCi) {
  AggregateResult a = Aggregate(Runs({9, 9.5, 10, 10.5, 11}), BootBudget(10.25), "median");
  const Stats& s = a.stats["boot_s"];
  ASSERT_LT(s.ci_low, 10.25);
  ASSERT_GT(s.ci_high, 10.25);
  EXPECT_EQ(a.verdict, Verdict::kInconclusive);
  EXPECT_EQ(a.budgets[0].verdict, Verdict::kInconclusive);
  // n = 5: no 95% interval of the median exists; the note says so instead of
  // calling [min, max] a 95% CI.
  EXPECT_THAT(a.budgets[0].note, HasSubstr("too few for any 95% interval"));
  EXPECT_THAT(a.budgets[0].note, HasSubstr("93.8%"));
  EXPECT_THAT(a.budgets[0].note, HasSubstr("runs in all would decide it"));
  EXPECT_THAT(a.reason, HasSubstr("boot_s"));
  EXPECT_TRUE(NeedsMoreSamples(a));
}

// Fails on the old code (bootstrap CI, note without a run count).
TEST(Aggregate,
     InconclusiveNoteNamesTheExactIntervalAndTheRunsThatWouldDecide) {
  // 9 runs, 7 of them under 10.5: the exact 96.1% CI of the median is
  // [x(2), x(8)] = [9.2, 10.8], which holds 10.5.
  const std::vector<double> v = {9, 9.2, 9.4, 9.6, 9.8, 10, 10.2, 10.8, 11};
  AggregateResult a = Aggregate(Runs(v), BootBudget(10.5), "median");
  ASSERT_EQ(a.verdict, Verdict::kInconclusive);
  const Stats& s = a.stats["boot_s"];
  EXPECT_DOUBLE_EQ(s.ci_low, 9.2);
  EXPECT_DOUBLE_EQ(s.ci_high, 10.8);
  EXPECT_THAT(a.budgets[0].note, HasSubstr("exact 96.1% order-statistics CI"));
  const std::optional<int> n = RunsToDecide(v, 10.5);
  ASSERT_TRUE(n.has_value());
  EXPECT_GT(*n, 9);
  EXPECT_THAT(a.budgets[0].note,
              HasSubstr(fmt::format("about {} runs in all", *n)));
}

TEST(Aggregate, TwoRunsAreNeverInconclusive) {
  // n < 3: the CI rule does not apply; median 10 <= 10.25 passes.
  AggregateResult a = Aggregate(Runs({9.5, 10.5}), BootBudget(10.25), "median");
  EXPECT_EQ(a.verdict, Verdict::kPass);
}

TEST(Aggregate, JudgesTheChosenStatistic) {
  // p95 of {1..5} = 4.8 > 4.5; never inconclusive when judging p95.
  AggregateResult a = Aggregate(Runs({1, 2, 3, 4, 5}), BootBudget(4.5), "p95");
  EXPECT_EQ(a.verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(a.budgets[0].value, 4.8);
  EXPECT_EQ(Aggregate(Runs({1, 2, 3, 4, 5}), BootBudget(4.5), "max").verdict, Verdict::kFail);
  EXPECT_EQ(Aggregate(Runs({1, 2, 3, 4, 5}), BootBudget(4.5), "mean").verdict, Verdict::kPass);
  EXPECT_THROW(Aggregate(Runs({1}), BootBudget(4.5), "p99"), Error);
}

TEST(Aggregate, WarmupRunsDoNotFeedStatistics) {
  auto runs = Runs({9, 10, 11});
  RunResult warm = MakeRun(100);
  warm.warmup = true;
  runs.insert(runs.begin(), warm);
  AggregateResult a = Aggregate(runs, BootBudget(50), "median");
  EXPECT_EQ(a.stats["boot_s"].n, 3);
  EXPECT_DOUBLE_EQ(a.stats["boot_s"].max, 11);
  EXPECT_EQ(a.verdict, Verdict::kPass);
}

// Three counted runs (9, 10, 11 s) and a fourth that could not measure.
std::vector<RunResult> RunsAndAnErrorRun() {
  auto runs = Runs({9, 10, 11});
  RunResult err = MakeRun(500, Verdict::kError, 4);
  err.reason = "QEMU exited with status 1";
  runs.push_back(err);
  return runs;
}

TEST(Aggregate, AnErrorRunMakesTheAggregateAnErrorButOthersStillCount) {
  AggregateResult a = Aggregate(RunsAndAnErrorRun(), BootBudget(50), "median");
  EXPECT_EQ(a.verdict, Verdict::kError);
  EXPECT_THAT(a.reason, HasSubstr("could not measure: QEMU exited"));
  EXPECT_EQ(a.stats["boot_s"].n, 3);
}

// Fails on the old code, where the error run turned the failing budget into
// "could not measure" (exit 2).
TEST(Aggregate, AFailingBudgetStaysAFailBesideAnErrorRun) {
  AggregateResult a = Aggregate(RunsAndAnErrorRun(), BootBudget(5), "median");
  EXPECT_EQ(a.verdict, Verdict::kFail);
  EXPECT_THAT(a.reason, HasSubstr("boot_s median 10 is over the budget 5"));
  EXPECT_THAT(
      a.reason,
      HasSubstr(
          "also: iteration 4 (attempt 1) could not measure: QEMU exited"));
}

TEST(Aggregate, APanicRunFailsTheAggregate) {
  auto runs = Runs({9, 10, 11});
  RunResult panic;
  panic.scenario = "photon";
  panic.profile = "qemu-kvm";
  panic.iteration = 4;
  panic.verdict = Verdict::kFail;
  panic.failure_class = "kernel-panic";
  panic.reason = "Kernel panic - not syncing";
  runs.push_back(panic);
  AggregateResult a = Aggregate(runs, BootBudget(50), "median");
  EXPECT_EQ(a.verdict, Verdict::kFail);
  EXPECT_THAT(a.reason, HasSubstr("iteration 4 (attempt 1) failed: kernel-panic"));
}

TEST(Aggregate, ARunFailingOnlyItsOwnBudgetDoesNotFailTheMedian) {
  auto runs = Runs({9, 9.2, 9.4, 9.1, 9.3, 9.0, 9.2, 9.1});
  RunResult slow = MakeRun(12, Verdict::kFail, 9);
  BudgetResult over;
  over.metric = "boot_s";
  over.verdict = Verdict::kFail;
  slow.budgets.push_back(over);
  runs.push_back(slow);
  AggregateResult a = Aggregate(runs, BootBudget(10), "median");
  EXPECT_EQ(a.stats["boot_s"].n, 9);
  EXPECT_EQ(a.verdict, Verdict::kPass);
  // ...but the same run with a failed check does.
  CheckResult check;
  check.name = "sshd";
  check.verdict = Verdict::kFail;
  runs.back().checks.push_back(check);
  EXPECT_EQ(Aggregate(runs, BootBudget(10), "median").verdict, Verdict::kFail);
}

TEST(Aggregate, NoisyHostWarning) {
  // {10,14,10,14}: mean 12, stdev sqrt(16/3) = 2.309, CoV 19.2%.
  AggregateResult a = Aggregate(Runs({10, 14, 10, 14}), BootBudget(100), "median");
  EXPECT_THAT(a.warnings, ::testing::Contains("noisy host: boot_s CoV 19.2% over 4 runs"));
  AggregateResult quiet = Aggregate(Runs({10, 10.1, 10, 10.1}), BootBudget(100), "median");
  EXPECT_TRUE(quiet.warnings.empty());
}

TEST(Aggregate, UnmeasuredBudgetIsSkippedNotFailed) {
  Budgets b = BootBudget(100);
  b.limits["ram_mib"] = Any(150);
  AggregateResult a = Aggregate(Runs({10, 11, 12}), b, "median");
  EXPECT_EQ(a.verdict, Verdict::kPass);
  const BudgetResult* ram = Find(a.budgets, "ram_mib");
  ASSERT_NE(ram, nullptr);
  EXPECT_EQ(ram->verdict, Verdict::kSkipped);
}

TEST(Aggregate, NoRunsIsAnError) {
  AggregateResult a = Aggregate({}, BootBudget(10), "median");
  EXPECT_EQ(a.verdict, Verdict::kError);
  EXPECT_THAT(a.reason, HasSubstr("no counted run"));
}


std::vector<double> Range(double from, double step, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(from + step * i);
  return v;
}

TEST(CompareMetric, InsufficientDataWhenASideIsEmpty) {
  MetricComparison c = CompareMetric("boot_s", {}, {1, 2});
  EXPECT_EQ(c.change, Change::kInsufficientData);
  EXPECT_EQ(c.note, "no baseline samples");
}

TEST(CompareMetric, SeparatedSamplesWithALargeEffectAreARegression) {
  // 10 vs 10, separated: exact p = 2 / C(20,10) = 1.08e-5.
  // Medians 10.45 -> 11.45: +9.57%.
  MetricComparison c = CompareMetric("boot_s", Range(10.0, 0.1, 10), Range(11.0, 0.1, 10));
  EXPECT_EQ(c.change, Change::kRegression);
  EXPECT_NEAR(c.p_value, 2.0 / 184756.0, 1e-12);
  EXPECT_NEAR(c.delta_pct, 100.0 / 10.45, 1e-9);
  EXPECT_EQ(c.n_baseline, 10);
  EXPECT_EQ(c.n_candidate, 10);
  EXPECT_EQ(ToString(c.change), "regression");
  MetricComparison back = CompareMetric("boot_s", Range(11.0, 0.1, 10), Range(10.0, 0.1, 10));
  EXPECT_EQ(back.change, Change::kImprovement);
}

TEST(CompareMetric, SignificantButSmallIsNoChange) {
  MetricComparison c = CompareMetric("boot_s", Range(100.0, 0.1, 10), Range(101.0, 0.1, 10));
  EXPECT_EQ(c.change, Change::kNoChange);
  EXPECT_LT(c.p_value, 0.01);
  EXPECT_THAT(c.note, HasSubstr("under the 5% threshold"));
}

TEST(CompareMetric, InterleavedSamplesAreNotSignificant) {
  MetricComparison c = CompareMetric("boot_s", Range(1, 2, 10), Range(2, 2, 10));
  EXPECT_EQ(c.change, Change::kNoChange);
  EXPECT_GT(c.p_value, 0.5);
  EXPECT_THAT(c.note, HasSubstr("not significant"));
}

TEST(CompareMetric, TooFewSamplesFallsBackToEffectSize) {
  // 1 vs 5: the smallest possible p is 1/3, the U test can never decide.
  MetricComparison slow = CompareMetric("boot_s", {10}, {12, 12.1, 11.9, 12, 12.2});
  EXPECT_EQ(slow.change, Change::kRegression);
  EXPECT_THAT(slow.note, HasSubstr("too few samples"));
  EXPECT_THAT(slow.note, HasSubstr("20.0% above the baseline max"));
  MetricComparison same = CompareMetric("boot_s", {10}, {10.2, 10.1, 10.3, 10.2, 10.2});
  EXPECT_EQ(same.change, Change::kNoChange);
  EXPECT_THAT(same.note, HasSubstr("too few samples"));
  MetricComparison fast = CompareMetric("boot_s", {10, 10.4, 9.8}, {9});
  EXPECT_EQ(fast.change, Change::kImprovement);
  EXPECT_THAT(fast.note, HasSubstr("below the baseline min"));
}

}  // namespace
}  // namespace bootgate

namespace bootgate {
namespace {
TEST(HolmAdjust, StepDownAdjustedValuesInInputOrder) {
  // Sorted: 0.005 x4 = 0.02, 0.01 x3 = 0.03, 0.03 x2 = 0.06, 0.04 x1 = 0.04
  // -> monotone 0.06.
  const std::vector<double> adjusted = HolmAdjust({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_DOUBLE_EQ(adjusted[0], 0.03);
  EXPECT_DOUBLE_EQ(adjusted[1], 0.06);
  EXPECT_DOUBLE_EQ(adjusted[2], 0.06);
  EXPECT_DOUBLE_EQ(adjusted[3], 0.02);
  EXPECT_DOUBLE_EQ(HolmAdjust({0.6, 0.7})[1], 1.0);  // capped at 1
}

// Fails on the old code (no correction): two metrics each at p < 0.01 were
// both regressions; after Holm neither is.
TEST(HolmCorrect, TwoBorderlineTestsAreNoLongerSignificant) {
  MetricComparison a, b, small_n;
  for (MetricComparison* c : {&a, &b}) {
    c->u_tested = true;
    c->delta_pct = 10;
    c->change = Change::kRegression;
  }
  a.p_value = 0.008;
  b.p_value = 0.009;
  small_n.p_value = 0.001;  // the small-n fallback: not in the family
  small_n.change = Change::kRegression;
  EXPECT_EQ(HolmCorrect({&a, &b, &small_n}, 0.01, 5), 2);
  EXPECT_DOUBLE_EQ(a.p_adjusted, 0.016);
  EXPECT_DOUBLE_EQ(b.p_adjusted, 0.016);
  EXPECT_EQ(a.change, Change::kNoChange);
  EXPECT_EQ(b.change, Change::kNoChange);
  EXPECT_THAT(a.note,
              HasSubstr("Holm-adjusted p (over 2 tests) 0.016 >= 0.01"));
  EXPECT_EQ(small_n.change, Change::kRegression);
  // One test: nothing to correct.
  MetricComparison one;
  one.u_tested = true;
  one.p_value = one.p_adjusted = 0.008;
  EXPECT_EQ(HolmCorrect({&one}), 1);
  EXPECT_DOUBLE_EQ(one.p_adjusted, 0.008);
}

CheckResult Check(const std::string& name, Verdict v,
                  const std::string& reason = "") {
  CheckResult c;
  c.name = name;
  c.verdict = v;
  c.reason = reason;
  return c;
}

// Fails on the old run_scenario.cc judge step: an error after a failed check
// turned the run into kError (exit 2).
TEST(JudgeRun, AFailedCheckStaysAFailWhenAnotherCheckErrors) {
  RunJudgement j =
      JudgeRun({Check("os-release", Verdict::kFail, "no PRETTY_NAME"),
                Check("ntp", Verdict::kError, "ssh dropped")},
               {}, RunEnd{});
  EXPECT_EQ(j.verdict, Verdict::kFail);
  EXPECT_EQ(j.failure_class, "check-failed");
  EXPECT_THAT(j.reason, HasSubstr("check 'os-release' failed: no PRETTY_NAME"));
  EXPECT_THAT(j.reason, HasSubstr("also 1 error"));
  ASSERT_EQ(j.errors.size(), 1u);
  EXPECT_EQ(j.errors[0], "check 'ntp' could not run: ssh dropped");
  // Order does not matter.
  RunJudgement k =
      JudgeRun({Check("ntp", Verdict::kError, "ssh dropped"),
                Check("os-release", Verdict::kFail, "no PRETTY_NAME")},
               {}, RunEnd{});
  EXPECT_EQ(k.verdict, Verdict::kFail);
  EXPECT_EQ(ExitCodeFor(k.verdict), 1);
}

// A per-run budget is a note for the group's statistic, and a run that could
// not measure is not counted there: it stays an error (exit 2), with the
// budget named. The old rule made it kFail "budget", which the aggregate then
// treated as a note, so the group could PASS with exit 0.
TEST(JudgeRun, AFailedBudgetOfARunThatCouldNotMeasureIsAnError) {
  BudgetResult over;
  over.metric = "boot_s";
  over.value = 12;
  over.limit = 10;
  over.verdict = Verdict::kFail;
  RunJudgement j =
      JudgeRun({}, {over}, {Verdict::kError, "ssh", "SSH timed out"});
  EXPECT_EQ(j.verdict, Verdict::kError);
  EXPECT_EQ(j.failure_class, "ssh");
  EXPECT_THAT(j.reason, HasSubstr("SSH timed out"));
  EXPECT_THAT(j.reason, HasSubstr("boot_s 12.0 exceeds its budget of 10.0"));
  // The group of such a run does not pass, whatever the other runs did.
  RunResult bad, good;
  bad.iteration = 1;
  bad.metrics["boot_s"] = 12;
  bad.budgets = {over};
  ApplyJudgement(j, &bad);
  good.iteration = 2;
  good.metrics["boot_s"] = 6;
  good.verdict = Verdict::kPass;
  Budgets budgets;
  budgets.limits["boot_s"].any = 10;
  EXPECT_EQ(Aggregate({bad, good}, budgets, "median").verdict, Verdict::kError);
}

TEST(JudgeRun, StopsErrorsAndPasses) {
  RunJudgement panic =
      JudgeRun({}, {}, {Verdict::kFail, "kernel-panic", "Kernel panic"});
  EXPECT_EQ(panic.verdict, Verdict::kFail);
  EXPECT_EQ(panic.failure_class, "kernel-panic");
  EXPECT_TRUE(panic.errors.empty());
  RunJudgement stop =
      JudgeRun({}, {}, {Verdict::kInterrupted, "interrupted", "Ctrl-C"});
  EXPECT_EQ(stop.verdict, Verdict::kInterrupted);
  RunJudgement err =
      JudgeRun({Check("a", Verdict::kPass), Check("b", Verdict::kError, "x")},
               {}, RunEnd{});
  EXPECT_EQ(err.verdict, Verdict::kError);
  EXPECT_EQ(err.failure_class, "could-not-measure");
  EXPECT_EQ(err.reason, "check 'b' could not run: x");
  RunJudgement ok = JudgeRun({Check("a", Verdict::kPass)}, {}, RunEnd{});
  EXPECT_EQ(ok.verdict, Verdict::kPass);
  EXPECT_EQ(ok.reason, "all budgets and checks passed");
}

TEST(ApplyJudgement, ListsErrorsAsWarnings) {
  RunResult r;
  ApplyJudgement({Verdict::kFail,
                  "check-failed",
                  "check 'a' failed",
                  {"check 'b' could not run"}},
                 &r);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.failure_class, "check-failed");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "could not measure: check 'b' could not run");
}

// Aggregates combine run verdicts with CombineVerdicts (report/result.h).
}  // namespace
}  // namespace bootgate
