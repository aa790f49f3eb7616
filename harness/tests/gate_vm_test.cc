// The gate end to end under real QEMU: iterations of one scenario never
// overlap each other, even with --jobs 2; a sharded run merged gives the
// verdict and statistics the shards judged; the merge's exit code is the
// verdict's.
#include <gtest/gtest.h>

#include <algorithm>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

nlohmann::json ReferenceIso(const std::string& name, int iterations) {
  return {{"name", name},
          {"image", {{"iso", ReferenceDir() + "/reference.iso"}}},
          {"vm", {{"cpus", 1}, {"memory_mib", 512}, {"accel", "tcg"}}},
          {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 120}, {"silence_s", 60}}},
          {"access", {{"method", "none"}}},
          {"iterations", iterations},
          {"budgets", {{"boot_s", {{"kvm", 5}, {"tcg", 90}}}}}};
}

class GateVmTest : public VmTest {};

TEST_F(GateVmTest, IterationsOfOneScenarioNeverOverlapEvenWithTwoJobs) {
  std::string scn = WriteScenario("iters", ReferenceIso("iters", 5));
  auto r = RunBootgate(Opts({"run", scn, "--jobs", "2", "--no-html", "--history", ""}));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  const auto& runs = r.report["runs"];
  ASSERT_EQ(runs.size(), 5u);
  std::vector<std::pair<double, double>> spans;
  for (const auto& run : runs) {
    EXPECT_EQ(run["concurrent_vms"], 0) << run.dump();
    double t0 = run["vm_phases"][0]["t0_unix_s"];
    spans.push_back({t0, t0 + double(run["metrics"]["boot_s"])});
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    EXPECT_GE(spans[i].first, spans[i - 1].second) << "iteration " << i + 1 << " overlapped";
  const auto& stats = r.report["aggregates"][0]["stats"]["boot_s"];
  EXPECT_EQ(stats["n"], 5);
  std::printf("5 iterations one after another: boot_s median %.2f s, CI [%.2f, %.2f] (%.0f %%)\n",
              double(stats["median"]), double(stats["ci_low"]), double(stats["ci_high"]),
              100 * double(stats["ci_level"]));
}

TEST_F(GateVmTest, ShardsMergedGiveTheVerdictAndStatisticsTheShardsJudged) {
  // Two groups; sharding keeps each group whole, so every group is judged in
  // exactly one shard, and the merge must reproduce that judgement.
  std::string a = WriteScenario("shard-a", ReferenceIso("shard-a", 2));
  nlohmann::json tight = ReferenceIso("shard-b", 2);
  tight["budgets"]["boot_s"] = {{"kvm", 0.5}, {"tcg", 0.5}};  // fails on every host
  std::string b = WriteScenario("shard-b", tight);
  std::vector<nlohmann::json> shards;
  std::vector<std::string> paths;
  for (std::string k : {"1/2", "2/2"}) {
    auto r = RunBootgate(Opts({"run", a, b, "--shard", k, "--no-html", "--history", ""}));
    ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
    ASSERT_EQ(r.exit_code, r.report["exit_code"].get<int>()) << r.stderr_text;
    shards.push_back(r.report);
    paths.push_back(r.report_dir + "/report.json");
  }
  std::string out = TestTempDir("merged");
  RunOptions m = Opts({"merge", paths[0], paths[1], "--report-dir", out});
  auto merged = RunBootgate(m);
  ASSERT_TRUE(merged.report.is_object()) << merged.stderr_text;
  EXPECT_EQ(merged.report["verdict"], "fail");  // shard-b's budget
  EXPECT_EQ(merged.exit_code, 1) << merged.stderr_text;
  ASSERT_EQ(merged.report["aggregates"].size(), 2u);
  for (const auto& agg : merged.report["aggregates"]) {
    const nlohmann::json* judged = nullptr;
    for (const auto& s : shards)
      for (const auto& a2 : s["aggregates"])
        if (a2["scenario"] == agg["scenario"]) judged = &a2;
    ASSERT_TRUE(judged) << agg["scenario"];
    EXPECT_EQ(agg["verdict"], (*judged)["verdict"]) << agg["scenario"];
    EXPECT_EQ(agg["stats"], (*judged)["stats"]) << agg["scenario"];
    EXPECT_EQ(agg["budgets"], (*judged)["budgets"]) << agg["scenario"];
  }
}

}  // namespace
}  // namespace bootgate::testing
