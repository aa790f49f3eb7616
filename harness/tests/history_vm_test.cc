// Regression tracking end to end: runs with --iterations land in the history
// database, `bootgate compare` finds no change between two real runs of the
// same image and a regression against a planted faster baseline, and every
// report format is written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "history/history.h"
#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

TEST(HistoryVmTest, IterationsLandInHistoryAndCompareDecides) {
  EnsureReferenceImage();
  std::string dir = TestTempDir("hist");
  std::string db = dir + "/history.db";
  std::string ref = ReferenceDir();
  nlohmann::json s = {
      {"name", "reference-direct"},
      {"image", {{"kernel", ref + "/vmlinuz"}, {"initrd", ref + "/initrd.img"},
                 {"append", "console=ttyS0,115200 printk.time=1"}}},
      {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 120}}},
      {"access", {{"method", "none"}}},
      {"budgets", {{"boot_s", {{"kvm", 5}, {"tcg", 60}}}}}};
  std::string scn = dir + "/reference-direct.json";
  std::ofstream(scn) << s.dump(2);

  BootgateRun runs[2];
  for (int i = 0; i < 2; ++i) {
    RunOptions o;
    o.args = {"run", scn, "--iterations", "5", "--jobs", "2", "--history", db,
              "--build-id", i == 0 ? "1.0" : "1.1", "--label", "branch=main",
              "--report-dir", dir + "/r" + std::to_string(i)};
    runs[i] = RunBootgate(o);
    ASSERT_EQ(runs[i].exit_code, 0) << runs[i].stdout_text << runs[i].stderr_text;
  }
  // Statistics over the five counted runs, judged on the median.
  const auto& agg = runs[1].report["aggregates"][0];
  EXPECT_EQ(int(agg["stats"]["boot_s"]["n"]), 5);
  EXPECT_LE(double(agg["stats"]["boot_s"]["min"]), double(agg["stats"]["boot_s"]["median"]));
  EXPECT_EQ(agg["budgets"][0]["statistic"], "median");

  // Every format exists; the HTML report has its charts inline.
  for (const char* f : {"report.json", "junit.xml", "summary.md", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(runs[1].report_dir + "/" + f)) << f;
  std::ifstream html(runs[1].report_dir + "/report.html");
  std::string page((std::istreambuf_iterator<char>(html)), {});
  EXPECT_NE(page.find("<svg"), std::string::npos);

  // Ten counted runs in the history, five per build.
  History h(db);
  EXPECT_EQ(h.QueryRuns(ParseSelector("")).size(), 10u);
  EXPECT_EQ(h.MetricValues(ParseSelector("build=1.1"), "boot_s").size(), 5u);

  // Two runs of the same image: no regression. (min effect 30 %: the test
  // host runs other VM tests beside this one, and five TCG boots under load
  // can sit 10-20 % apart.)
  RunOptions same;
  same.args = {"compare", "--db", db, "--baseline", "build=1.0", "--candidate", "build=1.1",
               "--min-effect", "30"};
  auto c1 = RunBootgate(same);
  EXPECT_EQ(c1.exit_code, 0) << c1.stdout_text << c1.stderr_text;
  EXPECT_NE(c1.stdout_text.find("no regression"), std::string::npos) << c1.stdout_text;

  // A planted baseline clearly faster than every candidate run (50-58 % of
  // the fastest): a regression. Planted from the candidate's own minimum,
  // not from build 1.0: on a busy TCG host two runs of five boots can differ
  // by 50 %, and overlapping samples are (rightly) not significant.
  SuiteResult planted;
  planted.run_id = "planted-fast";
  planted.started_at = "2026-01-01T00:00:00.000Z";
  planted.finished_at = planted.started_at;
  planted.build_id = "fast";
  planted.host = "test";
  std::vector<double> candidate = h.MetricValues(ParseSelector("build=1.1"), "boot_s");
  ASSERT_EQ(candidate.size(), 5u);
  const double fastest = *std::min_element(candidate.begin(), candidate.end());
  for (int i = 0; i < 5; ++i) {
    RunResult r;
    r.scenario = "reference-direct";
    r.profile = "qemu-kvm";
    r.backend = "qemu";
    r.accelerator = runs[0].report["runs"][0]["accelerator"];
    r.iteration = static_cast<int>(planted.runs.size()) + 1;
    r.verdict = Verdict::kPass;
    r.started_at = planted.started_at;
    r.metrics["boot_s"] = fastest * (0.5 + 0.02 * i);
    planted.runs.push_back(r);
  }
  h.Record(planted);
  RunOptions slower;
  slower.args = {"compare", "--db", db, "--baseline", "build=fast", "--candidate", "latest"};
  auto c2 = RunBootgate(slower);
  EXPECT_EQ(c2.exit_code, 1) << c2.stdout_text << c2.stderr_text;
  EXPECT_NE(c2.stdout_text.find("REGRESSION"), std::string::npos) << c2.stdout_text;

  RunOptions hist;
  hist.args = {"history", "--db", db, "--select", "build=1.1"};
  auto listing = RunBootgate(hist);
  EXPECT_EQ(listing.exit_code, 0);
  EXPECT_NE(listing.stdout_text.find("(5 of 5 runs)"), std::string::npos) << listing.stdout_text;
}

}  // namespace
}  // namespace bootgate::testing
