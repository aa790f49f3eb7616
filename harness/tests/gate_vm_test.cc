// The gate end to end under real QEMU: iterations of one scenario never
// overlap each other, even with --jobs 2; a sharded run merged gives the
// verdict and statistics the shards judged; the merge's exit code is the
// verdict's; one run of four groups (pass, kernel panic, over a budget, SSH
// that cannot log in) says the same per group in the terminal, report.json,
// JUnit, Markdown, HTML, a real Pushgateway, `bootgate serve` and `merge`;
// a merge that lacks a shard exits 2 naming it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <thread>

#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"
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

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    throw Error("FreePort", "cannot bind a loopback socket");
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// GET over loopback with curl (argv, no shell); "" when it fails.
std::string HttpGet(ProcessLauncher& launcher, const std::string& url) {
  CommandOutput out =
      RunCommand(launcher, {"curl", "-sS", "--fail", "--max-time", "10", url},
                 std::chrono::seconds(15), 16 << 20);
  return out.status.ok() ? out.stdout_text : "";
}

// Polls `get` until `ready` holds of its answer or 30 s pass.
std::string WaitFor(const std::function<std::string()>& get,
                    const std::function<bool(const std::string&)>& ready) {
  std::string body;
  for (int i = 0; i < 120; ++i) {
    body = get();
    if (ready(body)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return body;
}

// A server (Pushgateway, `bootgate serve`) stopped when the test ends.
class Server {
 public:
  Server(ProcessLauncher& launcher, std::vector<std::string> argv,
         const std::string& log) {
    SpawnOptions options;
    options.argv = std::move(argv);
    options.stdout_path = log;
    options.stderr_path = log;
    child_ = launcher.Spawn(options);
  }
  ~Server() { child_->Terminate(std::chrono::seconds(5)); }

 private:
  std::unique_ptr<ChildProcess> child_;
};

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// scenario -> the verdict of bootgate_verdict{scenario=...,verdict=V} 1.
std::map<std::string, std::string> PrometheusVerdicts(const std::string& text) {
  std::map<std::string, std::string> out;
  std::regex line(R"re(bootgate_verdict\{([^}]*)\} 1\n)re");
  std::regex scenario(R"re(scenario="([^"]*)")re"),
      verdict(R"re(verdict="([^"]*)")re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line);
       it != std::sregex_iterator(); ++it) {
    const std::string labels = (*it)[1];
    std::smatch s, v;
    if (std::regex_search(labels, s, scenario) &&
        std::regex_search(labels, v, verdict)) {
      out[s[1]] = v[1];
    }
  }
  return out;
}

nlohmann::json DirectKernel(const std::string& name, const std::string& fault) {
  const std::string ref = ReferenceDir();
  std::string append = "console=ttyS0,115200 printk.time=1";
  if (!fault.empty()) append += " bootgate.fault=" + fault;
  return {{"name", name},
          {"image",
           {{"kernel", ref + "/vmlinuz"},
            {"initrd", ref + "/initrd.img"},
            {"append", append}}},
          {"vm", {{"cpus", 1}, {"memory_mib", 512}, {"accel", "tcg"}}},
          {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 120}}},
          {"access", {{"method", "none"}}},
          {"budgets", {{"boot_s", {{"kvm", 5}, {"tcg", 90}}}}}};
}

// Fails on the old code: `serve` exported no bootgate_passed for the group
// that could not measure (it read the history's latest passing run), JUnit
// and Markdown had no per-group verdict of the judge to agree with.
TEST_F(GateVmTest, FourGroupsSayTheSameVerdictInEveryOutput) {
  PosixProcessLauncher launcher;
  const std::string dir = TestTempDir("four");
  // pass; kernel panic; over its boot budget; SSH that cannot log in (no
  // key delivered, no password): could not measure.
  nlohmann::json over = DirectKernel("g-over", "");
  over["budgets"]["boot_s"] = {{"kvm", 0.5}, {"tcg", 0.5}};
  nlohmann::json nologin = DirectKernel("g-nologin", "");
  nologin["access"] = {{"method", "ssh"},
                       {"user", "root"},
                       {"seed", "none"},
                       {"connect_timeout_s", 3},
                       {"ready_timeout_s", 40}};
  nologin["sample"] = false;
  const std::vector<std::string> scenarios = {
      WriteScenario("g-pass", DirectKernel("g-pass", "")),
      WriteScenario("g-panic", DirectKernel("g-panic", "panic")),
      WriteScenario("g-over", over), WriteScenario("g-nologin", nologin)};
  const int gateway_port = FreePort();
  Server gateway(launcher,
                 // Debian's build persists to /var/lib/prometheus by
                 // default; this gateway starts empty and keeps to itself.
                 {"prometheus-pushgateway",
                  "--web.listen-address=127.0.0.1:" + std::to_string(gateway_port),
                  "--persistence.file=" + dir + "/pushgateway.data"},
                 dir + "/pushgateway.log");
  const std::string db = dir + "/history.db";
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), scenarios.begin(), scenarios.end());
  const std::vector<std::string> options = {
      "--jobs",        "2",
      "--history",     db,
      "--build-id",    "b-four",
      "--label",       "branch=main",
      "--pushgateway", "http://127.0.0.1:" + std::to_string(gateway_port)};
  args.insert(args.end(), options.begin(), options.end());
  auto r = RunBootgate(Opts(args));
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;

  // The judge's verdicts, from report.json; then every other output.
  std::map<std::string, std::string> judged;
  for (const auto& a : r.report["aggregates"])
    judged[a["scenario"]] = a["verdict"];
  ASSERT_EQ(judged.size(), 4u);
  EXPECT_EQ(judged["g-pass"], "pass");
  EXPECT_EQ(judged["g-panic"], "fail");
  EXPECT_EQ(judged["g-over"], "fail");
  EXPECT_EQ(judged["g-nologin"], "error") << r.report["aggregates"].dump(2);
  EXPECT_EQ(r.report["verdict"], "fail");
  EXPECT_EQ(r.exit_code, 1);

  const std::string junit = ReadFile(r.report_dir + "/junit.xml");
  const std::string md = ReadFile(r.report_dir + "/summary.md");
  const std::string html = ReadFile(r.report_dir + "/report.html");
  for (const auto& [scenario, verdict] : judged) {
    SCOPED_TRACE(scenario + " judged " + verdict);
    // Terminal: "<scenario> qemu-kvm tcg <runs> <VERDICT> ..."
    std::smatch m;
    EXPECT_TRUE(std::regex_search(
        r.stdout_text, m,
        std::regex("\n" + scenario + " +qemu-kvm +\\w* +\\d+ +([A-Z]+) ")))
        << r.stdout_text;
    if (!m.empty()) {
      EXPECT_EQ(Lower(m[1]), verdict);
    }
    // JUnit: the testsuite's verdict property and its judged testcase.
    const size_t suite_at =
        junit.find("<testsuite name=\"" + scenario + " / qemu-kvm\"");
    ASSERT_NE(suite_at, std::string::npos) << junit;
    const std::string one =
        junit.substr(suite_at, junit.find("</testsuite>", suite_at) - suite_at);
    EXPECT_NE(
        one.find("<property name=\"verdict\" value=\"" + verdict + "\"/>"),
        std::string::npos)
        << one;
    EXPECT_EQ(one.find("failures=\"0\" errors=\"0\"") != std::string::npos,
              verdict == "pass")
        << one;
    // Markdown's verdict table, the HTML groups table.
    const std::string cell = verdict == "pass" ? "pass" : "**" + verdict + "**";
    EXPECT_NE(md.find("| " + scenario + " | qemu-kvm | " + cell + " |"),
              std::string::npos)
        << md;
    const size_t row = html.find("<td>" + scenario + "</td><td>qemu-kvm</td>");
    ASSERT_NE(row, std::string::npos);
    const size_t pill = html.find("<span class=\"pill v-", row);
    ASSERT_NE(pill, std::string::npos);
    EXPECT_EQ(html.substr(pill, html.find('"', pill + 20) - pill),
              "<span class=\"pill v-" + verdict);
  }

  // The Pushgateway holds what was pushed.
  const std::string gateway_url =
      "http://127.0.0.1:" + std::to_string(gateway_port) + "/metrics";
  auto pushed = PrometheusVerdicts(WaitFor(
      [&] { return HttpGet(launcher, gateway_url); },
      [](const std::string& b) { return PrometheusVerdicts(b).size() >= 4; }));
  // Only this run's groups: another test on this host may push to a
  // gateway that took the same free port before ours.
  std::erase_if(pushed, [&](const auto& kv) { return !judged.count(kv.first); });
  EXPECT_EQ(pushed, judged) << "Pushgateway";

  // `bootgate serve` from the history: every group, the error one included,
  // with the suite's build and labels.
  const int serve_port = FreePort();
  Server serve(launcher,
               {BootgateBin(), "serve", "--db", db, "--port",
                std::to_string(serve_port)},
               dir + "/serve.log");
  const std::string serve_url =
      "http://127.0.0.1:" + std::to_string(serve_port) + "/metrics";
  const std::string served_text = WaitFor(
      [&] { return HttpGet(launcher, serve_url); },
      [](const std::string& b) { return PrometheusVerdicts(b).size() >= 4; });
  EXPECT_EQ(PrometheusVerdicts(served_text), judged) << served_text;
  EXPECT_NE(served_text.find("build=\"b-four\""), std::string::npos);
  EXPECT_NE(served_text.find("label_branch=\"main\""), std::string::npos);
  EXPECT_NE(served_text.find("bootgate_passed{accelerator=\"tcg\",backend="
                             "\"qemu\",build=\"b-four\","
                             "profile=\"qemu-kvm\",scenario=\"g-nologin\"} 0"),
            std::string::npos)
      << served_text;

  // `merge` of the report re-judges the runs to the same verdicts.
  RunOptions m = Opts({"merge", r.report_dir + "/report.json", "--report-dir",
                       dir + "/merged"});
  auto merged = RunBootgate(m);
  EXPECT_EQ(merged.exit_code, 1) << merged.stderr_text;
  const nlohmann::json mj =
      nlohmann::json::parse(ReadFile(dir + "/merged/report.json"));
  std::map<std::string, std::string> remerged;
  for (const auto& a : mj["aggregates"]) remerged[a["scenario"]] = a["verdict"];
  EXPECT_EQ(remerged, judged) << "merge";
}

// A merge given one shard of two exits 2 and names the other; the old merge
// could not tell a shard was missing (the report recorded no K/N).
TEST_F(GateVmTest, MergeOfOneShardOfTwoExitsTwoNamingTheOther) {
  std::string a = WriteScenario("one-a", ReferenceIso("one-a", 1));
  std::string b = WriteScenario("one-b", ReferenceIso("one-b", 1));
  auto r = RunBootgate(
      Opts({"run", a, b, "--shard", "1/2", "--no-html", "--history", ""}));
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  EXPECT_EQ(r.report["shard"], (nlohmann::json{{"index", 1}, {"count", 2}}));
  EXPECT_EQ(r.report["planned_groups"].size(), 2u);
  auto m = RunBootgate(Opts({"merge", r.report_dir + "/report.json",
                             "--report-dir", TestTempDir("merged") + "/out"}));
  EXPECT_EQ(m.exit_code, 2) << m.stdout_text << m.stderr_text;
  EXPECT_NE(m.stderr_text.find("shard 2/2"), std::string::npos)
      << m.stderr_text;
}

}  // namespace
}  // namespace bootgate::testing
