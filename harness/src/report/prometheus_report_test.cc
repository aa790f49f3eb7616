#include "report/prometheus_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/example_suite.h"
#include "util/error.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ExampleSuite;

TEST(PrometheusReportTest, NamingScheme) {
  auto boot = PrometheusNameFor("boot_s");
  EXPECT_EQ(boot.name, "bootgate_boot_seconds");
  EXPECT_EQ(boot.base, "boot");
  EXPECT_EQ(boot.unit, "seconds");
  EXPECT_DOUBLE_EQ(boot.scale, 1);
  auto ram = PrometheusNameFor("ram_mib");
  EXPECT_EQ(ram.name, "bootgate_ram_used_bytes");
  EXPECT_EQ(ram.base, "ram_used");
  EXPECT_DOUBLE_EQ(ram.scale, 1048576);
  EXPECT_EQ(PrometheusNameFor("disk_mib").name, "bootgate_disk_used_bytes");
  EXPECT_EQ(PrometheusNameFor("image_mib").name, "bootgate_image_bytes");
  EXPECT_EQ(PrometheusNameFor("ssh_ready_s").name, "bootgate_ssh_ready_seconds");
  EXPECT_EQ(PrometheusNameFor("install_s").name, "bootgate_install_seconds");
  EXPECT_EQ(PrometheusNameFor("ram_used_mib").name, "bootgate_ram_used_bytes");
  auto ms = PrometheusNameFor("firmware_ms");
  EXPECT_EQ(ms.name, "bootgate_firmware_seconds");
  EXPECT_DOUBLE_EQ(ms.scale, 0.001);
  EXPECT_EQ(PrometheusNameFor("odd-name.x").name, "bootgate_odd_name_x");
}

TEST(PrometheusReportTest, LatestCountedRunsTakesLastIterationAndSkipsWarmup) {
  auto latest = LatestCountedRuns(ExampleSuite().runs);
  ASSERT_EQ(latest.size(), 4u);
  EXPECT_EQ(latest[0].scenario, "photon-minimal");
  EXPECT_EQ(latest[0].iteration, 2);
  EXPECT_EQ(latest[0].attempt, 2);
  EXPECT_EQ(latest[3].failure_class, "timeout");
}

TEST(PrometheusReportTest, MatchesGolden) {
  testing::ExpectGolden("metrics.prom", RenderPrometheusText(ExampleSuite()));
}

TEST(PrometheusReportTest, SeriesValuesAndLabels) {
  std::string text = RenderPrometheusText(ExampleSuite());
  const std::string labels =
      "accelerator=\"tcg\",backend=\"qemu\",build=\"photon-5.0-build-1234\","
      "profile=\"qemu-kvm\",scenario=\"photon-minimal\"";
  // The judged statistic (aggregate median), and the latest run apart.
  EXPECT_THAT(text, HasSubstr("bootgate_boot_seconds{" + labels + "} 10\n"));
  EXPECT_THAT(text,
              HasSubstr("bootgate_run_boot_seconds{" + labels + "} 11\n"));
  EXPECT_THAT(text,
              HasSubstr("bootgate_ram_used_bytes{" + labels + "} 148897792\n"));
  EXPECT_THAT(text, HasSubstr("bootgate_run_ram_used_bytes{" + labels +
                              "} 149422080\n"));
  EXPECT_THAT(text, HasSubstr(
                        "bootgate_budget_seconds{accelerator=\"tcg\",backend=\"qemu\","
                        "build=\"photon-5.0-build-1234\",metric=\"boot\",profile="
                        "\"qemu-kvm\",scenario=\"photon-minimal\"} 45\n"));
  EXPECT_THAT(text, HasSubstr(
                        "bootgate_budget_bytes{accelerator=\"tcg\",backend=\"qemu\","
                        "build=\"photon-5.0-build-1234\",metric=\"ram_used\",profile="
                        "\"qemu-kvm\",scenario=\"photon-minimal\"} 157286400\n"));
  EXPECT_THAT(text, HasSubstr("bootgate_run_passed{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("bootgate_run_timestamp_seconds{" + labels + "} 1767225720\n"));
  EXPECT_THAT(text, HasSubstr("check=\"dropbear listening\""));
  EXPECT_THAT(text, HasSubstr("phase=\"kernel\""));
  EXPECT_THAT(text, HasSubstr("# TYPE bootgate_boot_seconds gauge"));
  EXPECT_THAT(text, HasSubstr("verdict=\"fail\"} 1\n"));
  // Warm-up values never appear: its boot_s was 12.5.
  EXPECT_THAT(
      text, Not(HasSubstr("bootgate_run_boot_seconds{" + labels + "} 12.5\n")));
  EXPECT_THAT(text,
              Not(HasSubstr("bootgate_boot_seconds{" + labels + "} 12.5\n")));
  // What the judge counted, and the superseded attempt apart.
  EXPECT_THAT(
      text,
      HasSubstr("bootgate_counted_runs{accelerator=\"tcg\",backend=\"qemu\","
                "build=\"photon-5.0-build-1234\",profile=\"qemu-kvm\","
                "scenario=\"photon-minimal\",verdict=\"pass\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("bootgate_superseded_attempts{" + labels + "} 1\n"));
}

TEST(PrometheusReportTest, FillRegistryTwiceReusesFamilies) {
  prometheus::Registry registry;
  SuiteResult b1 = ExampleSuite(), b2 = ExampleSuite();
  b1.build_id = "b1";
  b2.build_id = "b2";
  EXPECT_NO_THROW(FillRegistry(registry, std::vector<SuiteResult>{b1, b2}));
  size_t boot_series = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name == "bootgate_boot_seconds") boot_series = family.metric.size();
  }
  // 3 groups have boot_s (the panicking one has none) x 2 builds.
  EXPECT_EQ(boot_series, 6u);
}

TEST(PrometheusReportTest, PushToUnreachableGatewayNamesTheUrl) {
  // Port 9 (discard) on loopback: nothing listens there in a sandbox.
  try {
    PushToGateway(ExampleSuite(), "http://127.0.0.1:9");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("http://127.0.0.1:9"));
  }
  EXPECT_THROW(PushToGateway(ExampleSuite(), "ftp://127.0.0.1:9091"), Error);
  EXPECT_THROW(PushToGateway(ExampleSuite(), "http://127.0.0.1:9091/some/path"), Error);
  EXPECT_THROW(PushToGateway(ExampleSuite(), "http://127.0.0.1:port"), Error);
}

// Fails on the old reporter, which exported the latest run (10.5 s, failed)
// and bootgate_budget_passed 1 for ram_mib, never measured.
TEST(PrometheusReportTest,
     ExportsTheJudgedStatisticAndNeverPassesAnUnmeasuredBudget) {
  std::string text = RenderPrometheusText(testing::OwnBudgetNoteSuite());
  const std::string labels =
      "accelerator=\"tcg\",backend=\"qemu\",build=\"b1\",profile=\"qemu-kvm\","
      "scenario=\"alpine-virt\"";
  EXPECT_THAT(text, HasSubstr("bootgate_boot_seconds{" + labels + "} 9.75\n"));
  EXPECT_THAT(text,
              HasSubstr("bootgate_run_boot_seconds{" + labels + "} 10.5\n"));
  EXPECT_THAT(text, HasSubstr("bootgate_passed{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("bootgate_run_passed{" + labels +
                              "} 1\n"));  // a note only
  EXPECT_THAT(
      text,
      HasSubstr(
          "bootgate_samples{accelerator=\"tcg\",backend=\"qemu\",build=\"b1\","
          "metric=\"boot\",profile=\"qemu-kvm\",scenario=\"alpine-virt\"} "
          "2\n"));
  EXPECT_THAT(
      text,
      HasSubstr("bootgate_budget_measured{accelerator=\"tcg\",backend=\"qemu\","
                "build=\"b1\",metric=\"ram_used\",profile=\"qemu-kvm\","
                "scenario=\"alpine-virt\"} 0\n"));
  EXPECT_THAT(text,
              Not(HasSubstr(
                  "bootgate_budget_passed{accelerator=\"tcg\",backend=\"qemu\","
                  "build=\"b1\",metric=\"ram_used\"")));
  // `serve` (each group's latest judged suite) says the same.
  prometheus::Registry registry;
  FillRegistry(registry,
               std::vector<SuiteResult>{testing::OwnBudgetNoteSuite()});
  for (const auto& family : registry.Collect()) {
    if (family.name != "bootgate_budget_passed") continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label)
        EXPECT_FALSE(l.name == "metric" && l.value == "ram_used");
    }
  }
}

}  // namespace
}  // namespace bootgate
