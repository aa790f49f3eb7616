// `bootgate compare` and `bootgate history` as the CLI runs them, on a real
// history database: exit codes and the JSON formats.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "history/history.h"
#include "util/fs.h"

namespace bootgate {
namespace {

SuiteResult Suite(const std::string& id, const std::string& build,
                  double boot_from_s) {
  SuiteResult s;
  s.run_id = id;
  s.started_at = s.finished_at =
      "2026-01-0" + std::string(build == "b1" ? "1" : "2") + "T00:00:00Z";
  s.build_id = build;
  for (int i = 1; i <= 10; ++i) {
    RunResult r;
    r.scenario = "reference";
    r.accelerator = "tcg";
    r.iteration = i;
    r.verdict = Verdict::kPass;
    r.metrics["boot_s"] = boot_from_s + 0.1 * i;
    s.runs.push_back(r);
  }
  return s;
}

class CompareCommandTest : public ::testing::Test {
 protected:
  CompareCommandTest() {
    History h(db_.string());
    h.Record(Suite("s1", "b1", 10));
    h.Record(Suite("s2", "b2", 12));
  }
  TempDir tmp_{fs::temp_directory_path(), "bootgate-compare-cmd-"};
  fs::path db_ = tmp_.path() / "history.db";
};

// The end-to-end rule: a selector that matches nothing exits 2
// (it exited 0 with "no regression").
TEST_F(CompareCommandTest, ASelectorThatMatchesNothingExits2) {
  CompareCommandOptions o;
  o.db = db_.string();
  o.baseline = "build=b1";
  o.candidate = "build=b2-typo";
  EXPECT_EQ(CompareMain(o), 2);
  o.format = "json";
  EXPECT_EQ(CompareMain(o), 2);
}

TEST_F(CompareCommandTest, ARegressionExits1AndNoChangeExits0) {
  CompareCommandOptions o;
  o.db = db_.string();
  o.baseline = "build=b1";
  o.candidate = "build=b2";
  o.metrics = {"boot_s"};
  EXPECT_EQ(CompareMain(o), 1);
  o.candidate = "build=b1";
  EXPECT_EQ(CompareMain(o), 0);
}

TEST_F(CompareCommandTest, HistoryPrintsJson) {
  EXPECT_EQ(HistoryMain(db_.string(), "build=b1", 50, "json"), 0);
}

}  // namespace
}  // namespace bootgate
