// `bootgate merge` on two real shard reports written to disk: one combined
// report whose runs, run folders, aggregates, verdict, JUnit and history
// import all reflect both shards; overlapping shards are refused.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "history/history.h"
#include "report/json_report.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

RunResult ShardRun(const std::string& scenario, int iteration, Verdict verdict, double boot_s) {
  RunResult r;
  r.scenario = scenario;
  r.profile = "qemu-kvm";
  r.accelerator = "tcg";
  r.iteration = iteration;
  r.verdict = verdict;
  r.reason = verdict == Verdict::kPass ? "all budgets and checks passed" : "boot_s exceeds its budget";
  r.failure_class = verdict == Verdict::kPass ? "" : "budget";
  r.metrics["boot_s"] = boot_s;
  r.phases = {{"firmware", 0, 1}, {"kernel", 1, boot_s}};
  r.started_at = "2026-01-01T00:00:0" + std::to_string(iteration) + ".000Z";
  r.run_dir = scenario + ".qemu-kvm.iter" + std::to_string(iteration);
  r.vm_phases = {{"boot", r.run_dir + "/console.log", {"qemu-system-x86_64"}, ""}};
  return r;
}

// Writes a shard's report.json plus each run's console.log, as `bootgate run`
// leaves them.
std::string WriteShard(const fs::path& dir, const std::string& run_id,
                       const std::string& started, const std::string& finished,
                       std::vector<RunResult> runs) {
  SuiteResult s;
  s.run_id = run_id;
  s.started_at = started;
  s.finished_at = finished;
  s.host = "ci-node";
  s.build_id = "b42";
  s.labels = {{"branch", "main"}};
  s.runs = std::move(runs);
  s.verdict = Verdict::kPass;
  for (const auto& r : s.runs) {
    fs::create_directories(dir / r.run_dir);
    WriteFileAtomic(dir / r.run_dir / "console.log", "console of " + r.run_dir + "\n");
    if (r.verdict != Verdict::kPass) s.verdict = r.verdict;
  }
  WriteFileAtomic(dir / "report.json", RenderJson(s));
  return (dir / "report.json").string();
}

class MergeTest : public ::testing::Test {
 protected:
  TempDir tmp_{fs::temp_directory_path(), "bootgate-merge-test-"};
};

TEST_F(MergeTest, CombinesTwoShardsIntoOneJudgedReport) {
  // Shard 1: "alpha" (both iterations pass); shard 2: "beta" (one fails).
  std::string a = WriteShard(tmp_.path() / "shard-0", "20260101-000000-aaaa",
                             "2026-01-01T00:00:05.000Z", "2026-01-01T00:02:00.000Z",
                             {ShardRun("alpha", 1, Verdict::kPass, 9.5), ShardRun("alpha", 2, Verdict::kPass, 10.5)});
  std::string b = WriteShard(tmp_.path() / "shard-1", "20260101-000000-bbbb",
                             "2026-01-01T00:00:01.000Z", "2026-01-01T00:03:00.000Z",
                             {ShardRun("beta", 1, Verdict::kPass, 12), ShardRun("beta", 2, Verdict::kFail, 50)});
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
  std::string a = WriteShard(tmp_.path() / "s0", "r-a", "2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z",
                             {ShardRun("alpha", 1, Verdict::kPass, 9)});
  std::string b = WriteShard(tmp_.path() / "s1", "r-b", "2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z",
                             {ShardRun("beta", 1, Verdict::kPass, 9)});
  EXPECT_EQ(MergeMain({a, b}, (tmp_.path() / "out").string(), ""), 0);
  SuiteResult m = ParseJsonReport(ReadFile(tmp_.path() / "out" / "report.json"), "merged");
  EXPECT_EQ(m.verdict, Verdict::kPass);
  EXPECT_EQ(m.runs.size(), 2u);
}

TEST_F(MergeTest, RefusesARunPresentInTwoShards) {
  // The same run twice means the shards overlapped (different --shard N).
  std::string a = WriteShard(tmp_.path() / "s0", "r-a", "2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z",
                             {ShardRun("alpha", 1, Verdict::kPass, 9)});
  std::string b = WriteShard(tmp_.path() / "s1", "r-b", "2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z",
                             {ShardRun("alpha", 1, Verdict::kPass, 9)});
  try {
    MergeMain({a, b}, (tmp_.path() / "out").string(), "");
    FAIL() << "overlapping shards were merged";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("appears in two shard reports"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp_.path() / "out" / "report.json"));
}

}  // namespace
}  // namespace bootgate
