// Pushes ExampleSuite to a real Pushgateway, lets a real Prometheus scrape it
// (and a MetricsServer), then runs every PromQL expression of the Grafana
// dashboard and the alert rules against Prometheus and requires data back.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "report/example_suite.h"
#include "report/prometheus_report.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

fs::path SourceDir() {
  const char* dir = std::getenv("BOOTGATE_SOURCE_DIR");
  return dir != nullptr ? fs::path(dir) : fs::path(__FILE__).parent_path() / "../../..";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    throw Error("FreePort", "cannot bind a loopback socket");
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

/// HTTP GET over loopback with curl (argv, no shell); returns the body.
std::string HttpGet(ProcessLauncher& launcher, const std::string& url,
                    const std::string& query = "") {
  std::vector<std::string> argv = {"curl", "-sS", "--fail", "--max-time", "10"};
  if (!query.empty()) {
    argv.insert(argv.end(), {"-G", "--data-urlencode", "query=" + query});
  }
  argv.push_back(url);
  CommandOutput out = RunCommand(launcher, argv, std::chrono::seconds(15), 16 << 20);
  if (!out.status.ok()) {
    throw Error(url, "GET failed: " + out.status.Describe() + " " + out.stderr_text);
  }
  return out.stdout_text;
}

bool WaitUntil(const std::function<bool()>& ready, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (ready()) return true;
    } catch (const Error&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

/// The expressions of every panel target in a Grafana dashboard, with the
/// template variables replaced by the regex ".*".
std::vector<std::string> DashboardExprs(const json& dashboard) {
  std::vector<std::string> exprs;
  std::function<void(const json&)> walk = [&](const json& j) {
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "expr" && it->is_string()) {
          exprs.push_back(std::regex_replace(
              it->get<std::string>(), std::regex(R"(\$\{?(scenario|profile|datasource)\}?)"),
              ".*"));
        } else {
          walk(*it);
        }
      }
    } else if (j.is_array()) {
      for (const json& e : j) walk(e);
    }
  };
  walk(dashboard);
  return exprs;
}

struct Rule {
  std::string name;  ///< alert or record name
  std::string expr;
};

/// Reads `alert:`/`record:` and their one-line `expr:` from alerts.yml
/// (the file keeps every expr on one line for this reason).
std::vector<Rule> AlertRules(const std::string& yaml) {
  std::vector<Rule> rules;
  std::regex name_re(R"(^\s*-\s*(alert|record):\s*(\S+)\s*$)");
  std::regex expr_re(R"(^\s*expr:\s*(.+?)\s*$)");
  std::istringstream in(yaml);
  std::string line, name;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, name_re)) name = m[2];
    if (std::regex_match(line, m, expr_re)) rules.push_back({name, m[1]});
  }
  return rules;
}

/// Splits "lhs > [ignoring (..)|on (..)] [bool] rhs" at its top-level
/// comparison; nullopt if there is none.
std::optional<std::pair<std::string, std::string>> SplitComparison(const std::string& expr) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < expr.size(); ++i) {
    char c = expr[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '(' || c == '{' || c == '[') ++depth;
    if (c == ')' || c == '}' || c == ']') --depth;
    if (depth != 0) continue;
    size_t len = 0;
    if (expr.compare(i, 2, "==") == 0 || expr.compare(i, 2, "!=") == 0 ||
        expr.compare(i, 2, ">=") == 0 || expr.compare(i, 2, "<=") == 0) {
      len = 2;
    } else if (c == '>' || c == '<') {
      len = 1;
    }
    if (len == 0) continue;
    std::string rhs = expr.substr(i + len);
    rhs = std::regex_replace(rhs, std::regex(R"(^\s*(bool\s+)?((ignoring|on)\s*\([^)]*\)\s*)?(group_(left|right)(\s*\([^)]*\))?\s*)?)"), "");
    return std::make_pair(expr.substr(0, i), rhs);
  }
  return std::nullopt;
}

/// A child server killed (SIGTERM, then SIGKILL) when the test ends.
class Server {
 public:
  Server(ProcessLauncher& launcher, std::vector<std::string> argv, const fs::path& log) {
    SpawnOptions options;
    options.argv = std::move(argv);
    options.stdout_path = log.string();
    options.stderr_path = log.string();
    child_ = launcher.Spawn(options);
  }
  ~Server() {
    if (child_) child_->Terminate(std::chrono::seconds(5));
  }
  bool Running() { return !child_->TryWait().has_value(); }

 private:
  std::unique_ptr<ChildProcess> child_;
};

json Query(ProcessLauncher& launcher, int port, const std::string& expr) {
  return json::parse(HttpGet(
      launcher, "http://127.0.0.1:" + std::to_string(port) + "/api/v1/query", expr));
}

bool HasData(const json& response) {
  if (response.value("status", "") != "success") return false;
  const json& data = response["data"];
  if (data["resultType"] == "scalar") return true;
  return !data["result"].empty();
}

class PrometheusIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FindExecutable("prometheus") || !FindExecutable("prometheus-pushgateway") ||
        !FindExecutable("promtool") || !FindExecutable("curl")) {
      GTEST_FAIL() << "needs prometheus, prometheus-pushgateway, promtool and curl "
                      "(ci/install-deps.sh installs them)";
    }
  }
  PosixProcessLauncher launcher_;
  TempDir dir_{fs::temp_directory_path(), "bootgate-prom-it-"};
};

TEST_F(PrometheusIntegrationTest, PromtoolAcceptsRulesAndConfig) {
  fs::path alerts = SourceDir() / "dashboards/prometheus/alerts.yml";
  CommandOutput rules = RunCommand(launcher_, {"promtool", "check", "rules", alerts.string()},
                                   std::chrono::seconds(30));
  EXPECT_TRUE(rules.status.ok()) << rules.stdout_text << rules.stderr_text;
  EXPECT_THAT(rules.stdout_text, HasSubstr("SUCCESS: 9 rules found"));

  fs::copy_file(alerts, dir_.path() / "alerts.yml");
  fs::copy_file(SourceDir() / "dashboards/prometheus/prometheus.yml",
                dir_.path() / "prometheus.yml");
  CommandOutput config = RunCommand(
      launcher_, {"promtool", "check", "config", (dir_.path() / "prometheus.yml").string()},
      std::chrono::seconds(30));
  EXPECT_TRUE(config.status.ok()) << config.stdout_text << config.stderr_text;
  EXPECT_THAT(config.stdout_text, HasSubstr("SUCCESS"));
}

TEST_F(PrometheusIntegrationTest, PushedSuiteAnswersEveryDashboardAndAlertQuery) {
  int gateway_port = FreePort();
  int prometheus_port = FreePort();
  std::string gateway_url = "http://127.0.0.1:" + std::to_string(gateway_port);

  std::atomic<int> scrapes{0};
  MetricsServer serve("127.0.0.1:0", [&] {
    ++scrapes;
    SuiteResult s = testing::ExampleSuite();
    s.build_id = "serve-build";
    return std::vector<SuiteResult>{s};
  });

  // Prometheus config: the repo's file with test ports and a 1 s interval.
  std::string config = ReadFile(SourceDir() / "dashboards/prometheus/prometheus.yml");
  config = Replace(config, "127.0.0.1:9091", "127.0.0.1:" + std::to_string(gateway_port));
  config = Replace(config, "127.0.0.1:9464", "127.0.0.1:" + std::to_string(serve.port()));
  config = Replace(config, "scrape_interval: 15s", "scrape_interval: 1s");
  config = Replace(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
  ASSERT_THAT(config, HasSubstr("scrape_interval: 1s"));
  WriteFileAtomic(dir_.path() / "prometheus.yml", config);
  fs::copy_file(SourceDir() / "dashboards/prometheus/alerts.yml", dir_.path() / "alerts.yml");

  Server gateway(launcher_,
                 // Debian's build persists to /var/lib/prometheus by
                 // default: every test gateway would see the last one's
                 // pushes. Each gets a file of its own.
                 {"prometheus-pushgateway",
                  "--web.listen-address=127.0.0.1:" + std::to_string(gateway_port),
                  "--persistence.file=" + (dir_.path() / "pushgateway.data").string()},
                 dir_.path() / "pushgateway.log");
  Server prometheus(launcher_,
                    {"prometheus", "--config.file=" + (dir_.path() / "prometheus.yml").string(),
                     "--storage.tsdb.path=" + (dir_.path() / "tsdb").string(),
                     "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port),
                     "--log.level=warn"},
                    dir_.path() / "prometheus.log");
  ASSERT_TRUE(WaitUntil([&] { HttpGet(launcher_, gateway_url + "/-/ready"); return true; },
                        std::chrono::seconds(20)))
      << ReadFile(dir_.path() / "pushgateway.log");

  // Push 1: every group under an old build. Push 2: only photon/qemu-kvm
  // under a new build; it must replace that group and leave the others.
  SuiteResult suite = testing::ExampleSuite();
  SuiteResult old_suite = suite;
  old_suite.build_id = "old-build";
  PushToGateway(old_suite, gateway_url);
  SuiteResult one = suite;
  one.build_id = "new-build";
  std::erase_if(one.runs, [](const RunResult& r) {
    return r.scenario != "photon-minimal" || r.profile != "qemu-kvm";
  });
  std::erase_if(one.aggregates, [](const AggregateResult& a) {
    return a.scenario != "photon-minimal" || a.profile != "qemu-kvm";
  });
  PushToGateway(one, gateway_url);
  std::string pushed = HttpGet(launcher_, gateway_url + "/metrics");
  std::regex boot_line(
      R"re(bootgate_boot_seconds\{[^}]*build="([^"]+)"[^}]*profile="([^"]+)",scenario="([^"]+)"\})re");
  std::map<std::string, std::string> build_of;
  for (std::sregex_iterator it(pushed.begin(), pushed.end(), boot_line), end; it != end; ++it) {
    std::string group = (*it)[3].str() + "/" + (*it)[2].str();
    EXPECT_FALSE(build_of.count(group)) << "two builds for " << group;
    build_of[group] = (*it)[1];
  }
  EXPECT_EQ(build_of["photon-minimal/qemu-kvm"], "new-build");
  EXPECT_EQ(build_of["photon-minimal/hyperv-gen2"], "old-build");
  EXPECT_EQ(build_of["alpine-virt/qemu-kvm"], "old-build");
  // Push 3: the real suite replaces everything.
  PushToGateway(suite, gateway_url);
  pushed = HttpGet(launcher_, gateway_url + "/metrics");
  EXPECT_THAT(pushed, Not(HasSubstr("old-build")));
  EXPECT_THAT(pushed, Not(HasSubstr("new-build")));
  EXPECT_THAT(pushed, HasSubstr("job=\"bootgate\""));

  // Wait until Prometheus has scraped both targets and evaluated the rules.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return HasData(Query(launcher_, prometheus_port,
                             "bootgate_run_passed{job=\"bootgate\",build=\"photon-5.0-build-1234\"}")) &&
               HasData(Query(launcher_, prometheus_port,
                             "bootgate_run_passed{job=\"bootgate-serve\",build=\"serve-build\"}")) &&
               HasData(Query(launcher_, prometheus_port, "bootgate:boot_seconds:latest"));
      },
      std::chrono::seconds(40)))
      << "Prometheus never had the pushed series\n" << ReadFile(dir_.path() / "prometheus.log");
  EXPECT_GT(scrapes.load(), 0);
  // honor_labels keeps the pushed job label.
  json job = Query(launcher_, prometheus_port, "count by (job) (bootgate_boot_seconds)");
  EXPECT_THAT(job.dump(), HasSubstr("\"job\":\"bootgate\""));

  json dashboard = json::parse(ReadFile(SourceDir() / "dashboards/grafana/bootgate.json"));
  std::vector<std::string> exprs = DashboardExprs(dashboard);
  ASSERT_GE(exprs.size(), 10u);
  for (const std::string& expr : exprs) {
    json r = Query(launcher_, prometheus_port, expr);
    EXPECT_EQ(r.value("status", ""), "success") << expr << "\n" << r.dump();
    EXPECT_TRUE(HasData(r)) << "dashboard query returned nothing: " << expr;
  }

  // Alerts: each side of the threshold comparison must return data; the
  // alerts ExampleSuite plants (a boot budget breach, a failed run, a failed
  // check, old timestamps) must also return data as written, i.e. fire.
  const std::set<std::string> planted = {"BootgateBootBudgetExceeded", "BootgateRunFailed",
                                         "BootgateCheckFailed", "BootgateStaleData"};
  std::vector<Rule> rules = AlertRules(ReadFile(SourceDir() / "dashboards/prometheus/alerts.yml"));
  ASSERT_EQ(rules.size(), 9u);
  for (const Rule& rule : rules) {
    json full = Query(launcher_, prometheus_port, rule.expr);
    EXPECT_EQ(full.value("status", ""), "success") << rule.name << ": " << full.dump();
    if (planted.count(rule.name) || rule.name.find(':') != std::string::npos) {
      EXPECT_TRUE(HasData(full)) << rule.name << " did not fire: " << rule.expr;
    }
    auto sides = SplitComparison(rule.expr);
    if (!sides) continue;
    for (const std::string& side : {sides->first, sides->second}) {
      EXPECT_TRUE(HasData(Query(launcher_, prometheus_port, side)))
          << rule.name << ": no data for '" << side << "'";
    }
  }
  // The boot budget breach is exactly the hyperv-gen2 group, on the judged
  // statistic (median 51.15 s > 45 s), not on its latest run (49.9 s).
  json fired = Query(launcher_, prometheus_port,
                     "bootgate_boot_seconds{job=\"bootgate\"} > ignoring (metric) "
                     "bootgate_budget_seconds{metric=\"boot\",job=\"bootgate\"}");
  ASSERT_EQ(fired["data"]["result"].size(), 1u) << fired.dump();
  EXPECT_EQ(fired["data"]["result"][0]["metric"]["profile"], "hyperv-gen2");
  EXPECT_EQ(fired["data"]["result"][0]["value"][1], "51.15");
  EXPECT_TRUE(gateway.Running());
  EXPECT_TRUE(prometheus.Running());
}

TEST_F(PrometheusIntegrationTest, MetricsServerServesTheProviderOnEveryScrape) {
  int calls = 0;
  bool fail = false;
  MetricsServer server("127.0.0.1:0", [&] {
    ++calls;
    if (fail) throw Error("history", "database is locked");
    SuiteResult s = testing::ExampleSuite();
    s.build_id = "b42";
    return std::vector<SuiteResult>{s};
  });
  ASSERT_GT(server.port(), 0);
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics";
  std::string body = HttpGet(launcher_, url);
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(body, HasSubstr("# TYPE bootgate_boot_seconds gauge"));
  EXPECT_THAT(body, HasSubstr("bootgate_boot_seconds{accelerator=\"tcg\","
                              "backend=\"libvirt\",build=\"b42\","
                              "profile=\"hyperv-gen2\",scenario=\"photon-"
                              "minimal\"} 51.15"));  // the judged median
  EXPECT_THAT(body, HasSubstr(
      "bootgate_run_passed{accelerator=\"tcg\",backend=\"qemu\",build=\"b42\","
      "profile=\"qemu-kvm\",scenario=\"alpine-virt\"} 1"));
  EXPECT_THAT(body, HasSubstr("bootgate_scrape_error 0"));
  HttpGet(launcher_, url);
  EXPECT_EQ(calls, 2);
  fail = true;
  body = HttpGet(launcher_, url);
  EXPECT_THAT(body, HasSubstr("bootgate_scrape_error 1"));
  EXPECT_THAT(body, Not(HasSubstr("bootgate_boot_seconds{")));

  // A second server on the same port cannot listen: Error naming the address.
  std::string bind = "127.0.0.1:" + std::to_string(server.port());
  try {
    MetricsServer clash(bind, [] { return std::vector<SuiteResult>{}; });
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(bind));
  }
}

// A raw-socket client: connects to 127.0.0.1:`port`, sends `request`, and
// reads until the server closes or `timeout` passes. Returns what it read.
std::string RawExchange(int port, const std::string& request, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// Issue 25: `serve` ran two civetweb workers that each waited 30 s for a
// request head, so two half-sent requests stopped it answering for 30-50 s,
// again and again. Measured here with real slow clients: silent ones and
// one that trickles a byte every second.
TEST(MetricsServerTest, SlowClientsDoNotHoldTheScrape) {
  MetricsServer server("127.0.0.1:0", [] {
    return std::vector<SuiteResult>{testing::ExampleSuite()};
  });
  ASSERT_GT(server.port(), 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> slow;
  for (int i = 0; i < 4; ++i) {
    slow.emplace_back([&, i] {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(server.port()));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        send(fd, "GET /metr", 9, MSG_NOSIGNAL);
        for (int t = 0; t < 100 && !stop; ++t) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          if (i == 0 && t % 10 == 9) send(fd, "i", 1, MSG_NOSIGNAL);  // a trickle
        }
      }
      close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int round = 0; round < 3; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    std::string body = RawExchange(server.port(), "GET /metrics HTTP/1.0\r\n\r\n", std::chrono::seconds(20));
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_THAT(body, HasSubstr("bootgate_scrape_error 0"));
    EXPECT_LT(took, std::chrono::seconds(1)) << "round " << round << ": a slow client held the scrape";
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
  stop = true;
  for (auto& t : slow) t.join();
}

// Writes 1 MiB of stack from its top down, a byte a page (so a stack too
// small faults on its guard page, not somewhere beyond it); returns 2.
[[gnu::noinline]] int UseMebibyteOfStack() {
  volatile char buf[1 << 20];
  for (size_t i = sizeof buf; i >= 4096; i -= 4096) buf[i - 1] = 1;
  return buf[sizeof buf - 1] + buf[4095];
}

// The provider runs where reading the history database and judging have
// room: civetweb's Debian build gives its workers 100 KiB of stack, which
// the judged example suite overflowed under AddressSanitizer. 1 MiB faults
// on that stack with or without a sanitizer.
TEST(MetricsServerTest, ProviderHasAFullThreadStack) {
  std::atomic<int> used{0};
  MetricsServer server("127.0.0.1:0", [&] {
    used = UseMebibyteOfStack();
    return std::vector<SuiteResult>{testing::ExampleSuite()};
  });
  ASSERT_GT(server.port(), 0);
  std::string body = RawExchange(server.port(), "GET /metrics HTTP/1.0\r\n\r\n",
                                 std::chrono::seconds(20));
  EXPECT_THAT(body, HasSubstr("bootgate_scrape_error 0"));
  EXPECT_THAT(body, HasSubstr("bootgate_run_passed{"));
  EXPECT_EQ(used, 2) << "the provider did not finish";
}

}  // namespace
}  // namespace bootgate
