#include "report/json_report.h"

#include <gtest/gtest.h>

#include "report/example_suite.h"
#include "util/error.h"

namespace bootgate {
namespace {

using testing::ExampleSuite;
using testing::ExpectGolden;

TEST(JsonReportTest, MatchesGolden) {
  ExpectGolden("report.json", RenderJson(ExampleSuite()));
}

TEST(JsonReportTest, RoundTripKeepsEveryField) {
  SuiteResult suite = ExampleSuite();
  nlohmann::json j = ToJson(suite);
  SuiteResult back = SuiteFromJson(j);
  // ExampleSuite sets every field to a non-default value, so a field that
  // ToJson or SuiteFromJson dropped would differ here.
  EXPECT_EQ(ToJson(back), j);
  ASSERT_EQ(back.runs.size(), suite.runs.size());
  ASSERT_EQ(back.aggregates.size(), suite.aggregates.size());
  EXPECT_EQ(back.run_id, suite.run_id);
  EXPECT_EQ(back.labels, suite.labels);
  EXPECT_EQ(back.verdict, Verdict::kFail);
  const RunResult& retried = back.runs[3];
  EXPECT_TRUE(retried.passed_after_retry);
  EXPECT_EQ(retried.attempt, 2);
  // The judge's roles survive: the attempt it superseded is marked so.
  EXPECT_EQ(back.runs[2].role, RunRole::kSuperseded);
  EXPECT_EQ(back.runs[2].verdict, Verdict::kError);
  EXPECT_EQ(retried.role, RunRole::kCounted);
  EXPECT_EQ(back.runs[0].role, RunRole::kWarmup);
  EXPECT_EQ(back.runs[4].counts_as,
            Verdict::kPass);  // over its own budget only
  EXPECT_FALSE(back.runs[4].judge_note.empty());
  EXPECT_EQ(back.aggregates[0].superseded, 1);
  EXPECT_EQ(back.aggregates[0].counts,
            (std::map<std::string, int>{{"pass", 2}}));
  EXPECT_TRUE(back.runs[0].warmup);
  EXPECT_EQ(back.runs[7].console_tail, suite.runs[7].console_tail);
  EXPECT_EQ(back.runs[7].failure_class, "kernel-panic");
  EXPECT_EQ(back.runs[5].checks[1].verdict, Verdict::kFail);
  EXPECT_EQ(back.runs[1].samples, suite.runs[1].samples);
  EXPECT_EQ(back.runs[1].vm_phases[0].argv, suite.runs[1].vm_phases[0].argv);
  // t0 as wall-clock time survives to the microsecond (host-trace overlays).
  ASSERT_GT(suite.runs[1].vm_phases[0].t0_unix_s, 1e9);
  EXPECT_NEAR(back.runs[1].vm_phases[0].t0_unix_s, suite.runs[1].vm_phases[0].t0_unix_s, 1e-6);
  EXPECT_DOUBLE_EQ(back.runs[1].phases[2].end_s, suite.runs[1].phases[2].end_s);
  EXPECT_EQ(back.runs[3].profile_requested, suite.runs[3].profile_requested);
  EXPECT_DOUBLE_EQ(back.aggregates[1].budgets[0].margin_pct,
                   suite.aggregates[1].budgets[0].margin_pct);
  EXPECT_DOUBLE_EQ(back.aggregates[0].stats.at("boot_s").stdev,
                   suite.aggregates[0].stats.at("boot_s").stdev);
}

// explain: every field survives report.json (merge, history import), and
// what the guest did not offer is absent, not an empty list.
TEST(JsonReportTest, ExplanationRoundTripsAndOmitsWhatTheGuestLacks) {
  SuiteResult suite = ExampleSuite();
  Explanation ex;
  ex.cost_s = 2.25;
  ex.notes = {"disk: no package manager (dpkg-query, rpm) in the guest"};
  ex.boot = BootExplanation{};
  ex.boot->phases_s = {{"kernel", 3.5}, {"userspace", 20}};
  ex.boot->target = "graphical.target";
  ex.boot->units = {{"cloud-init.service", 12.5}};
  ex.boot->critical_chain = {{"graphical.target", 21, std::nullopt},
                             {"ssh.service", 19, 1.5}};
  ex.boot->init_start_kernel_s = 4.03;
  ex.ram = RamExplanation{};
  ex.ram->processes = {{"systemd", 1, 9.5, 7.25}};
  ex.ram->process_count = 40;
  ex.ram->kernel_mib = {{"sunreclaim", 20}};
  ex.ram->used_mib = 163;
  ex.ram->within_tolerance = true;
  ex.disk = DiskExplanation{};
  ex.disk->mount = "/";
  ex.disk->paths = {{"/usr/lib", 200}};
  suite.runs[1].explain = ex;
  const nlohmann::json j = ToJson(suite);
  const auto& e = j["runs"][1]["explain"];
  EXPECT_EQ(e["boot"]["units"][0]["unit"], "cloud-init.service");
  EXPECT_FALSE(e["boot"]["critical_chain"][0].contains("took_s"));
  EXPECT_EQ(e["ram"]["processes"][0]["pss_mib"], 9.5);
  EXPECT_FALSE(e["disk"].contains("packages")) << "absent, not empty";
  EXPECT_FALSE(e["disk"].contains("package_manager"));
  EXPECT_FALSE(e["boot"].contains("login_prompt_kernel_s"));
  EXPECT_FALSE(j["runs"][0].contains("explain")) << "not collected: absent";
  SuiteResult back = SuiteFromJson(j);
  EXPECT_EQ(ToJson(back), j);
  ASSERT_TRUE(back.runs[1].explain);
  EXPECT_EQ(back.runs[1].explain->boot->critical_chain[1].took_s, 1.5);
  EXPECT_FALSE(back.runs[0].explain);
  nlohmann::json bad = j;
  bad["runs"][1]["explain"]["ram"]["processes"][0]["pid"] = "one";
  try {
    SuiteFromJson(bad);
    FAIL() << "accepted a pid that is a string";
  } catch (const Error& err) {
    EXPECT_NE(
        std::string(err.what()).find("/runs/1/explain/ram/processes/0/pid"),
        std::string::npos)
        << err.what();
  }
}

TEST(JsonReportTest, RunObjectHasEveryRunResultField) {
  nlohmann::json run = ToJson(ExampleSuite().runs[1]);
  for (const char* key :
       {"scenario", "scenario_file", "profile", "backend", "connect_uri",
        "hypervisor_version", "accelerator", "accel_note", "iteration",
        "attempt", "warmup", "passed_after_retry", "verdict", "reason",
        "failure_class", "phase", "metrics", "details", "samples", "budgets",
        "checks", "phases", "milestones", "vm_phases", "console_tail",
        "warnings", "profile_requested", "profile_applied", "access_channel",
        "ssh_port", "host_key_sha256", "disk_judged", "image", "image_sha256",
        "started_at", "wall_s", "run_dir"}) {
    EXPECT_TRUE(run.contains(key)) << key;
  }
  EXPECT_EQ(run["verdict"], "pass");
  EXPECT_DOUBLE_EQ(run["metrics"]["boot_s"].get<double>(), 9.0);
  EXPECT_EQ(run["budgets"][0]["metric"], "boot_s");
  EXPECT_EQ(run["budgets"][0]["statistic"], "value");
}

TEST(JsonReportTest, TopLevelCarriesSchemaVerdictAndExitCode) {
  nlohmann::json j = ToJson(ExampleSuite());
  EXPECT_EQ(j["schema"], "bootgate.report/v1");
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["exit_code"], 1);
  // Counted runs only, by what the judge counted them as: the superseded
  // attempt and the warm-up are apart, and h1 (over only its own budget)
  // counts as a pass.
  EXPECT_EQ(j["counts"], (nlohmann::json{{"pass", 4}, {"fail", 3}}));
  EXPECT_EQ(j["superseded"], 1);
  EXPECT_EQ(j["warmups"], 1);
}

TEST(JsonReportTest, RejectsAnotherSchema) {
  nlohmann::json j = ToJson(ExampleSuite());
  j["schema"] = "someone-else/v3";
  try {
    SuiteFromJson(j);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("someone-else/v3"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("/schema"), std::string::npos);
  }
  EXPECT_THROW(SuiteFromJson(nlohmann::json{{"runs", nlohmann::json::array()}}),
               Error);
  EXPECT_THROW(SuiteFromJson(nlohmann::json::array()), Error);
}

TEST(JsonReportTest, ErrorsNameTheJsonPath) {
  nlohmann::json j = ToJson(ExampleSuite());
  j["runs"][2]["verdict"] = "great";
  try {
    SuiteFromJson(j);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/runs/2/verdict"), std::string::npos)
        << e.what();
  }
  j = ToJson(ExampleSuite());
  j["runs"][1]["metrics"]["boot_s"] = "fast";
  try {
    SuiteFromJson(j);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/runs/1/metrics/boot_s"),
              std::string::npos)
        << e.what();
  }
}

TEST(JsonReportTest, ParseJsonReportNamesTheSource) {
  try {
    ParseJsonReport("{not json", "shard-2/report.json");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard-2/report.json"), std::string::npos);
  }
  SuiteResult back = ParseJsonReport(RenderJson(ExampleSuite()), "x");
  EXPECT_EQ(back.runs.size(), 9u);
}

TEST(JsonReportTest, MissingFieldsTakeDefaults) {
  SuiteResult s = SuiteFromJson(
      {{"schema", "bootgate.report/v1"}, {"runs", {{{"scenario", "a"}}}}});
  ASSERT_EQ(s.runs.size(), 1u);
  EXPECT_EQ(s.runs[0].scenario, "a");
  EXPECT_EQ(s.runs[0].profile, "qemu-kvm");
  EXPECT_EQ(s.runs[0].verdict, Verdict::kError);
  EXPECT_EQ(s.verdict, Verdict::kPass);
}

TEST(JsonReportTest, InvalidUtf8DoesNotBreakRendering) {
  SuiteResult suite = ExampleSuite();
  suite.runs[0].console_tail.push_back(std::string("bad \xff\xfe bytes"));
  std::string text;
  ASSERT_NO_THROW(text = RenderJson(suite));
  EXPECT_NE(text.find("bad \xEF\xBF\xBD"), std::string::npos);
  EXPECT_NO_THROW(ParseJsonReport(text));
}

}  // namespace
}  // namespace bootgate
