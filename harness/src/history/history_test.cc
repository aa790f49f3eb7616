#include "history/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <sqlite3.h>

#include "history/history_test_util.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace testing_history;

class HistoryTest : public ::testing::Test {
 protected:
  HistoryTest() : dir_(std::filesystem::temp_directory_path(), "history-test-") {}
  std::string DbPath() const { return (dir_.path() / "sub" / "dir" / "history.db").string(); }
  TempDir dir_;
};

TEST_F(HistoryTest, RecordsAndReadsBackASuite) {
  History h(DbPath());  // parents created
  SuiteResult s = MakeSuite("suite-1", "2024-05-01T10:00:00Z", "b1",
                            {{.boot_s = 30, .warmup = true}, {.boot_s = 10}, {.boot_s = 11}},
                            {{"branch", "main"}});
  BudgetResult b;
  b.metric = "boot_s";
  b.limit = 12;
  b.verdict = Verdict::kPass;
  s.runs[1].budgets.push_back(b);
  CheckResult c;
  c.name = "sshd-active";
  c.verdict = Verdict::kPass;
  c.duration_s = 0.25;
  s.runs[1].checks.push_back(c);
  h.Record(s);

  std::vector<HistoryRun> runs = h.QueryRuns({});
  ASSERT_EQ(runs.size(), 2u);  // the warmup run is excluded by default
  const HistoryRun& r = runs[0];
  EXPECT_EQ(r.suite_id, "suite-1");
  EXPECT_EQ(r.scenario, "photon");
  EXPECT_EQ(r.profile, "qemu-kvm");
  EXPECT_EQ(r.accelerator, "tcg");
  EXPECT_EQ(r.backend, "qemu");
  EXPECT_EQ(r.host, "ci-host");
  EXPECT_EQ(r.build_id, "b1");
  EXPECT_EQ(r.image_path, "/images/photon.iso");
  EXPECT_EQ(r.image_sha256, "abc123");
  EXPECT_EQ(r.verdict, "pass");
  EXPECT_EQ(r.iteration, 2);
  EXPECT_FALSE(r.warmup);
  EXPECT_EQ(r.labels.at("branch"), "main");
  EXPECT_DOUBLE_EQ(r.metrics.at("boot_s"), 10);
  EXPECT_DOUBLE_EQ(r.metrics.at("ram_mib"), 120);
  EXPECT_DOUBLE_EQ(r.limits.at("boot_s"), 12);
  EXPECT_EQ(r.limits.count("ram_mib"), 0u);

  Selector with_warmup;
  with_warmup.include_warmup = true;
  EXPECT_EQ(h.QueryRuns(with_warmup).size(), 3u);
  EXPECT_EQ(CountRows(DbPath(), "metrics"), 6);  // one row per run per metric
  EXPECT_EQ(CountRows(DbPath(), "checks"), 1);
  EXPECT_THAT(h.Metrics({}), ElementsAre("boot_s", "ram_mib"));
  EXPECT_THAT(h.MetricValues({}, "boot_s"), ElementsAre(10, 11));
}

TEST_F(HistoryTest, PersistsAcrossOpensWithAVersionedSchema) {
  { History(DbPath()).Record(MakeSuite("s1", "2024-05-01T10:00:00Z", "b1", {{}})); }
  History h(DbPath());
  EXPECT_EQ(h.QueryRuns({}).size(), 1u);
  sqlite3* db = nullptr;
  sqlite3_open(DbPath().c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), kHistorySchemaVersion);
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(HistoryTest, RejectsAFileThatIsNotAHistory) {
  const std::string junk = (dir_.path() / "junk.db").string();
  std::ofstream(junk) << "this is not a database, just some text that is long enough to "
                         "fill a header of one hundred bytes..............................";
  try {
    History h(junk);
    FAIL() << "opened a text file as a history";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(junk));
    EXPECT_THAT(e.what(), HasSubstr("not a bootgate history"));
  }

  const std::string other = (dir_.path() / "other.db").string();
  sqlite3* db = nullptr;
  sqlite3_open(other.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THROW(
      {
        try {
          History h(other);
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("not a bootgate history database"));
          throw;
        }
      },
      Error);
}

TEST_F(HistoryTest, RejectsANewerSchema) {
  { History h(DbPath()); }
  sqlite3* db = nullptr;
  sqlite3_open(DbPath().c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    History h(DbPath());
    FAIL() << "opened a newer schema";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("newer than this bootgate understands"));
  }
}

TEST_F(HistoryTest, AFailedRecordLeavesNoPartialRows) {
  History h(DbPath());
  h.Record(MakeSuite("good", "2024-05-01T10:00:00Z", "b1", {{}, {}}));
  // The third run's boot_s is NaN, which SQLite stores as NULL and the
  // NOT NULL constraint rejects - after the suite and two runs were written.
  SuiteResult bad =
      MakeSuite("bad", "2024-05-02T10:00:00Z", "b2", {{}, {}, {}});
  bad.runs[2].metrics["boot_s"] = NAN;  // after judging, which refuses it
  try {
    h.Record(bad);
    FAIL() << "recorded a NaN metric";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(DbPath()));
    EXPECT_THAT(e.what(), HasSubstr("could not record suite bad"));
  }
  EXPECT_EQ(CountRows(DbPath(), "suites"), 1);
  EXPECT_EQ(CountRows(DbPath(), "runs"), 2);
  EXPECT_EQ(CountRows(DbPath(), "metrics"), 4);
  // Recording the same suite twice fails the same way.
  EXPECT_THROW(h.Record(MakeSuite("good", "2024-05-03T10:00:00Z", "b3", {{}})), Error);
  EXPECT_EQ(CountRows(DbPath(), "runs"), 2);
  // The connection is still usable.
  h.Record(MakeSuite("after", "2024-05-04T10:00:00Z", "b4", {{}}));
  EXPECT_EQ(CountRows(DbPath(), "suites"), 2);
}

class HistorySelectorTest : public HistoryTest {
 protected:
  void SetUp() override {
    h_ = std::make_unique<History>(DbPath());
    h_->Record(MakeSuite("s1", "2024-05-01T10:00:00Z", "b1",
                         {{.boot_s = 10}, {.boot_s = 11}, {.scenario = "alpine", .boot_s = 5}},
                         {{"branch", "main"}}));
    h_->Record(MakeSuite("s2", "2024-05-02T10:00:00Z", "b2",
                         {{.boot_s = 12, .warmup = true},
                          {.boot_s = 12},
                          {.boot_s = 99, .verdict = Verdict::kError},
                          {.scenario = "alpine", .boot_s = 6}},
                         {{"branch", "dev"}}));
    h_->Record(MakeSuite("s3", "2024-05-03T10:00:00Z", "b3", {{.boot_s = 13}},
                         {{"branch", "main"}}));
  }
  std::vector<std::string> Suites(const Selector& sel) {
    std::vector<std::string> ids;
    for (const auto& r : h_->QueryRuns(sel)) {
      if (ids.empty() || ids.back() != r.suite_id) ids.push_back(r.suite_id);
    }
    return ids;
  }
  std::unique_ptr<History> h_;
};

TEST_F(HistorySelectorTest, SelectsBySuiteBuildScenarioAndLabels) {
  EXPECT_THAT(Suites(ParseSelector("latest")), ElementsAre("s3"));
  EXPECT_THAT(Suites(ParseSelector("previous")), ElementsAre("s2"));
  EXPECT_THAT(Suites(ParseSelector("last=2")), ElementsAre("s2", "s3"));
  EXPECT_THAT(Suites(ParseSelector("run=s1")), ElementsAre("s1"));
  EXPECT_THAT(Suites(ParseSelector("build=b2")), ElementsAre("s2"));
  EXPECT_THAT(Suites(ParseSelector("label.branch=main")), ElementsAre("s1", "s3"));
  EXPECT_THAT(Suites(ParseSelector("label.branch=main,last=1")), ElementsAre("s3"));
  // "latest" among suites that ran alpine is s2, not s3.
  EXPECT_THAT(Suites(ParseSelector("latest,scenario=alpine")), ElementsAre("s2"));
  EXPECT_THAT(Suites(ParseSelector("previous,scenario=alpine")), ElementsAre("s1"));
  EXPECT_TRUE(h_->QueryRuns(ParseSelector("scenario=nope")).empty());
  EXPECT_TRUE(h_->QueryRuns(ParseSelector("accel=kvm")).empty());
  EXPECT_EQ(h_->QueryRuns(ParseSelector("accel=tcg,backend=qemu")).size(), 7u);
}

TEST_F(HistorySelectorTest, MetricValuesSkipWarmupAndErrorRuns) {
  EXPECT_THAT(h_->MetricValues(ParseSelector("scenario=photon"), "boot_s"),
              ElementsAre(10, 11, 12, 13));
  EXPECT_THAT(h_->MetricValues(ParseSelector("run=s2,scenario=photon"), "boot_s"),
              ElementsAre(12));
  Selector warm = ParseSelector("run=s2,scenario=photon");
  warm.include_warmup = true;
  EXPECT_THAT(h_->MetricValues(warm, "boot_s"), ElementsAre(12, 12));
  // QueryRuns still lists the error run (for `bootgate history`).
  EXPECT_EQ(h_->QueryRuns(ParseSelector("run=s2,scenario=photon")).size(), 2u);
  EXPECT_TRUE(h_->MetricValues({}, "nope_s").empty());
}

TEST_F(HistorySelectorTest, MetricTrendIsOrderedAndLimited) {
  auto trend = h_->MetricTrend("photon", "qemu-kvm", "boot_s", 3);
  ASSERT_EQ(trend.size(), 3u);
  EXPECT_DOUBLE_EQ(trend[0].second, 11);
  EXPECT_DOUBLE_EQ(trend[1].second, 12);
  EXPECT_DOUBLE_EQ(trend[2].second, 13);
  EXPECT_LT(trend[0].first, trend[1].first);
  EXPECT_EQ(h_->MetricTrend("photon", "qemu-kvm", "boot_s", 0).size(), 4u);
  EXPECT_TRUE(h_->MetricTrend("photon", "other", "boot_s", 10).empty());
}

// `serve` exports each group's latest suite as the judge saw it: a suite
// whose group could not measure is the latest, not an older passing one (the
// old LatestPerScenarioProfile skipped error runs and read a raw run).
TEST_F(HistorySelectorTest,
       LatestJudgedSuitesKeepErrorSuitesWithTheirBuildAndLabels) {
  h_->Record(MakeSuite(
      "s4", "2024-05-04T10:00:00Z", "b4",
      {{.scenario = "alpine", .boot_s = 50, .verdict = Verdict::kError}},
      {{"branch", "main"}}));
  auto latest = h_->LatestJudgedSuites();
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].aggregates.at(0).scenario, "alpine");
  EXPECT_EQ(latest[0].run_id, "s4");
  EXPECT_EQ(latest[0].build_id, "b4");
  EXPECT_EQ(latest[0].labels.at("branch"), "main");
  EXPECT_EQ(latest[0].aggregates.at(0).verdict, Verdict::kError);
  EXPECT_EQ(latest[0].aggregates.at(0).counts.at("error"), 1);
  ASSERT_EQ(latest[0].runs.size(), 1u);
  EXPECT_EQ(latest[0].runs[0].counts_as, Verdict::kError);
  EXPECT_EQ(latest[1].aggregates.at(0).scenario, "photon");
  EXPECT_EQ(latest[1].run_id, "s3");
}

// A scenario's own labels are stored with its runs and selectable.
TEST_F(HistorySelectorTest, ScenarioLabelsAreStoredAndSelectable) {
  h_->Record(MakeSuite("s5", "2024-05-05T10:00:00Z", "b5",
                       {{.scenario = "alpine", .labels = {{"os", "alpine-3"}}}},
                       {{"branch", "main"}}));
  auto runs = h_->QueryRuns(ParseSelector("label.os=alpine-3"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].suite_id, "s5");
  EXPECT_EQ(runs[0].labels.at("branch"), "main");
  EXPECT_EQ(
      h_->MetricValues(ParseSelector("label.os=alpine-3"), "boot_s").size(),
      1u);
}

TEST(ParseSelector, ParsesEveryKey) {
  Selector s = ParseSelector(
      "run=abc, build=b7,scenario=photon,profile=hyperv,accel=tcg,backend=libvirt,"
      "label.branch=main,label.ci=yes,last=5");
  EXPECT_EQ(s.suite_id, "abc");
  EXPECT_EQ(s.build_id, "b7");
  EXPECT_EQ(s.scenario, "photon");
  EXPECT_EQ(s.profile, "hyperv");
  EXPECT_EQ(s.accelerator, "tcg");
  EXPECT_EQ(s.backend, "libvirt");
  EXPECT_EQ(s.labels.size(), 2u);
  EXPECT_EQ(s.labels.at("branch"), "main");
  EXPECT_EQ(s.last, 5);
  EXPECT_FALSE(s.include_warmup);
  EXPECT_EQ(ParseSelector("latest").suite_id, "latest");
  EXPECT_EQ(ParseSelector("previous,profile=x").suite_id, "previous");
  EXPECT_EQ(ParseSelector("run=latest").suite_id, "latest");
  EXPECT_EQ(ParseSelector("").suite_id, "");
}

TEST(ParseSelector, RejectsBadInputWithAClearMessage) {
  auto message = [](const std::string& text) -> std::string {
    try {
      ParseSelector(text);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_THAT(message("flavour=x"), HasSubstr("unknown key \"flavour\""));
  EXPECT_THAT(message("last=x"), HasSubstr("last=x is not a positive whole number"));
  EXPECT_THAT(message("last=3x"), HasSubstr("not a positive whole number"));
  EXPECT_THAT(message("last=0"), HasSubstr("not a positive whole number"));
  EXPECT_THAT(message("last=-2"), HasSubstr("not a positive whole number"));
  EXPECT_THAT(message("photon"), HasSubstr("is not key=value"));
  EXPECT_THAT(message("scenario="), HasSubstr("empty value"));
  EXPECT_THAT(message("build=a,build=b"), HasSubstr("given twice"));
  EXPECT_THAT(message("latest,previous"), HasSubstr("given twice"));
  EXPECT_THAT(message("label.=x"), HasSubstr("label name"));
  EXPECT_THAT(message("flavour=x"), HasSubstr("selector \"flavour=x\""));
}

// Fails on the old `serve` provider, which judged a never-measured metric
// as value 0 <= limit: passed.
TEST(RunFromHistory, AnUnmeasuredBudgetIsNotMeasuredNeverPassed) {
  HistoryRun h;
  h.scenario = "alpine";
  h.profile = "qemu-kvm";
  h.verdict = "pass";
  h.metrics = {{"boot_s", 12}};
  h.limits = {{"boot_s", 10}, {"ram_mib", 64}};
  RunResult r = RunFromHistory(h);
  ASSERT_EQ(r.budgets.size(), 2u);
  EXPECT_EQ(r.budgets[0].metric, "boot_s");
  EXPECT_EQ(r.budgets[0].verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(r.budgets[0].value, 12);
  EXPECT_EQ(r.budgets[1].metric, "ram_mib");
  EXPECT_EQ(r.budgets[1].verdict, Verdict::kSkipped);
  EXPECT_EQ(r.budgets[1].note, "metric not measured");
}

TEST(RenderHistoryJson, OneObjectPerRunWithEveryField) {
  HistoryRun h;
  h.suite_id = "s1";
  h.scenario = "alpine";
  h.verdict = "pass";
  h.metrics = {{"boot_s", 9.5}};
  nlohmann::json j = nlohmann::json::parse(RenderHistoryJson({h, h}));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["suite_id"], "s1");
  EXPECT_EQ(j[0]["scenario"], "alpine");
  EXPECT_EQ(j[0]["verdict"], "pass");
  EXPECT_DOUBLE_EQ(j[0]["metrics"]["boot_s"].get<double>(), 9.5);
  EXPECT_TRUE(j[0]["limits"].is_object());
  EXPECT_TRUE(nlohmann::json::parse(RenderHistoryJson({})).empty());
}

// A history written by schema 1 (no VM sizes) is upgraded in place when
// opened: its runs keep everything and read back with size 0 (unknown).
TEST(HistoryMigrationTest, SchemaOneGainsVmSizesAndKeepsItsRuns) {
  TempDir dir(fs::temp_directory_path(), "bootgate-hist-v1-");
  std::string path = (dir.path() / "history.db").string();
  {
    History h(path);
    h.Record(MakeSuite("s1", "2024-05-01T10:00:00Z", "b1", {RunSpec{}}));
  }
  // Turn it back into what schema 1 wrote: no VM size columns.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(
          db,
          "ALTER TABLE runs DROP COLUMN vm_cpus; ALTER TABLE runs DROP COLUMN "
          "vm_memory_mib; DROP TABLE explain; DROP TABLE aggregates; ALTER "
          "TABLE "
          "runs DROP COLUMN role; ALTER TABLE runs DROP COLUMN counts_as; "
          "PRAGMA user_version=1",
          nullptr, nullptr, nullptr),
      SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  History h(path);
  auto runs = h.QueryRuns(Selector{});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].vm_cpus, 0);
  h.Record(MakeSuite("s2", "2024-05-02T10:00:00Z", "b2", {RunSpec{}}));
  runs = h.QueryRuns(Selector{});
  ASSERT_EQ(runs.size(), 2u);
  int known = 0;
  for (const auto& r : runs) known += r.vm_cpus == 1 && r.vm_memory_mib == 512;
  EXPECT_EQ(known, 1);
}

// A history written by schema 2 (no explanations) is upgraded in place to 3:
// its runs read back without an explanation; new runs keep theirs, per run.
TEST(HistoryMigrationTest, SchemaTwoGainsExplanationsAndKeepsItsRuns) {
  TempDir dir(fs::temp_directory_path(), "bootgate-hist-v2-");
  std::string path = (dir.path() / "history.db").string();
  {
    History h(path);
    h.Record(MakeSuite("s1", "2024-05-01T10:00:00Z", "b1", {RunSpec{}}));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(
                db,
                "DROP TABLE explain; DROP TABLE aggregates; ALTER TABLE runs "
                "DROP COLUMN role; ALTER TABLE runs DROP COLUMN counts_as; "
                "PRAGMA user_version=2",
                nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  History h(path);
  auto runs = h.QueryRuns(Selector{});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].explain.empty());
  SuiteResult s2 = MakeSuite("s2", "2024-05-02T10:00:00Z", "b2", {RunSpec{}});
  Explanation ex;
  ex.cost_s = 1.5;
  ex.boot = BootExplanation{};
  ex.boot->units = {{"ssh.service", 1.25}};
  ex.ram = RamExplanation{};
  // Two processes of one name are one item in the history.
  ex.ram->processes = {{"sshd", 10, 3.0, 3.0}, {"sshd", 11, 2.0, 2.0}};
  ex.ram->kernel_mib = {{"sunreclaim", 20}};
  ex.disk = DiskExplanation{};
  ex.disk->packages = {{"systemd", 24.5}};
  s2.runs[0].explain = ex;
  h.Record(s2);
  runs = h.QueryRuns(Selector{});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_TRUE(runs[0].explain.empty());
  EXPECT_DOUBLE_EQ(runs[1].explain.at("unit").at("ssh.service"), 1.25);
  // Schema 4: s2's judged aggregate is stored; s1 predates it.
  EXPECT_EQ(runs[0].role, "counted");
  auto judged = h.LatestJudgedSuites();
  ASSERT_EQ(judged.size(), 1u);
  EXPECT_EQ(judged[0].run_id, "s2");
  EXPECT_DOUBLE_EQ(runs[1].explain.at("process").at("sshd"), 5.0);
  EXPECT_DOUBLE_EQ(runs[1].explain.at("kernel").at("sunreclaim"), 20);
  EXPECT_DOUBLE_EQ(runs[1].explain.at("package").at("systemd"), 24.5);
  EXPECT_DOUBLE_EQ(runs[1].explain.at("summary").at("cost_s"), 1.5);
  EXPECT_EQ(CountRows(path, "explain"), 7)
      << "unit, process, kernel, package, 3 summary rows";
}

}  // namespace
}  // namespace bootgate
