#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runner/config_server.h"
#include "runner/image_prep.h"
#include "runner/install.h"
#include "runner/suite.h"
#include "runner/workspace.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  EXPECT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  return resp;
}

TEST(ConfigServerTest, ServesKnownPathsAnd404sTheRest) {
  ConfigServer server(std::map<std::string, std::string>{{"/ks.json", "{\"a\": 1}"}});
  std::string ok = HttpGet(server.port(), "/ks.json");
  EXPECT_EQ(ok.rfind("HTTP/1.0 200 OK", 0), 0u);
  EXPECT_NE(ok.find("\r\n\r\n{\"a\": 1}"), std::string::npos);
  EXPECT_EQ(HttpGet(server.port(), "/other").rfind("HTTP/1.0 404", 0), 0u);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].path, "/other");
  EXPECT_EQ(reqs[1].status, 404);
}

TEST(TemplateTest, FillsPlaceholdersAndRejectsUnknownOnes) {
  EXPECT_EQ(FillTemplate("a {{x}} b {{y}}", {{"x", "1"}, {"y", "2"}}, "t"), "a 1 b 2");
  EXPECT_THROW(FillTemplate("{{nope}}", {{"x", "1"}}, "t"), Error);
  EXPECT_THROW(FillTemplate("{{x", {{"x", "1"}}, "t"), Error);
}

TEST(InstallConfigTest, PublicKeyShapeFollowsTheInstallerVersion) {
  std::string tmpl = R"({"hostname": "{{hostname}}", "password": {"crypted": false, "text": "{{password}}"},
    "public_key": {{public_key_json}}, "disk": "{{disk}}"})";
  std::map<std::string, std::string> vars = {{"hostname", "ph"}, {"password", "p\"w"}, {"disk", "/dev/sda"}};
  auto v27 = nlohmann::json::parse(RenderInstallConfig(tmpl, "photon-2.7", vars, "ssh-ed25519 AAA k", "t"));
  EXPECT_EQ(v27["public_key"], "ssh-ed25519 AAA k");
  EXPECT_EQ(v27["password"]["text"], "p\"w");  // escaped, then parsed back
  auto v28 = nlohmann::json::parse(RenderInstallConfig(tmpl, "photon-2.8", vars, "ssh-ed25519 AAA k", "t"));
  EXPECT_TRUE(v28["public_key"].is_object());
  EXPECT_THROW(RenderInstallConfig("{\"a\": {{hostname}}}", "photon-2.7", vars, "k", "t"), Error);
}

TEST(SeedTest, UserDataCarriesTheKey) {
  SeedContent c{"host1", "root", {"ssh-ed25519 AAAA bootgate"}, "id-1"};
  std::string ud = RenderUserData(c);
  EXPECT_EQ(ud.rfind("#cloud-config\n", 0), 0u);
  EXPECT_NE(ud.find("ssh_authorized_keys:\n  - ssh-ed25519 AAAA bootgate\n"), std::string::npos);
  EXPECT_NE(RenderMetaData(c).find("local-hostname: \"host1\""), std::string::npos);
}

TEST(ImagePrepTest, DetectsFormatsAndIsos) {
  TempDir dir(fs::temp_directory_path(), "bootgate-img-");
  PosixProcessLauncher launcher;
  std::string q = (dir.path() / "d.qcow2").string();
  CreateBlankDisk(launcher, q, 16);
  EXPECT_EQ(DetectDiskFormat(q), "qcow2");
  EXPECT_FALSE(LooksLikeIso(q));
  WriteFileAtomic(dir.path() / "raw.img", std::string(65536, '\0'));
  EXPECT_EQ(DetectDiskFormat((dir.path() / "raw.img").string()), "raw");
  std::string iso = (dir.path() / "seed.iso").string();
  MakeNoCloudSeed(launcher, {"h", "root", {"ssh-ed25519 AAAA x"}, "i"}, dir.path().string(), iso);
  EXPECT_TRUE(LooksLikeIso(iso));
  std::string overlay = (dir.path() / "o.qcow2").string();
  CreateOverlay(launcher, q, "qcow2", overlay);
  EXPECT_GT(AllocatedMib(launcher, overlay), 0.0);
  ExtractFromIso(launcher, iso, "/user-data", (dir.path() / "ud").string());
  EXPECT_NE(ReadFile(dir.path() / "ud").find("ssh-ed25519 AAAA x"), std::string::npos);
}

TEST(WorkspaceTest, LeftoversOfADeadOwnerAreCleanedAndTheirVmKilled) {
  TempDir state(fs::temp_directory_path(), "bootgate-state-");
  PosixProcessLauncher launcher;
  std::string dir;
  pid_t vm_pid;
  {
    // A workspace whose owner "dies": the lock is released but Keep() leaves
    // the directory, as after SIGKILL.
    Workspace ws(state.path().string(), "run1");
    ws.Keep();
    dir = ws.path();
    // A stand-in VM whose command line names the workspace, like QEMU's.
    SpawnOptions so = SpawnOptions::Of({"sh", "-c", "sleep 30; : " + dir});
    so.kill_with_parent = false;
    auto child = launcher.Spawn(so);
    vm_pid = child->pid();
    ws.RecordOwner(vm_pid, "", "");
    // Detach: the child must outlive this scope, as QEMU would outlive a
    // SIGKILLed bootgate without PDEATHSIG.
    struct Leak { std::unique_ptr<ChildProcess> c; };
    static Leak* leak = new Leak{std::move(child)};
    (void)leak;
  }
  // A live workspace is never touched.
  Workspace live(state.path().string(), "run2");
  auto cleaned = CleanLeftovers(state.path().string());
  ASSERT_EQ(cleaned.size(), 1u);
  EXPECT_EQ(cleaned[0].dir, dir);
  EXPECT_NE(cleaned[0].action.find("killed VM process"), std::string::npos) << cleaned[0].action;
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(fs::exists(live.path()));
  // Killed (a zombie until reaped counts as gone from /proc/<pid>/cmdline's view).
  std::string stat = ReadFile("/proc/" + std::to_string(vm_pid) + "/stat");
  EXPECT_NE(stat.find(") Z "), std::string::npos) << stat;
}

TEST(SuitePlanTest, ShardsAreStableAndCoverEverything) {
  std::vector<Scenario> scenarios(5);
  for (int i = 0; i < 5; ++i) {
    scenarios[i].name = "s" + std::to_string(i);
    scenarios[i].profiles = {"qemu-kvm", "vmware"};
    scenarios[i].iterations = 2;
  }
  SuiteOptions all;
  size_t total = PlanRuns(scenarios, all).size();
  EXPECT_EQ(total, 20u);
  size_t sum = 0;
  for (int k = 1; k <= 3; ++k) {
    SuiteOptions o;
    o.shard_index = k;
    o.shard_count = 3;
    auto a = PlanRuns(scenarios, o);
    auto b = PlanRuns(scenarios, o);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].key(), b[i].key());
    // Iterations of one group stay in one shard.
    for (const auto& r : a) {
      int n = 0;
      for (const auto& x : a) n += x.key() == r.key();
      EXPECT_EQ(n, 2);
    }
    sum += a.size();
  }
  EXPECT_EQ(sum, total);
}

TEST(SuitePlanTest, WarmupsComeFirstAndAreMarked) {
  std::vector<Scenario> scenarios(1);
  scenarios[0].name = "s";
  SuiteOptions o;
  o.iterations = 2;
  o.warmup = 1;
  auto plan = PlanRuns(scenarios, o);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_TRUE(plan[0].warmup);
  EXPECT_FALSE(plan[1].warmup);
}

}  // namespace
}  // namespace bootgate
