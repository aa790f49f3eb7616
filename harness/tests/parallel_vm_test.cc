// Parallel suites under real QEMU: `--jobs 2` boots two scenarios (the
// reference ISO with SSH, and a direct-kernel boot with two iterations) on a
// worker pool; the runs overlap in time yet share no SSH port, console log,
// VM name or scratch file, all pass, and land in one combined report.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <iterator>
#include <filesystem>
#include <set>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

// "2026-11-30T01:02:03.456Z" -> seconds since the epoch.
double ParseRfc3339(const std::string& t) {
  std::tm tm{};
  EXPECT_NE(strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << t;
  double frac = 0;
  auto dot = t.find('.');
  if (dot != std::string::npos) frac = std::stod("0" + t.substr(dot, t.find('Z') - dot));
  return static_cast<double>(timegm(&tm)) + frac;
}

class ParallelVmTest : public VmTest {};

TEST_F(ParallelVmTest, TwoJobsRunConcurrentlyWithoutCollisions) {
  std::string ref = ReferenceDir();
  nlohmann::json direct = {
      {"name", "direct"},
      {"image", {{"kernel", ref + "/vmlinuz"}, {"initrd", ref + "/initrd.img"},
                 {"append", "console=ttyS0,115200 printk.time=1"}}},
      {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 240}}},
      {"access", {{"method", "ssh"}, {"user", "root"}, {"seed", "kernel-arg"}}},
      {"iterations", 2},
      {"vm", {{"accel", "tcg"}}}};
  RunOptions o;
  o.args = {"run", SourceDir() + "/scenarios/reference.json", WriteScenario("direct", direct),
            "--jobs", "2", "--accel", "tcg", "--no-html", "--history", ""};
  o.env["BOOTGATE_STATE_DIR"] = state_dir_;
  o.env["BOOTGATE_PROFILES"] = SourceDir() + "/scenarios/profiles";
  o.timeout_s = 900;
  auto r = RunBootgate(o);
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object());
  const auto& runs = r.report["runs"];
  ASSERT_EQ(runs.size(), 3u) << runs.dump(2);
  EXPECT_EQ(r.report["verdict"], "pass");
  EXPECT_EQ(r.report["aggregates"].size(), 2u);

  std::set<int> ports;
  std::set<std::string> run_dirs, logs;
  struct Span { double start, end; std::string name; };
  std::vector<Span> spans;
  for (const auto& run : runs) {
    std::string name = std::string(run["scenario"]) + "#" + std::to_string(int(run["iteration"]));
    EXPECT_EQ(run["verdict"], "pass") << name << ": " << run["reason"];
    EXPECT_EQ(run["access_channel"], "ssh") << name;
    int port = run["ssh_port"];
    EXPECT_GT(port, 0) << name;
    EXPECT_TRUE(ports.insert(port).second) << "two runs used SSH port " << port;
    EXPECT_TRUE(run_dirs.insert(std::string(run["run_dir"])).second) << name;
    std::string log = r.report_dir + "/" + std::string(run["vm_phases"][0]["console_log"]);
    EXPECT_TRUE(logs.insert(log).second) << name;
    ASSERT_TRUE(std::filesystem::exists(log)) << log;
    // Each console log holds exactly one boot: its own.
    std::string text;
    {
      std::ifstream f(log);
      text.assign(std::istreambuf_iterator<char>(f), {});
    }
    size_t first = text.find("Linux version");
    EXPECT_NE(first, std::string::npos) << log;
    EXPECT_EQ(text.find("Linux version", first + 1), std::string::npos) << "two boots in " << log;
    double start = ParseRfc3339(run["started_at"]);
    spans.push_back({start, start + double(run["wall_s"]), name});
  }
  // With two workers, some pair of runs overlapped in time.
  double best_overlap_s = 0;
  for (size_t i = 0; i < spans.size(); ++i)
    for (size_t j = i + 1; j < spans.size(); ++j)
      best_overlap_s = std::max(best_overlap_s, std::min(spans[i].end, spans[j].end) -
                                                    std::max(spans[i].start, spans[j].start));
  EXPECT_GT(best_overlap_s, 5.0) << "runs did not overlap: --jobs 2 ran them one after another";
  // And the suite took less than the runs one after another.
  double sum_s = 0, first_start = 1e18, last_end = 0;
  for (const auto& s : spans) {
    sum_s += s.end - s.start;
    first_start = std::min(first_start, s.start);
    last_end = std::max(last_end, s.end);
  }
  std::printf("3 runs: %.1f s of VM time in %.1f s of wall time (best overlap %.1f s)\n", sum_s,
              last_end - first_start, best_overlap_s);
  EXPECT_LT(last_end - first_start, sum_s - 5.0);
}

}  // namespace
}  // namespace bootgate::testing
