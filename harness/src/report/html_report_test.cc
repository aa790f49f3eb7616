#include "report/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/example_suite.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ExampleSuite;

std::vector<TrendSeries> ExampleTrends() {
  TrendSeries a{"photon-minimal", "qemu-kvm", "boot_s",
                {{"2025-12-29T00:00:00Z", 9.5},
                 {"2025-12-30T00:00:00Z", 9.9},
                 {"2025-12-31T00:00:00Z", 10.4},
                 {"not a time", 99}},
                45};
  TrendSeries b{"photon-minimal", "hyperv-gen2", "boot_s",
                {{"2025-12-30T00:00:00Z", 48.0}, {"2025-12-31T00:00:00Z", 51.0}},
                std::nullopt};
  return {a, b};
}

std::string ChartsText(const std::vector<ChartSpec>& charts) {
  std::string out;
  for (const ChartSpec& c : charts) {
    out += "=== chart " + c.id + " [" + c.section + "] " + c.title + "\n";
    out += c.script;
    for (const auto& [name, text] : c.data_files) {
      out += "--- " + name + "\n" + text;
    }
  }
  return out;
}

TEST(HtmlReportTest, ChartScriptsAndDataMatchGolden) {
  auto charts = BuildCharts(ExampleSuite(), ExampleTrends(), "DATA");
  testing::ExpectGolden("charts.txt", ChartsText(charts));
}

TEST(HtmlReportTest, OneBudgetChartPerMetricPlusTimelineAndTrends) {
  auto charts = BuildCharts(ExampleSuite(), ExampleTrends(), "DATA");
  std::vector<std::string> ids;
  for (const auto& c : charts) ids.push_back(c.id);
  EXPECT_THAT(ids, ::testing::ElementsAre("budget-boot_s", "budget-disk_mib",
                                          "budget-install_s", "budget-ram_mib",
                                          "timeline", "trend-1"));
  const ChartSpec& boot = charts[0];
  EXPECT_THAT(boot.script, HasSubstr("set terminal svg"));
  EXPECT_THAT(boot.script, HasSubstr("'DATA/budget-boot_s.dat'"));
  EXPECT_THAT(boot.script, Not(HasSubstr("set output")));  // SVG on stdout
  // Value 51.15 > limit 45 on hyperv-gen2: drawn red (0xc62828).
  EXPECT_THAT(boot.data_files[0].second,
              HasSubstr("1 \"photon-minimal\" \"hyperv-gen2\" 51.15 45 12986408\n"));
  // The panicking group has no boot_s value and gets no bar.
  EXPECT_THAT(boot.data_files[0].second, Not(HasSubstr("\"alpine-virt\" \"hyperv-gen2\"")));
  // Timeline: 7 counted runs as rows, one data file per phase.
  const ChartSpec& timeline = charts[4];
  EXPECT_THAT(timeline.script, HasSubstr("'alpine-virt / hyperv-gen2 #2' 6"));
  EXPECT_EQ(timeline.data_files.size(), 6u);  // 5 phases + milestones
  // Trend: unparseable time dropped; budget drawn as a constant line.
  const ChartSpec& trend = charts[5];
  EXPECT_THAT(trend.script, HasSubstr("45 with lines dt 2"));
  EXPECT_EQ(trend.data_files[0].second,
            "1766966400 9.5\n1767052800 9.9\n1767139200 10.4\n");
}

// An explained run adds its unit timeline (critical chain) and its RAM and
// disk breakdowns; a suite without explanations has none (the goldens).
TEST(HtmlReportTest, ExplainedRunGetsChainRamAndDiskCharts) {
  SuiteResult suite = ExampleSuite();
  for (const ChartSpec& c : BuildCharts(suite, {}, "DATA"))
    EXPECT_NE(c.section, "explain");
  Explanation ex;
  ex.boot = BootExplanation{};
  ex.boot->critical_chain = {{"graphical.target", 21, std::nullopt},
                             {"ssh.service", 19, 1.5}};
  ex.ram = RamExplanation{};
  ex.ram->processes = {{"bootgate-hog", 200, 30, 30}};
  ex.ram->kernel_mib = {{"sunreclaim", 6.5}};
  ex.ram->unexplained_mib = 4.8;
  ex.disk = DiskExplanation{};
  ex.disk->mount = "/";
  ex.disk->packages = {{"systemd", 24.5}};
  for (RunResult& r : suite.runs) r.explain = ex;
  std::map<std::string, const ChartSpec*> by_id;
  auto charts = BuildCharts(suite, {}, "DATA");
  for (const ChartSpec& c : charts)
    if (c.section == "explain") by_id[c.id] = &c;
  ASSERT_TRUE(by_id.count("explain-1-chain")) << by_id.size();
  ASSERT_TRUE(by_id.count("explain-1-ram"));
  ASSERT_TRUE(by_id.count("explain-1-disk"));
  EXPECT_NE(by_id["explain-1-ram"]->script.find("'bootgate-hog (200)'"),
            std::string::npos);
  EXPECT_NE(by_id["explain-1-disk"]->script.find("'package: systemd'"),
            std::string::npos);
  // ssh.service: from 17.5 s to 19 s after userspace started.
  bool span = false;
  for (const auto& [name, data] : by_id["explain-1-chain"]->data_files)
    span |= data.find("17.5 19") != std::string::npos;
  EXPECT_TRUE(span);
}

TEST(HtmlReportTest, StripAndScopeSvg) {
  std::string svg =
      "<?xml version=\"1.0\" encoding=\"utf-8\"  standalone=\"no\"?>\n"
      "<svg width=\"10\">\n<g id=\"gnuplot_canvas\"><path id='gpPt0'/>"
      "<use xlink:href='#gpPt0'/><rect fill='url(#gpPat1)'/></g></svg>\n";
  std::string stripped = StripXmlProlog(svg);
  EXPECT_EQ(stripped.rfind("<svg", 0), 0u);
  std::string scoped = ScopeSvgIds(stripped, "c3-");
  EXPECT_THAT(scoped, HasSubstr("<g id=\"c3-gnuplot_canvas\">"));
  EXPECT_THAT(scoped, HasSubstr("<path id='c3-gpPt0'/>"));
  EXPECT_THAT(scoped, HasSubstr("xlink:href='#c3-gpPt0'"));
  EXPECT_THAT(scoped, HasSubstr("url(#c3-gpPat1)"));
}

HtmlOptions FakeChartOptions(const SuiteResult& suite) {
  HtmlOptions options;
  for (const ChartSpec& c : BuildCharts(suite, ExampleTrends(), "DATA")) {
    options.charts[c.id] = "<?xml version=\"1.0\"?>\n<svg id=\"x\"><text>" + c.id +
                           "</text></svg>";
  }
  options.charts.erase("trend-1");
  options.chart_errors["trend-1"] = "gnuplot exited with status 1: <bad>";
  return options;
}

TEST(HtmlReportTest, PageMatchesGolden) {
  SuiteResult suite = ExampleSuite();
  testing::ExpectGolden("report.html",
                        RenderHtml(suite, ExampleTrends(), FakeChartOptions(suite)));
}

TEST(HtmlReportTest, PageIsSelfContainedAndEscaped) {
  SuiteResult suite = ExampleSuite();
  suite.runs[7].reason = "<script>alert(1)</script>";
  suite.runs[7].console_tail.push_back("</pre><img src=x onerror=alert(2)>");
  std::string html = RenderHtml(suite, ExampleTrends(), FakeChartOptions(suite));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("\x01")));
  // No external resources: no src=, no stylesheet links, no http(s) URLs
  // except the SVG namespaces gnuplot would write.
  EXPECT_THAT(html, Not(HasSubstr(" src=\"")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  // Verdict first, charts inlined (prolog stripped, ids scoped), errors shown.
  EXPECT_LT(html.find("id=\"verdict\">FAIL<"), html.find("<table>"));
  EXPECT_THAT(html, HasSubstr("<svg id=\"c0-x\"><text>budget-boot_s</text></svg>"));
  EXPECT_THAT(html, Not(HasSubstr("<?xml")));
  EXPECT_THAT(html, HasSubstr("chart not rendered: gnuplot exited with status 1: &lt;bad&gt;"));
}

TEST(HtmlReportTest, NoTrendsAndNoCharts) {
  std::string html = RenderHtml(ExampleSuite(), {}, HtmlOptions{});
  EXPECT_THAT(html, HasSubstr("No history yet"));
  EXPECT_THAT(html, HasSubstr("chart not rendered"));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));
}

// Fails on the old reporter, which counted iteration 2 as a failed run and
// showed it as a failure.
TEST(HtmlReportTest, ARunOverOnlyItsOwnBudgetIsNotAFailedRun) {
  std::string html =
      RenderHtml(testing::OwnBudgetNoteSuite(), {}, HtmlOptions{});
  EXPECT_THAT(html, HasSubstr("2/2</div><div class=\"l\">counted runs passed"));
  EXPECT_THAT(html, Not(HasSubstr("class=\"failure")));
}

}  // namespace
}  // namespace bootgate
