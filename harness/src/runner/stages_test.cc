// Each pipeline stage on its own, through its seams: the fake backend plays
// the guest, the fake SSH connector the guest's sshd. RunScenario's own
// tests (runner_test.cc) cover how the stages chain.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <regex>
#include <thread>

#include "backend/fake_backend.h"
#include "runner/access.h"
#include "runner/boot.h"
#include "runner/dry_run.h"
#include "runner/install.h"
#include "runner/run_setup.h"
#include "runner/run_stages.h"
#include "ssh/fake_ssh.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

// A stage's failure as "class: reason", for a test's output ("" for none).
std::string WhatFailed(const std::exception_ptr& failure) {
  if (!failure) return "";
  try {
    std::rethrow_exception(failure);
  } catch (...) {
    Stop stop = StopForCurrentException();
    return stop.failure_class + ": " + stop.reason;
  }
}

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
  EXPECT_FALSE(ok.failure) << WhatFailed(ok.failure);
  ASSERT_TRUE(ok.install_s);
  EXPECT_GT(*ok.install_s, 0.05);
  EXPECT_EQ(ok.completion.rfind("console pattern /", 0), 0u) << ok.completion;
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

// A VM's end is judged on all its console got: an installer that prints its
// marker and powers off at once can be gone before the console reader, a
// tick or more behind on a loaded host, has read the marker (this flaked
// the test above under AddressSanitizer on the shared CI machine). Here the
// process is gone 600 ms, over two of WaitForConsole's ticks, before the
// last line arrives.
TEST_F(StagesTest, AVmGoneBeforeItsLastConsoleLineIsReadIsJudgedOnThatLine) {
  s_.install.enabled = true;
  s_.install.media.kernel = "/fake/installer-vmlinuz";
  s_.install.complete = "pattern";
  s_.install.complete_pattern = "bootgate-install: complete";
  s_.install.timeout_s = 10;
  s_.install.disk_size_mib = 16;
  FakeGuestScript done(
      {At(0, "installing\r\n"), At(600, "bootgate-install: complete\r\n")},
      "exited with status 0");
  done.ends_before_last_step = true;
  FakeGuestScript killed(
      {At(0, "installing\r\n"), At(600, "Kernel panic - not syncing\r\n")},
      "QEMU killed by signal 9 (SIGKILL)");
  killed.ends_before_last_step = true;
  FakeBackend backend(&clock_, {done, killed});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);

  InstallOutcome ok = RunInstall(Request(), setup, svc, options_);
  EXPECT_FALSE(ok.failure) << WhatFailed(ok.failure);
  ASSERT_TRUE(ok.install_s);
  EXPECT_GT(*ok.install_s, 0.5);

  // Without the marker the end is still a failure, with the last line read.
  InstallOutcome bad = RunInstall(Request(), setup, svc, options_);
  ASSERT_TRUE(bad.failure);
  try {
    std::rethrow_exception(bad.failure);
  } catch (...) {
    Stop stop = StopForCurrentException();
    EXPECT_EQ(stop.failure_class, "vm-exited");
    EXPECT_NE(stop.reason.find("QEMU killed by signal 9"), std::string::npos)
        << stop.reason;
  }
  ASSERT_FALSE(bad.console_tail.empty());
  EXPECT_NE(bad.console_tail.back().find("Kernel panic"), std::string::npos);
  EXPECT_EQ(backend.live_guests(), 0);
}

// The kickstart holds the root password: it reaches the guest through
// QEMU's guestfwd to a unix socket inside the private workspace, never a
// host TCP port or a secret on a command line (issue 25).
TEST_F(StagesTest, TheKickstartReachesTheGuestThroughAPrivateSocketOnly) {
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
  const BootRequest req = backend.requests().at(0);
  EXPECT_NE(req.append.find("ks=http://10.0.2.100/ks.json"), std::string::npos) << req.append;
  EXPECT_EQ(req.append.find("10.0.2.2"), std::string::npos) << req.append;
  ASSERT_EQ(req.guest_forwards.size(), 1u);
  EXPECT_EQ(req.guest_forwards[0].guest_addr, "10.0.2.100");
  EXPECT_EQ(req.guest_forwards[0].guest_port, 80);
  EXPECT_EQ(req.guest_forwards[0].unix_socket.rfind(req.run_dir + "/", 0), 0u)
      << req.guest_forwards[0].unix_socket << " is not inside " << req.run_dir;
  EXPECT_EQ(req.network, "restricted");
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
    EXPECT_EQ(ok.completion, mode == "reset" ? "guest reset" : "guest power-off");
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

// With reset or power-off as the signal, complete_pattern is a cross-check:
// an installer that prints a marker at the end must have printed it.
TEST_F(StagesTest, ResetCompletionCrossChecksTheMarkerWhereTheInstallerPrintsOne) {
  s_.install.enabled = true;
  s_.install.media.kernel = "/fake/installer-vmlinuz";
  s_.install.timeout_s = 10;
  s_.install.disk_size_mib = 16;
  s_.install.complete = "reset";
  s_.install.complete_pattern = "creating image was successful";
  FakeGuestScript marked{{At(0, "installing\r\n"), At(100, "creating image was successful\r\n")},
                         "exited", "", "guest-reset"};
  FakeGuestScript silent{{At(0, "installing\r\n")}, "exited", "", "guest-reset"};
  FakeBackend backend(&clock_, {marked, silent});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  InstallOutcome ok = RunInstall(Request(), setup, svc, options_);
  ASSERT_FALSE(ok.failure);
  EXPECT_EQ(ok.completion.rfind("guest reset, cross-checked by /creating image was successful/ (marker at ", 0), 0u)
      << ok.completion;
  InstallOutcome bad = RunInstall(Request(), setup, svc, options_);
  ASSERT_TRUE(bad.failure);
  try {
    std::rethrow_exception(bad.failure);
  } catch (...) {
    Stop stop = StopForCurrentException();
    EXPECT_EQ(stop.verdict, Verdict::kFail);
    EXPECT_EQ(stop.failure_class, "install-unconfirmed");
  }
}

// A GA-layout Photon ISO (harness/tests/photon_layout_iso.sh: the
// installer in the initrd, RPMS/ without it), built for real with cpio,
// gzip and xorriso.
std::string PhotonLayoutIso(const fs::path& dir,
                            const std::vector<std::string>& args) {
  std::string iso = (dir / "photon.iso").string();
  std::vector<std::string> argv = {
      std::string(std::getenv("BOOTGATE_SOURCE_DIR")) +
      "/harness/tests/photon_layout_iso.sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.begin() + 2, iso);
  PosixProcessLauncher launcher;
  CommandOutput o = RunCommand(launcher, argv, std::chrono::seconds(60));
  EXPECT_TRUE(o.status.ok()) << o.stderr_text;
  return iso;
}

// "auto" reads the installer from the code in the ISO's initrd and drives
// that version: 2.3 ends by a silent reset.
TEST_F(StagesTest, AutoTellsTheInstallerByTheCodeInTheIsosInitrd) {
  TempDir dir(fs::temp_directory_path(), "bootgate-photon-iso-");
  std::string iso = PhotonLayoutIso(dir.path(), {"2.3", "--microcode"});
  std::string tmpl = (dir.path() / "ks.json").string();
  WriteFileAtomic(
      tmpl,
      "{\"disk\": \"{{disk}}\", \"public_key\": {{public_key_json}}, "
      "\"packagelist_file\": \"packages_minimal.json\"}");
  s_.install.enabled = true;
  s_.install.media.iso = iso;
  s_.install.extract_kernel = true;
  s_.install.config_template = tmpl;
  s_.install.config_format = "auto";
  s_.install.complete = "auto";
  s_.install.timeout_s = 10;
  s_.install.disk_size_mib = 16;
  FakeBackend backend(&clock_, {{{At(0, "Installing\r\n")}, "exited", "", "guest-reset"}});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  InstallOutcome out = RunInstall(Request(), setup, svc, options_);
  ASSERT_FALSE(out.failure);
  EXPECT_EQ(out.installer,
            "photon-os-installer 2.3 (from the initrd's "
            "/usr/lib/python3.11/site-packages/photon_installer: "
            "generate_initrd.sh, installer.py's _clear_vgs; egg-info says 2.2, "
            "which every upstream tag records "
            "when built from a tarball)");
  EXPECT_EQ(out.completion, "guest reset");
  // RPMS/ carries no installer: nothing to cross-check, nothing to warn of.
  for (const auto& w : out.warnings)
    EXPECT_EQ(w.find("RPMS"), std::string::npos) << w;
}

// The faults of issue 23, reintroduced: each ends the install stage with an
// Error (exit 2: could not measure) naming the cause, before any VM starts.
TEST_F(StagesTest,
       TheInstallerOnlyInRpmsOrAMissingPackageListIsAnErrorNamingTheCause) {
  auto run = [&](const std::vector<std::string>& args, const std::string& format,
                 const std::string& list = "{{packagelist_file}}") {
    TempDir dir(fs::temp_directory_path(), "bootgate-photon-iso-");
    std::string iso = PhotonLayoutIso(dir.path(), args);
    std::string tmpl = (dir.path() / "ks.json").string();
    WriteFileAtomic(tmpl, "{\"disk\": \"{{disk}}\", \"packagelist_file\": \"" + list + "\"}");
    s_.install.config_vars["packagelist_file"] = "packages_minimal.json";
    s_.install.enabled = true;
    s_.install.media.iso = iso;
    s_.install.extract_kernel = true;
    s_.install.config_template = tmpl;
    s_.install.config_format = format;
    s_.install.complete = "reset";
    s_.install.disk_size_mib = 16;
    FakeBackend backend(&clock_, {});
    RunServices svc = Services(&backend);
    RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
    InstallOutcome out = RunInstall(Request(), setup, svc, options_);
    EXPECT_TRUE(backend.requests().empty());  // no VM started
    std::string what;
    try {
      if (out.failure) std::rethrow_exception(out.failure);
    } catch (const Error& e) {
      what = e.what();
    }
    return what;
  };
  std::string rpms =
      run({"2.7", "--no-installer", "--installer-in-rpms"}, "auto");
  EXPECT_NE(rpms.find("install.config.format is \"auto\", but the installer "
                      "cannot be told"),
            std::string::npos)
      << rpms;
  EXPECT_NE(
      rpms.find("/isolinux/initrd.img: it holds no photon_installer package"),
      std::string::npos)
      << rpms;
  EXPECT_NE(rpms.find("RPMS/ carries "
                      "/RPMS/noarch/photon-os-installer-2.7-1.ph5.noarch.rpm"),
            std::string::npos)
      << rpms;
  std::string lists =
      run({"2.4", "--lists",
           "packages_minimal_iso.json,build_install_options_minimal.json"},
          "auto");
  EXPECT_NE(lists.find("config.vars.packagelist_file wants packages_minimal.json, but the installer's initrd "
                       "holds no /installer/packages_minimal.json"),
            std::string::npos)
      << lists;
  EXPECT_NE(lists.find("which holds: build_install_options_minimal.json, packages_minimal_iso.json"),
            std::string::npos)
      << lists;
  // A forced format is checked against the code the initrd holds as well,
  // and a name written in the template itself, after rendering.
  lists = run({"2.9", "--compress", "zstd", "--lists", "packages_minimal_iso.json"}, "photon-2.9",
              "packages_minimal.json");
  EXPECT_NE(lists.find("packagelist_file is \"packages_minimal.json\", but the installer's initrd holds no "
                       "/installer/packages_minimal.json (it resolves the name in /installer, which holds: "
                       "packages_minimal_iso.json)"),
            std::string::npos)
      << lists;
}

// --dry-run prepares what a run needs and writes it out; no VM starts.
TEST_F(StagesTest, DryRunWritesTheKickstartAndEachPhasesCommandLineAndBootsNothing) {
  TempDir tmpl_dir(fs::temp_directory_path(), "bootgate-ks-");
  std::string tmpl = (tmpl_dir.path() / "ks.json").string();
  WriteFileAtomic(tmpl, "{\"hostname\": \"{{hostname}}\", \"password\": \"{{password}}\"}");
  s_.install.enabled = true;
  s_.install.media.kernel = "/fake/installer-vmlinuz";
  s_.install.append = "console=ttyS0 {{ks}}";
  s_.install.config_template = tmpl;
  s_.install.config_format = "photon-2.7";
  s_.install.complete = "reset";
  s_.install.disk_size_mib = 16;
  s_.access.password = "hunter2-secret";
  FakeBackend backend(&clock_, {});
  RunServices svc = Services(&backend);
  DryRunResult d = DryRunScenario(Request(), svc, options_);
  EXPECT_EQ(backend.boots(), 0);
  ASSERT_EQ(d.files.size(), 2u);
  EXPECT_EQ(fs::path(d.files[0]).filename(), "install.config");
  EXPECT_EQ(fs::path(d.files[1]).filename(), "qemu.argv");
  EXPECT_NE(ReadFile(d.files[0]).find("hunter2-secret"), std::string::npos);  // as served
  struct stat st{};
  ASSERT_EQ(stat(d.files[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string argv = ReadFile(d.files[1]);
  size_t install = argv.find("# install\n"), boot = argv.find("# boot\n");
  ASSERT_NE(install, std::string::npos) << argv;
  ASSERT_NE(boot, std::string::npos) << argv;
  EXPECT_LT(install, boot);
  EXPECT_NE(argv.find("ks=http://10.0.2.100/ks.json"), std::string::npos) << argv;
  EXPECT_NE(argv.find("target=" + d.workspace + "/target.qcow2"), std::string::npos) << argv;
  EXPECT_TRUE(fs::exists(d.workspace + "/target.qcow2"));  // prepared and kept
  fs::remove_all(d.workspace);
}

// A guest that answers SSH but never shows a serial login (Photon without
// console= in systemd.cfg) fails as such soon after, not at the timeout.
TEST_F(StagesTest, SshWithoutASerialLoginFailsAsNoSerialLoginBeforeTheTimeout) {
  FakeBackend backend(&clock_, {{{At(0, "SeaBIOS (version 1.16)\r\n")}, std::nullopt, ""}});
  RunServices svc = Services(&backend);
  RunSetup setup = SetUpRun(Request(), {"tcg", "fake"}, svc, options_);
  VmSession vm;
  BootIntoSession(vm, setup.base, "boot", setup.out_dir, "stage.iter1", "console", {}, svc);
  ConsoleWait wait;
  wait.phase = "boot";
  wait.target = Pattern::Compile("login", "login: ?$");
  wait.timeout_s = 20;
  wait.serial_grace_s = 0.5;
  wait.ssh_ready_s = [] { return std::optional<double>(0.2); };
  TimePoint start = clock_.Now();
  try {
    WaitForConsole(vm, wait, svc);
    FAIL() << "expected Stop";
  } catch (const Stop& stop) {
    EXPECT_EQ(stop.verdict, Verdict::kFail);
    EXPECT_EQ(stop.failure_class, "no-serial-login");
    EXPECT_NE(stop.reason.find("answered SSH at 0.2 s"), std::string::npos) << stop.reason;
    EXPECT_NE(stop.reason.find("systemd.cfg"), std::string::npos) << stop.reason;
  }
  EXPECT_LT(ToSeconds(clock_.Now() - start), 5.0);
  // Without SSH the same guest runs into its timeout as before.
  wait.ssh_ready_s = [] { return std::optional<double>(); };
  wait.timeout_s = 1;
  try {
    WaitForConsole(vm, wait, svc);
    FAIL() << "expected Stop";
  } catch (const Stop& stop) {
    EXPECT_EQ(stop.failure_class, "timeout");
  }
}

}  // namespace
}  // namespace bootgate
