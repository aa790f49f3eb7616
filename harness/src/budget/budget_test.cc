#include "budget/budget.h"

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
  EXPECT_THAT(a.budgets[0].note, HasSubstr("inside the 95% CI of the median"));
  EXPECT_THAT(a.reason, HasSubstr("boot_s"));
  EXPECT_TRUE(NeedsMoreSamples(a));
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

TEST(Aggregate, AnErrorRunMakesTheAggregateAnErrorButOthersStillCount) {
  auto runs = Runs({9, 10, 11});
  RunResult err = MakeRun(500, Verdict::kError, 4);
  err.reason = "QEMU exited with status 1";
  runs.push_back(err);
  AggregateResult a = Aggregate(runs, BootBudget(5), "median");
  EXPECT_EQ(a.verdict, Verdict::kError);  // error beats the failing budget
  EXPECT_THAT(a.reason, HasSubstr("could not measure: QEMU exited"));
  EXPECT_EQ(a.stats["boot_s"].n, 3);
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
