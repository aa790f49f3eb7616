// Each pipeline stage on its own, through its seams: the fake backend plays
// the guest, the fake SSH connector the guest's sshd. RunScenario's own
// tests (runner_test.cc) cover how the stages chain.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "backend/fake_backend.h"
#include "runner/access.h"
#include "runner/boot.h"
#include "runner/install.h"
#include "runner/run_setup.h"
#include "runner/run_stages.h"
#include "ssh/fake_ssh.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

FakeGuestScript::Step At(int ms, std::string bytes) {
  return {std::chrono::milliseconds(ms), std::move(bytes)};
}

class StagesTest : public ::testing::Test {
 protected:
  StagesTest()
      : state_(fs::temp_directory_path(), "bootgate-stage-state-"),
        reports_(fs::temp_directory_path(), "bootgate-stage-reports-") {
    s_.name = "stage";
    s_.file = "/fake/stage.json";
    s_.image.kernel = "/fake/vmlinuz";
    s_.access.method = "none";
    s_.boot.login_pattern = "login: ?$";
    s_.boot.fail_patterns = DefaultFailPatterns();
    s_.boot.phase_markers = DefaultPhaseMarkers();
    s_.boot.timeout_s = 10;
    options_.profiles = {{"qemu-kvm", Profile{}}};
    options_.state_dir = state_.path().string();
    options_.report_dir = reports_.path().string();
  }
  RunServices Services(Backend* backend) {
    return {backend, &launcher_, &clock_, nullptr, &ssh_, nullptr, nullptr};
  }
  RunRequest Request() const { return {&s_, "qemu-kvm", 1, "stage.iter1", ""}; }

  Scenario s_;
  RunOptions options_;
  SystemClock clock_;
  PosixProcessLauncher launcher_;
  FakeSshConnector ssh_;
  TempDir state_, reports_;
};

TEST_F(StagesTest, SetUpMakesAPrivateWorkspaceAndTheBootRequest) {
  FakeBackend backend(&clock_, {});
  RunServices svc = Services(&backend);
  AccelChoice accel = ChooseAccel(Request(), svc, options_);
  EXPECT_EQ(accel.accel, "tcg");
  s_.vm.cpus = 2;
  s_.vm.memory_mib = 768;
  s_.access.method = "ssh";
  s_.access_given = true;
  RunSetup setup = SetUpRun(Request(), accel, svc, options_);
  EXPECT_TRUE(fs::is_directory(setup.workspace->path()));
  EXPECT_EQ(setup.base.cpus, 2);
  EXPECT_EQ(setup.base.memory_mib, 768);
  EXPECT_EQ(setup.base.accel, "tcg");
  EXPECT_TRUE(setup.wants_ssh);
  EXPECT_GT(setup.base.ssh_host_port, 0);
  EXPECT_EQ(setup.public_key.rfind("ssh-ed25519 ", 0), 0u) << setup.public_key;
  options_.profiles.clear();
  EXPECT_THROW(SetUpRun(Request(), accel, svc, options_), Error);
}

TEST_F(StagesTest, BootAndLoginReturnWhatTheyMeasured) {
  FakeBackend backend(&clock_, {{{At(0, "[    0.000000] Linux version 6.1.0\r\n"),
                                  At(120, "refimg login: ")},
                                 std::nullopt, ""}});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  auto booted = BootSystem(Request(), setup, nullptr, svc, options_);
  EXPECT_EQ(booted->phase.name, "boot");
  EXPECT_EQ(booted->phase.console_log, "stage.iter1/console.log");
  EXPECT_EQ(backend.requests().at(0).kernel, "/fake/vmlinuz");
  LoginOutcome login = WaitForLogin(*booted, Request(), setup, svc);
  EXPECT_GT(login.boot_s, 0.1);
  EXPECT_LT(login.boot_s, 5);
  EXPECT_FALSE(login.debug_port_s);
}

TEST_F(StagesTest, LoginThatNeverComesIsAStopWithItsClass) {
  FakeBackend backend(&clock_, {{{At(0, "[    0.1] Kernel panic - not syncing: VFS\r\n")},
                                 std::nullopt, ""}});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  auto booted = BootSystem(Request(), setup, nullptr, svc, options_);
  try {
    WaitForLogin(*booted, Request(), setup, svc);
    FAIL() << "a panic must stop the run";
  } catch (const Stop& stop) {
    EXPECT_EQ(stop.verdict, Verdict::kFail);
    EXPECT_EQ(stop.failure_class, "kernel-panic");
  }
}

TEST_F(StagesTest, AccessOverSshGivesTheReadyTimeAndHostKey) {
  FakeBackend backend(&clock_, {{{At(0, "login: ")}, std::nullopt, ""}});
  RunServices svc = Services(&backend);
  s_.access.method = "ssh";
  s_.access_given = true;
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  auto booted = BootSystem(Request(), setup, nullptr, svc, options_);
  auto ssh = StartSsh(*booted, Request(), setup, svc);
  ASSERT_TRUE(ssh);
  AccessOutcome access = OpenAccess(*booted, ssh.get(), Request(), setup, svc);
  ASSERT_TRUE(access.channel);
  EXPECT_EQ(access.ChannelName(), "ssh");
  ASSERT_TRUE(access.ssh_ready_s);
  EXPECT_GE(*access.ssh_ready_s, 0);
  EXPECT_EQ(access.host_key_sha256, "SHA256:fake");
}

TEST_F(StagesTest, SshReadinessIsMeasuredFromTheVmsStartNotFromTheLoginPrompt) {
  // sshd answers at once; the getty's prompt comes 1.5 s later.
  FakeBackend backend(&clock_, {{{At(0, "[    0.000000] Linux version 6.1.0\r\n"),
                                  At(1500, "refimg login: ")}}});
  RunServices svc = Services(&backend);
  s_.access.method = "ssh";
  s_.access_given = true;
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  auto booted = BootSystem(Request(), setup, nullptr, svc, options_);
  auto ssh = StartSsh(*booted, Request(), setup, svc);
  LoginOutcome login = WaitForLogin(*booted, Request(), setup, svc);
  AccessOutcome access = OpenAccess(*booted, ssh.get(), Request(), setup, svc);
  ASSERT_TRUE(access.ssh_ready_s);
  EXPECT_LT(*access.ssh_ready_s, 1.0);
  EXPECT_GT(login.boot_s, 1.4);
  EXPECT_LT(*access.ssh_ready_s, login.boot_s);
}

TEST_F(StagesTest, AccessRefusedIsAnErrorAndNoAccessIsNoChannel) {
  FakeBackend backend(&clock_, {{{At(0, "login: ")}, std::nullopt, ""}});
  RunServices svc = Services(&backend);
  RunSetup none = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  auto booted = BootSystem(Request(), none, nullptr, svc, options_);
  EXPECT_FALSE(StartSsh(*booted, Request(), none, svc));
  EXPECT_FALSE(OpenAccess(*booted, nullptr, Request(), none, svc).channel);
  s_.access.method = "ssh";
  s_.access_given = true;
  s_.access.ready_timeout_s = 20;
  // Refused every time: retried while the guest may still be installing
  // its key, final once the login prompt is there.
  ssh_.set_default({FakeConnectOutcome::Kind::kAuthError, "permission denied (publickey)", {}});
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  auto ssh = StartSsh(*booted, Request(), setup, svc);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto start = std::chrono::steady_clock::now();
  try {
    OpenAccess(*booted, ssh.get(), Request(), setup, svc);
    FAIL() << "a refused key must fail the access stage";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("authentication failed"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));  // not at the 20 s deadline
}

TEST_F(StagesTest, InstallReturnsItsTimeOrHowItFailedWithTheInstallersTail) {
  s_.install.enabled = true;
  s_.install.media.kernel = "/fake/installer-vmlinuz";
  s_.install.complete = "pattern";
  s_.install.complete_pattern = "bootgate-install: complete";
  s_.install.fail_patterns = {{"installer-error", "bootgate-install: FAILED"}};
  s_.install.timeout_s = 10;
  s_.install.disk_size_mib = 16;
  FakeBackend backend(&clock_, {{{At(0, "installing\r\n"), At(80, "bootgate-install: complete\r\n")},
                                 "exited with status 0", ""},
                                {{At(0, "bootgate-install: FAILED: disk too small\r\n")}, std::nullopt, ""}});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  InstallOutcome ok = RunInstall(Request(), setup, svc, options_);
  EXPECT_FALSE(ok.failure);
  ASSERT_TRUE(ok.install_s);
  EXPECT_GT(*ok.install_s, 0.05);
  EXPECT_EQ(ok.completion, "console pattern");
  ASSERT_TRUE(ok.phase);
  EXPECT_EQ(ok.phase->name, "install");
  EXPECT_TRUE(fs::exists(ok.target_disk));

  InstallOutcome bad = RunInstall(Request(), setup, svc, options_);
  ASSERT_TRUE(bad.failure);
  EXPECT_FALSE(bad.install_s);
  ASSERT_FALSE(bad.console_tail.empty());
  EXPECT_NE(bad.console_tail.back().find("disk too small"), std::string::npos);
  try {
    std::rethrow_exception(bad.failure);
  } catch (...) {
    Stop stop = StopForCurrentException();
    EXPECT_EQ(stop.failure_class, "installer-error");
  }
  EXPECT_EQ(backend.live_guests(), 0);  // the installer VM died inside the stage
}

// The kickstart holds the root password: it is served under a per-run
// random path only, and the installer is told that path.
TEST_F(StagesTest, TheKickstartIsServedOnlyUnderAPerRunRandomPath) {
  TempDir tmpl_dir(fs::temp_directory_path(), "bootgate-ks-");
  std::string tmpl = (tmpl_dir.path() / "ks.json").string();
  WriteFileAtomic(tmpl, "{\"hostname\": \"{{hostname}}\", \"password\": \"{{password}}\"}");
  s_.install.enabled = true;
  s_.install.media.kernel = "/fake/installer-vmlinuz";
  s_.install.config_template = tmpl;
  s_.install.config_format = "photon-2.7";
  s_.install.config_delivery = "http";
  s_.install.complete = "poweroff";
  s_.install.timeout_s = 10;
  s_.install.disk_size_mib = 16;
  s_.access.password = "hunter2-secret";
  FakeBackend backend(&clock_, {{{At(0, "installing\r\n")}, "exited", "", "guest-shutdown"}});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  InstallOutcome out = RunInstall(Request(), setup, svc, options_);
  ASSERT_FALSE(out.failure);
  std::string append = backend.requests().at(0).append;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(append, m, std::regex(R"(ks=http://10\.0\.2\.2:\d+/([0-9a-f]{32})/ks\.json)")))
      << append;
  // The fake installer never fetched it; that is said.
  bool said = false;
  for (const auto& w : out.warnings) said = said || w.find("never fetched") != std::string::npos;
  EXPECT_TRUE(said);
}

// complete "poweroff" and "reset": the VM's end (QMP's SHUTDOWN reason) is
// the signal. An empty console pattern used to match the first line.
TEST_F(StagesTest, PowerOffAndResetCompletionWaitForTheVmsEndAndItsReason) {
  s_.install.enabled = true;
  s_.install.media.kernel = "/fake/installer-vmlinuz";
  s_.install.timeout_s = 10;
  s_.install.disk_size_mib = 16;
  for (std::string mode : {"poweroff", "reset"}) {
    std::string reason = mode == "reset" ? "guest-reset" : "guest-shutdown";
    std::string other = mode == "reset" ? "guest-shutdown" : "guest-reset";
    s_.install.complete = mode;
    FakeGuestScript done{{At(0, "installing\r\n"), At(150, "copying files\r\n")}, "exited", "", reason};
    FakeGuestScript wrong{{At(0, "installing\r\n")}, "exited", "", other};
    FakeBackend backend(&clock_, {done, wrong});
    RunServices svc = Services(&backend);
    RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
    InstallOutcome ok = RunInstall(Request(), setup, svc, options_);
    ASSERT_FALSE(ok.failure) << mode;
    ASSERT_TRUE(ok.install_s) << mode;
    EXPECT_GT(*ok.install_s, 0.1) << mode;  // after the last line, not at the first
    EXPECT_EQ(ok.completion, reason);
    InstallOutcome bad = RunInstall(Request(), setup, svc, options_);
    ASSERT_TRUE(bad.failure) << mode;
    try {
      std::rethrow_exception(bad.failure);
    } catch (...) {
      Stop stop = StopForCurrentException();
      EXPECT_EQ(stop.failure_class, "install-failed") << mode;
      EXPECT_NE(stop.reason.find(other), std::string::npos) << stop.reason;
    }
  }
}

}  // namespace
}  // namespace bootgate
