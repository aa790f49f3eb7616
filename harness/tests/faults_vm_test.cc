// Failure behaviour end to end, under real QEMU with the reference image's
// fault modes (direct-kernel boots, ~10 s each under TCG): a guest that
// panics, hangs silently, floods its console with binary noise, or whose SSH
// server never answers or dies mid-checks; QEMU killed under bootgate; bootgate itself sent
// SIGINT/SIGTERM/SIGHUP mid-boot and mid-SSH, or SIGKILLed; a report
// directory on a full filesystem. After each: the verdict and reason, no QEMU
// left that names the test's state dir, and no scratch files left.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {
namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json DirectKernel(const std::string& name, const std::string& fault) {
  std::string ref = ReferenceDir();
  std::string append = "console=ttyS0,115200 printk.time=1";
  if (!fault.empty()) append += " bootgate.fault=" + fault;
  return {{"name", name},
          {"profile", "qemu-kvm"},
          {"image", {{"kernel", ref + "/vmlinuz"}, {"initrd", ref + "/initrd.img"}, {"append", append}}},
          {"vm", {{"accel", "tcg"}}},
          {"boot", {{"login_pattern", "refimg login: ?$"}, {"timeout_s", 180}}},
          {"access", {{"method", "none"}}}};
}

// The guest with SSH access: key through the NoCloud seed bootgate builds.
nlohmann::json WithSsh(nlohmann::json s, double ready_timeout_s) {
  s["access"] = {{"method", "ssh"}, {"user", "root"}, {"connect_timeout_s", 3},
                 {"ready_timeout_s", ready_timeout_s}};
  s["sample"] = false;
  return s;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Tail(const nlohmann::json& run) {
  std::string s;
  for (const auto& l : run["console_tail"]) s += std::string(l) + "\n";
  return s;
}

// Highest VmHWM (peak RSS, KiB) seen of the bootgate processes whose command
// line contains `needle`, sampled until stopped.
class PeakRssSampler {
 public:
  explicit PeakRssSampler(std::string needle) : needle_(std::move(needle)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        Sample();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  ~PeakRssSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  long peak_kib() const { return peak_kib_; }
  int samples() const { return samples_; }

 private:
  void Sample() {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      std::string pid = e.path().filename().string();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmdline = Slurp("/proc/" + pid + "/cmdline");
      for (auto& c : cmdline)
        if (c == '\0') c = ' ';
      if (cmdline.rfind(BootgateBin() + " ", 0) != 0 || !Has(cmdline, needle_)) continue;
      std::istringstream status(Slurp("/proc/" + pid + "/status"));
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
          long kib = std::atol(line.c_str() + 6);
          if (kib > peak_kib_) peak_kib_ = kib;
          ++samples_;
        }
      }
    }
  }
  std::string needle_;
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_kib_{0};
  std::atomic<int> samples_{0};
  std::thread thread_;
};

// Every file under `dir` (recursively) whose name marks it as unfinished: a
// WriteFileAtomic temp (".name.XXXXXX") or a console log still ".part".
std::vector<std::string> TempFilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file() && (name[0] == '.' || name.ends_with(".part")))
      out.push_back(it->path().string());
  }
  return out;
}

class FaultsVmTest : public VmTest {
 protected:
  RunOptions RunOpts(const std::vector<std::string>& scenarios, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), scenarios.begin(), scenarios.end());
    for (const char* a : {"--no-html", "--history", ""}) args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return Opts(args);
  }
  void ExpectNoTempFiles(const BootgateRun& r) {
    EXPECT_TRUE(TempFilesUnder(r.report_dir).empty()) << TempFilesUnder(r.report_dir)[0];
  }
};

// Two independent faults in one invocation (--jobs 2) to save VM time.
TEST_F(FaultsVmTest, PanicAndSilentHangAreClassifiedWithPhaseAndConsoleTail) {
  std::string panic = WriteScenario("panics", DirectKernel("panics", "panic"));
  auto hang_json = DirectKernel("hangs", "hang");
  hang_json["boot"]["silence_s"] = 8;
  hang_json["boot"]["timeout_s"] = 300;
  std::string hang = WriteScenario("hangs", hang_json);
  auto r = RunBootgate(RunOpts({panic, hang}, {"--jobs", "2"}));
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;

  const auto* p = RunNamed(r.report, "panics");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ((*p)["verdict"], "fail");
  EXPECT_EQ((*p)["failure_class"], "kernel-panic");
  EXPECT_TRUE(Has((*p)["reason"], "Kernel panic - not syncing")) << (*p)["reason"];
  EXPECT_TRUE(Has(Tail(*p), "Kernel panic")) << Tail(*p);

  const auto* h = RunNamed(r.report, "hangs");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ((*h)["verdict"], "fail");
  EXPECT_EQ((*h)["failure_class"], "silence");
  EXPECT_TRUE(Has((*h)["reason"], "silent for 8.0 s during boot")) << (*h)["reason"];
  EXPECT_FALSE((*h)["console_tail"].empty());
  // The watchdog, not the 300 s timeout, ended it.
  EXPECT_LT(double((*h)["wall_s"]), 90.0);
  EXPECT_LT(r.wall_s, 120.0);

  // The classification reaches the JUnit failure and the summary too.
  std::string junit = Slurp(r.report_dir + "/junit.xml");
  EXPECT_TRUE(Has(junit, "kernel-panic")) << junit;
  EXPECT_TRUE(Has(junit, "silence")) << junit;
  EXPECT_TRUE(Has(r.stdout_text, "last console lines")) << r.stdout_text;
  ExpectNoTempFiles(r);
}

// ~2 MiB of random bytes and terminal escapes without newlines before the
// login prompt: the boot is still timed, nothing of it reaches the terminal
// unsanitised (even with --console), memory stays bounded, and console.log
// keeps the raw bytes.
class NoiseVmTest : public FaultsVmTest, public ::testing::WithParamInterface<bool> {};

TEST_P(NoiseVmTest, ConsoleNoiseFloodStillReachesLoginSafely) {
  const bool echo = GetParam();
  std::string scn = WriteScenario("noisy", DirectKernel("noisy", "noise"));
  PeakRssSampler rss(scn);
  auto r = RunBootgate(RunOpts({scn}, echo ? std::vector<std::string>{"--console"}
                                           : std::vector<std::string>{}));
  rss.Stop();
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text.substr(0, 4000);
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text.substr(0, 4000);
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "pass") << run["reason"];
  EXPECT_GT(double(run["metrics"]["boot_s"]), 1.0);
  EXPECT_EQ(r.stdout_text.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.stderr_text.find('\x1b'), std::string::npos);
  if (echo) {
    EXPECT_TRUE(Has(r.stderr_text, "] Linux version")) << "--console echoed nothing";
  }
  ASSERT_GT(rss.samples(), 0);
  EXPECT_LT(rss.peak_kib(), 100 * 1024) << "bootgate's peak RSS";
  std::string raw = Slurp(r.report_dir + "/" + std::string(run["run_dir"]) + "/console.log");
  EXPECT_GT(raw.size(), 2u << 20);
  EXPECT_NE(raw.find("\x1b]0;pwned\x07"), std::string::npos);  // stored raw
  std::cerr << "[ noise ] --console " << echo << ": boot_s " << run["metrics"]["boot_s"]
            << ", peak RSS " << rss.peak_kib() / 1024 << " MiB, console.log " << raw.size()
            << " bytes, stderr " << r.stderr_text.size() << " bytes\n";
  ExpectNoTempFiles(r);
}

INSTANTIATE_TEST_SUITE_P(Echo, NoiseVmTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "WithConsole" : "Quiet"; });

// Port 22 accepts TCP and never speaks: a clear ssh-unreachable within the
// ready timeout, with the boot time it did measure.
TEST_F(FaultsVmTest, SilentSshServerIsSshUnreachableNotAHang) {
  std::string scn = WriteScenario("tarpit", WithSsh(DirectKernel("tarpit", "nossh"), 20));
  auto r = RunBootgate(RunOpts({scn}));
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "fail");
  EXPECT_EQ(run["failure_class"], "ssh-unreachable") << run["reason"];
  EXPECT_TRUE(Has(run["reason"], "SSH did not become ready")) << run["reason"];
  EXPECT_TRUE(run["metrics"].contains("boot_s"));
  // Ready timeout 20 s counts from VM start; allow one 3 s attempt past it.
  EXPECT_LT(double(run["wall_s"]), 35.0);
}

// The SSH server dies in the middle of the checks (a check kills dropbear):
// "could not measure" (exit 2), naming the check, the command and what
// happened to the connection; the checks before it keep their verdicts, the
// ones after are errors too, every report is written and no VM is left.
TEST_F(FaultsVmTest, SshServerDroppingMidChecksIsCouldNotMeasureNamingTheCheck) {
  nlohmann::json s = WithSsh(DirectKernel("sshdrop", ""), 60);
  s["checks"] = {{{"name", "before"}, {"run", "id -u"}, {"expect", {{"stdout_matches", "^0"}}}},
                 {{"name", "sshd dies"}, {"run", "killall dropbear; sleep 2; echo survived"}},
                 {{"name", "after"}, {"run", "hostname"}}};
  std::string scn = WriteScenario("sshdrop", s);
  auto r = RunBootgate(RunOpts({scn}));
  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  for (const char* f : {"junit.xml", "summary.md"})
    EXPECT_TRUE(fs::exists(r.report_dir + "/" + f)) << f;
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "error");
  EXPECT_TRUE(Has(run["reason"], "check 'sshd dies' could not run")) << run["reason"];
  EXPECT_TRUE(Has(run["reason"], "connection lost")) << run["reason"];
  EXPECT_TRUE(Has(run["reason"], "killall dropbear")) << run["reason"];
  ASSERT_EQ(run["checks"].size(), 3u) << run["checks"].dump(1);
  EXPECT_EQ(run["checks"][0]["verdict"], "pass") << run["checks"][0].dump();
  EXPECT_EQ(run["checks"][1]["verdict"], "error") << run["checks"][1].dump();
  EXPECT_EQ(run["checks"][2]["verdict"], "error") << run["checks"][2].dump();
  // The command's output after the drop never arrived, and none is made up.
  EXPECT_FALSE(Has(run["checks"][1]["output_excerpt"], "survived")) << run["checks"][1].dump();
}

// QEMU SIGKILLed under a running boot: the run fails as vm-exited with the
// status QEMU ended with.
TEST_F(FaultsVmTest, QemuKilledMidBootIsVmExitedWithItsStatus) {
  std::string scn = WriteScenario("vmkill", DirectKernel("vmkill", ""));
  std::atomic<int> killed{0};
  std::thread killer([&] {
    for (int i = 0; i < 600 && !killed; ++i) {
      auto pids = QemuProcessesMatching(state_dir_);
      if (!pids.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        kill(pids[0], SIGKILL);
        killed = pids[0];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  auto r = RunBootgate(RunOpts({scn}));
  killer.join();
  ASSERT_NE(killed.load(), 0) << "QEMU was never seen";
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "fail");
  EXPECT_EQ(run["failure_class"], "vm-exited") << run["reason"];
  EXPECT_TRUE(Has(run["reason"], "killed by signal 9")) << run["reason"];
  EXPECT_TRUE(Has(run["reason"], "during boot")) << run["reason"];
  ExpectNoTempFiles(r);
}

class SignalVmTest : public FaultsVmTest, public ::testing::WithParamInterface<int> {};

// bootgate interrupted while the guest boots: exit 2, verdict interrupted in
// report.json, the VM and its scratch files gone (checked in TearDown).
TEST_P(SignalVmTest, MidBootIsInterruptedAndLeavesNothing) {
  std::string scn = WriteScenario("sigboot", DirectKernel("sigboot", ""));
  auto o = RunOpts({scn});
  o.signal = GetParam();
  o.trigger = "booting (";
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  EXPECT_EQ(r.report["verdict"], "interrupted");
  EXPECT_EQ(r.report["runs"][0]["verdict"], "interrupted");
  EXPECT_EQ(r.report["runs"][0]["reason"], "interrupted by SIG" + std::string(sigabbrev_np(GetParam())));
  EXPECT_LT(r.wall_s, 30.0);
  ExpectNoTempFiles(r);
}

// bootgate interrupted while it waits for SSH (a tarpit, so the wait is
// long): the report keeps the boot time it had measured.
TEST_P(SignalVmTest, MidSshIsInterruptedAndKeepsItsMetrics) {
  std::string scn = WriteScenario("sigssh", WithSsh(DirectKernel("sigssh", "nossh"), 120));
  auto o = RunOpts({scn});
  o.signal = GetParam();
  o.trigger = " ssh ...\n";  // the progress line that starts phase "ssh"
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  ASSERT_TRUE(r.report.is_object()) << r.stderr_text;
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "interrupted");
  EXPECT_EQ(run["reason"], "interrupted by SIG" + std::string(sigabbrev_np(GetParam())));
  EXPECT_TRUE(run["metrics"].contains("boot_s")) << run;
  EXPECT_LT(r.wall_s, 90.0);
  ExpectNoTempFiles(r);
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalVmTest, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         [](const auto& info) { return std::string(sigabbrev_np(info.param)); });

// SIGKILL cannot be caught: QEMU dies with bootgate (PR_SET_PDEATHSIG), the
// workspace stays, and the next `bootgate run` — or `bootgate clean` —
// removes it and says so.
TEST_F(FaultsVmTest, SigkilledBootgateIsCleanedUpByTheNextRunAndByClean) {
  std::string scn = WriteScenario("sigkill", DirectKernel("sigkill", ""));
  std::string panic = WriteScenario("after", DirectKernel("after", "panic"));
  for (std::string next : {"run", "clean"}) {
    auto o = RunOpts({scn});
    o.signal = SIGKILL;
    o.trigger = "booting (";
    auto killed = RunBootgate(o);
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
    for (int i = 0; i < 100 && !QemuProcessesMatching(state_dir_).empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(QemuProcessesMatching(state_dir_).empty()) << "QEMU outlived a SIGKILLed bootgate";
    auto left = DirEntries(state_dir_);
    ASSERT_EQ(left.size(), 1u) << "the dead run's workspace should be left for clean-up";
    EXPECT_TRUE(Has(left[0], "bootgate-sigkill-")) << left[0];

    auto after = next == "run" ? RunBootgate(RunOpts({panic})) : RunBootgate(Opts({"clean"}));
    EXPECT_EQ(after.exit_code, next == "run" ? 1 : 0) << after.stdout_text << after.stderr_text;
    EXPECT_TRUE(Has(after.stderr_text, "cleaned up after a bootgate that died")) << after.stderr_text;
    EXPECT_TRUE(Has(after.stderr_text, left[0])) << after.stderr_text;
    if (next == "clean") {
      EXPECT_TRUE(Has(after.stdout_text, "1 leftover(s) removed")) << after.stdout_text;
    }
    EXPECT_TRUE(DirEntries(state_dir_).empty());
  }
}

// A report directory on a full filesystem: exit 2 with a clear message, and
// no report.json (not even an older one) and no temp files.
TEST_F(FaultsVmTest, FullDiskLeavesNoPartialReport) {
  std::string mnt = TestTempDir("full");
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0)
    BOOTGATE_SKIP_UNLESS_REQUIRED(std::string("cannot mount a tmpfs here: ") +
                                  strerror(errno));
  struct Unmount {
    std::string dir;
    ~Unmount() { umount2(dir.c_str(), MNT_DETACH); }
  } unmount{mnt};
  std::string dir = mnt + "/full";
  fs::create_directories(dir);
  std::ofstream(dir + "/report.json") << "{\"old\": true}\n";
  {
    // Fill the filesystem to the last byte.
    std::ofstream filler(mnt + "/filler", std::ios::binary);
    std::string block(4096, 'x');
    while (filler.write(block.data(), block.size())) filler.flush();
  }
  std::ofstream(mnt + "/filler", std::ios::app) << std::string(8192, 'x') << std::flush;
  std::string scn = WriteScenario("fullpanic", DirectKernel("fullpanic", "panic"));
  auto r = RunBootgate(RunOpts({scn}, {"--report-dir", dir}));
  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  EXPECT_TRUE(Has(r.stderr_text, "could not write the reports to " + dir)) << r.stderr_text;
  EXPECT_TRUE(Has(r.stderr_text, "No space left on device")) << r.stderr_text;
  EXPECT_TRUE(Has(r.stdout_text, "report: not written")) << r.stdout_text;
  EXPECT_FALSE(fs::exists(dir + "/report.json"));
  EXPECT_TRUE(TempFilesUnder(mnt).empty()) << TempFilesUnder(mnt)[0];
}

}  // namespace
}  // namespace bootgate::testing
