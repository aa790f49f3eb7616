#include "console/console.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <map>
#include <thread>

#include "console/console_log.h"
#include "console/line_splitter.h"
#include "console/phases.h"
#include "console/printk_check.h"
#include "console/timed_log.h"
#include "scenario/scenario.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sanitize.h"

namespace bootgate {
namespace {

std::vector<std::string> Split(std::initializer_list<std::string_view> chunks, size_t max = 4096,
                               std::string* partial = nullptr) {
  LineSplitter s(max);
  std::vector<std::string> out;
  for (auto c : chunks) s.Feed(c, [&](std::string_view l) { out.emplace_back(l); });
  if (partial) *partial = s.partial();
  return out;
}

TEST(LineSplitterTest, HandlesAllLineEndingsAcrossChunks) {
  std::string partial;
  auto lines = Split({"one\r", "\ntwo\nthr", "ee\rfour\r\n", "login: "}, 4096, &partial);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three", "four"}));
  EXPECT_EQ(partial, "login: ");
}

TEST(LineSplitterTest, BoundsLongLines) {
  std::string flood(10000, 'x');
  std::string partial;
  auto lines = Split({flood}, 4096, &partial);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), 4096u);
  EXPECT_EQ(partial.size(), 10000u - 8192u);
}

class ConsoleTest : public ::testing::Test {
 protected:
  // The reader thread stamps bytes when it reads them: let it catch up
  // before the fake clock moves on.
  void PushAndDrain(Console& c, std::string_view bytes) {
    uint64_t want = c.bytes_received() + bytes.size();
    stream_.Push(bytes);
    for (int i = 0; i < 2000 && c.bytes_received() < want; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  FakeByteStream stream_;
  FakeClock clock_;
};

TEST_F(ConsoleTest, MatchesLoginPromptOnAPartialLineWithItsArrivalTime) {
  Console c(&stream_, &clock_, clock_.Now(), {});
  c.Start();
  clock_.Advance(std::chrono::milliseconds(1500));
  PushAndDrain(c, "Linux version 6.1\r\n");
  clock_.Advance(std::chrono::milliseconds(1000));
  PushAndDrain(c, "\x1b[1mrefimg login: ");
  uint64_t cursor = 0;
  auto w = c.WaitFor(
      PatternSet({Pattern::Compile("login", Scenario().boot.login_pattern)}),
      &cursor, clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
  ASSERT_EQ(w.kind, WaitOutcome::kMatched);
  EXPECT_EQ(w.line, "refimg login: ");
  EXPECT_NEAR(w.t_s, 2.5, 1e-9);
}

TEST_F(ConsoleTest, FailPatternWinsWhenItComesFirst) {
  Console c(&stream_, &clock_, clock_.Now(), {});
  c.Start();
  stream_.Push("[    1.0] Kernel panic - not syncing: Attempted to kill init!\nrefimg login: ");
  std::vector<Pattern> pats = {Pattern::Compile("login", Scenario().boot.login_pattern)};
  for (const auto& f : DefaultFailPatterns()) pats.push_back(Pattern::Compile(f.name, f.regex));
  uint64_t cursor = 0;
  auto w =
      c.WaitFor(PatternSet(pats), &cursor, clock_.Now() + std::chrono::hours(1),
                Duration(0), nullptr);
  ASSERT_EQ(w.kind, WaitOutcome::kMatched);
  EXPECT_EQ(w.pattern_name, "kernel-panic");
}

TEST_F(ConsoleTest, EofAndTimeoutAndSilence) {
  {
    Console c(&stream_, &clock_, clock_.Now(), {});
    c.Start();
    uint64_t cursor = 0;
    // Timeout: the deadline is already past.
    auto w = c.WaitFor(PatternSet({Pattern::Compile("x", "never")}), &cursor,
                       clock_.Now(), Duration(0), nullptr);
    EXPECT_EQ(w.kind, WaitOutcome::kTimeout);
    // Silence: nothing for 10 s of fake time.
    clock_.Advance(std::chrono::seconds(10));
    w = c.WaitFor(PatternSet({Pattern::Compile("x", "never")}), &cursor,
                  clock_.Now() + std::chrono::hours(1), std::chrono::seconds(5),
                  nullptr);
    EXPECT_EQ(w.kind, WaitOutcome::kSilence);
    stream_.Close();
    w = c.WaitFor(PatternSet({Pattern::Compile("x", "never")}), &cursor,
                  clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
    EXPECT_EQ(w.kind, WaitOutcome::kEof);
  }
}

TEST_F(ConsoleTest, CancelEndsTheWait) {
  Console c(&stream_, &clock_, clock_.Now(), {});
  c.Start();
  CancelToken cancel;
  cancel.Cancel(2);
  uint64_t cursor = 0;
  auto w =
      c.WaitFor(PatternSet({Pattern::Compile("x", "never")}), &cursor,
                clock_.Now() + std::chrono::hours(1), Duration(0), &cancel);
  EXPECT_EQ(w.kind, WaitOutcome::kCancelled);
}

TEST_F(ConsoleTest, MemoryStaysBoundedUnderAFlood) {
  ConsoleOptions o;
  o.max_bytes_kept = 64 * 1024;
  Console c(&stream_, &clock_, clock_.Now(), o);
  c.Start();
  std::string noise(1 << 20, '\x01');
  for (int i = 0; i < 8; ++i) stream_.Push(noise);  // 8 MiB, no newline
  stream_.Push("\nrefimg login: ");
  uint64_t cursor = 0;
  auto w = c.WaitFor(
      PatternSet({Pattern::Compile("login", Scenario().boot.login_pattern)}),
      &cursor, clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
  ASSERT_EQ(w.kind, WaitOutcome::kMatched);
  size_t kept = 0;
  for (const auto& l : c.LinesSince(0)) kept += l.text.size();
  EXPECT_LE(kept, 64u * 1024u);
  EXPECT_EQ(c.bytes_received(), 8u * (1u << 20) + 15u);
}

TEST_F(ConsoleTest, RecordsMilestonesOncePerMarker) {
  ConsoleOptions o;
  o.milestones = DefaultPhaseMarkers();
  Console c(&stream_, &clock_, clock_.Now(), o);
  c.Start();
  clock_.Advance(std::chrono::seconds(1));
  PushAndDrain(c, "GNU GRUB  version 2.06\n");
  clock_.Advance(std::chrono::seconds(2));
  PushAndDrain(c, "[    0.000000] Linux version 6.1.0\n[    0.1] Linux version again\n");
  clock_.Advance(std::chrono::seconds(3));
  PushAndDrain(c, "Run /init as init process\nbootgate: userspace ready\nrefimg login: ");
  uint64_t cursor = 0;
  c.WaitFor(PatternSet({Pattern::Compile("login", "login: $")}), &cursor,
            clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
  auto m = c.milestones();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].name, "bootloader");
  EXPECT_DOUBLE_EQ(m[0].t_s, 1);
  EXPECT_EQ(m[1].name, "kernel");
  EXPECT_DOUBLE_EQ(m[1].t_s, 3);
  EXPECT_EQ(m[2].name, "initramfs");
  EXPECT_EQ(m[3].name, "userspace");
}

TEST(PhasesTest, SplitsBootAtMilestones) {
  std::vector<Milestone> m = {{"bootloader", 0.5, ""}, {"kernel", 1.5, ""}, {"initramfs", 4.0, ""},
                              {"userspace", 5.0, ""}};
  auto p = ExtractPhases(m, 6.0, 7.5);
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].name, "firmware");
  EXPECT_DOUBLE_EQ(p[0].duration_s(), 0.5);
  EXPECT_EQ(p[2].name, "kernel");
  EXPECT_DOUBLE_EQ(p[2].duration_s(), 2.5);
  EXPECT_EQ(p[4].name, "userspace");
  EXPECT_DOUBLE_EQ(p[4].duration_s(), 1.0);
  EXPECT_EQ(p[5].name, "ssh");
  EXPECT_DOUBLE_EQ(p[5].duration_s(), 1.5);
}

TEST(PhasesTest, MissingMarkersMergeIntoThePreviousPhaseAndSaySo) {
  // A direct kernel boot has no bootloader line, and this one no initramfs.
  auto p = ExtractPhases({{"kernel", 0.2, ""}, {"userspace", 3.0, ""}}, 4.0, std::nullopt);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].name, "firmware+bootloader");
  EXPECT_EQ(p[1].name, "kernel+initramfs");
  EXPECT_DOUBLE_EQ(p[1].duration_s(), 2.8);
  EXPECT_EQ(p[2].name, "userspace");
}


// ---- printk cross-check ----------------------------------------------------

TEST(PrintkTest, ParsesKernelStampsOnly) {
  EXPECT_DOUBLE_EQ(*ParsePrintkTime("[    1.234567] Linux version 6.1"), 1.234567);
  EXPECT_DOUBLE_EQ(*ParsePrintkTime("[12345.000001] x"), 12345.000001);
  EXPECT_DOUBLE_EQ(*ParsePrintkTime("[    0.000000]"), 0.0);
  EXPECT_FALSE(ParsePrintkTime("[  OK  ] Reached target Multi-User System."));
  EXPECT_FALSE(ParsePrintkTime("  [    1.234567] indented"));
  EXPECT_FALSE(ParsePrintkTime("[    1.] no fraction"));
  EXPECT_FALSE(ParsePrintkTime("[    1.5 unterminated"));
  EXPECT_FALSE(ParsePrintkTime(""));
}

// Kernel lines stamped k = i * step, received at host time
// offset + k * (1 + drift) (+ a delay on every 5th line).
std::vector<ConsoleLine> Stamped(double offset_s, double drift_per_s, int n, double step_s,
                                 double delay_every_5th_s = 0) {
  std::vector<ConsoleLine> out;
  const long step_us = std::lround(step_s * 1e6);
  for (int i = 0; i < n; ++i) {
    long k_us = i * step_us;
    double k = k_us / 1e6;
    double host = offset_s + k * (1 + drift_per_s) + (i % 5 == 4 ? delay_every_5th_s : 0);
    char text[64];
    std::snprintf(text, sizeof text, "[%5ld.%06ld] line %d", k_us / 1000000, k_us % 1000000, i);
    out.push_back({host, text});
  }
  return out;
}

TEST(PrintkTest, OffsetIsTheLowerEnvelopeAndDelaysDoNotCountAsSkew) {
  // Every 5th line arrives 300 ms late (a burst), the clocks agree.
  auto lines = Stamped(2.5, 0, 40, 0.1, 0.3);
  lines.insert(lines.begin() + 1, ConsoleLine{2.55, "not a kernel line"});  // ignored
  auto c = CrossCheckPrintk(lines, 100);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->lines, 39);  // [0.000000] is skipped
  EXPECT_NEAR(c->offset_s, 2.5, 1e-6);
  EXPECT_NEAR(c->max_delay_ms, 300, 1e-3);
  EXPECT_NEAR(c->skew_ms, 0, 1e-3);
  EXPECT_NEAR(c->kernel_span_s, 3.8, 1e-6);
  EXPECT_EQ(PrintkSkewWarning(*c), "");
}

TEST(PrintkTest, DriftingClocksAreReportedAndWarned) {
  // The host clock runs 10% fast over 6 s of kernel time: 0.6 s apart at the
  // end; thirds 2 s... 4 s apart in kernel time => about 400 ms of skew.
  auto c = CrossCheckPrintk(Stamped(1.0, 0.10, 61, 0.1), 100);
  ASSERT_TRUE(c);
  EXPECT_NEAR(c->offset_s, 1.01, 1e-6);  // at the first line used, k = 0.1
  EXPECT_NEAR(c->skew_ms, 400, 1.0);
  std::string w = PrintkSkewWarning(*c);
  EXPECT_NE(w.find("disagree"), std::string::npos) << w;
  EXPECT_NE(w.find("400 ms"), std::string::npos) << w;
  // A slow host clock is skew too (negative).
  auto slow = CrossCheckPrintk(Stamped(1.0, -0.10, 61, 0.1), 100);
  ASSERT_TRUE(slow);
  EXPECT_NEAR(slow->skew_ms, -400, 1.0);
  EXPECT_NE(PrintkSkewWarning(*slow), "");
  EXPECT_EQ(PrintkSkewWarning(*slow, 500), "");
}

TEST(PrintkTest, ComparesOnlyFromTheClocksourceSwitchOn) {
  // Early clock loses 2 s, then the kernel switches clocksource and agrees.
  auto lines = Stamped(1.0, 1.0, 20, 0.1);  // host runs twice as fast
  lines.push_back({3.0, "[    2.000000] clocksource: Switched to clocksource tsc-early"});
  for (int i = 1; i <= 20; ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "[%5d.%06d] after", 2 + i / 10, (i % 10) * 100000);
    lines.push_back({3.0 + i * 0.1, text});
  }
  auto c = CrossCheckPrintk(lines, 100);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->lines, 21);
  EXPECT_NEAR(c->offset_s, 1.0, 1e-9);
  EXPECT_NEAR(c->skew_ms, 0, 1e-6);
}

TEST(PrintkTest, NothingToCompareGivesNoResult) {
  EXPECT_FALSE(CrossCheckPrintk({}, 100));
  EXPECT_FALSE(CrossCheckPrintk(Stamped(1, 0, 5, 0.1), 100));        // too few lines
  EXPECT_FALSE(CrossCheckPrintk(Stamped(1, 0, 20, 0.001), 100));     // span 19 ms
  // Kernel time going back (a reboot, a sched_clock source switch): only
  // the last run of the clock counts.
  auto rebooted = Stamped(1, 0.5, 20, 0.1);
  auto second = Stamped(5, 0, 20, 0.1);
  rebooted.insert(rebooted.end(), second.begin(), second.end());
  auto after = CrossCheckPrintk(rebooted, 100);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->lines, 19);  // the second boot, minus its [0.000000] line
  EXPECT_NEAR(after->offset_s, 5, 1e-6);
  EXPECT_NEAR(after->skew_ms, 0, 1e-6);
  // Lines after until_s (e.g. after login) are not used.
  auto c = CrossCheckPrintk(Stamped(1, 0, 40, 0.1), 2.0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->lines, 10);  // host times 1.1 .. 2.0
}

// ---- recorded consoles -----------------------------------------------------

std::vector<ConsoleLine> Recorded(const std::string& name) {
  std::string path = std::string(std::getenv("BOOTGATE_SOURCE_DIR")) +
                     "/harness/src/console/testdata/" + name;
  return ParseTimedLog(ReadFile(path), path);
}

double LoginTime(const std::vector<ConsoleLine>& lines) {
  Pattern login = Pattern::Compile("login", BootSpec().login_pattern);
  for (const auto& l : lines)
    if (MatchesLine(login, l.text)) return l.t_s;
  ADD_FAILURE() << "no login prompt in the recording";
  return 0;
}

std::map<std::string, PhaseResult> PhasesOf(const std::vector<ConsoleLine>& lines) {
  auto phases = ExtractPhases(FindMilestones(lines, DefaultPhaseMarkers()), LoginTime(lines), std::nullopt);
  std::map<std::string, PhaseResult> out;
  for (const auto& p : phases) out[p.name] = p;
  // Phases tile [0, login] without gaps.
  double t = 0;
  for (const auto& p : phases) {
    EXPECT_DOUBLE_EQ(p.start_s, t) << p.name;
    EXPECT_GE(p.end_s, p.start_s) << p.name;
    t = p.end_s;
  }
  return out;
}

TEST(TimedLogTest, ParsesStampsAndRejectsOtherText) {
  auto lines = ParseTimedLog("[     0.412] SeaBIOS\n[    12.000] \n[     12.5] a] b\n", "x.log");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_DOUBLE_EQ(lines[0].t_s, 0.412);
  EXPECT_EQ(lines[0].text, "SeaBIOS");
  EXPECT_EQ(lines[1].text, "");
  EXPECT_EQ(lines[2].text, "a] b");
  EXPECT_THROW(ParseTimedLog("[ 1.0] ok\nno stamp\n", "x.log"), Error);
  EXPECT_THROW(ParseTimedLog("[abc] text\n", "x.log"), Error);
}

// Recorded from a real `bootgate run scenarios/debian-12-systemd.json`: Debian
// 12 from a BIOS disk (GRUB 2.06 with a 1 s serial menu, the Debian cloud
// kernel, initramfs-tools, systemd 252 to the serial getty), TCG, quiet
// 2-core host. The live run's report.json said boot_s 38.126 and the phase
// ends below; the recording (millisecond stamps) must give the same split.
TEST(RecordedConsoleTest, SystemdImageWithGrub) {
  auto lines = Recorded("debian12_systemd.timed.log");
  EXPECT_DOUBLE_EQ(LoginTime(lines), 38.126);  // "debsys login: "
  auto p = PhasesOf(lines);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_NEAR(p["firmware"].end_s, 0.421156, 1e-3);     // "GNU GRUB  version 2.06"
  EXPECT_NEAR(p["bootloader"].end_s, 8.039384, 1e-3);   // "Linux version 6.1.0-57"
  // The kernel's initcalls run to "Run /init": "Trying to unpack rootfs"
  // (9.944 s) comes 3.2 s earlier, in the middle of driver initialisation,
  // and no longer starts the initramfs phase.
  EXPECT_NEAR(p["kernel"].end_s, 13.108, 1e-3);          // "Run /init as init process"
  EXPECT_NEAR(p["initramfs"].end_s, 17.443934, 1e-3);   // first "systemd[1]: "
  EXPECT_NEAR(p["userspace"].end_s, 38.125512, 1e-3);   // the login prompt
  // Live: 187 printk lines from the clocksource switch on, guest clock 8.177 s
  // behind the host's t0, skew 2.1 ms, worst delivery delay 5.9 ms.
  auto c = CrossCheckPrintk(lines, 38.126);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->lines, 187);
  EXPECT_NEAR(c->offset_s, 8.17692, 2e-3);
  EXPECT_NEAR(c->skew_ms, 2.08, 2.0);
  EXPECT_LT(c->max_delay_ms, 10);
  EXPECT_EQ(PrintkSkewWarning(*c), "");
}

// Recorded from a real `bootgate run scenarios/reference.json` (TCG, a loaded
// 2-core host: GRUB's disk reads alone took 25 s). The login prompt was
// matched as a partial line at 40.420 s (report.json boot_s); in the timed
// log it shares a line with a later kernel message, so boot_s is given here.
TEST(RecordedConsoleTest, ReferenceIsoWithGrub) {
  auto lines = Recorded("reference_iso.timed.log");
  const double boot_s = 40.420;
  auto phases = ExtractPhases(FindMilestones(lines, DefaultPhaseMarkers()), boot_s, std::nullopt);
  ASSERT_EQ(phases.size(), 5u);
  // The same split the live run reported (report.json phases, to the ms).
  // The live run split kernel/initramfs at "Trying to unpack rootfs"
  // (31.601 s); the initramfs starts at "Run /init" (32.881 s).
  const std::pair<const char*, double> want[] = {{"firmware", 3.007}, {"bootloader", 28.233},
                                                 {"kernel", 32.881}, {"initramfs", 40.196},
                                                 {"userspace", 40.420}};
  for (size_t i = 0; i < phases.size(); ++i) {
    EXPECT_EQ(phases[i].name, want[i].first);
    EXPECT_NEAR(phases[i].end_s, want[i].second, 1e-9) << want[i].first;
  }
  auto c = CrossCheckPrintk(lines, boot_s);
  ASSERT_TRUE(c);
  // From the first "Switched to clocksource" (tsc-early, [1.941985]) on.
  // Before it the guest clock lost 0.6 s against the host's (compared over
  // all lines the skew would be 614 ms).
  EXPECT_EQ(c->lines, 92);
  EXPECT_NEAR(c->offset_s, 28.8440, 1e-3);
  EXPECT_NEAR(c->skew_ms, 3.3, 0.1);
  EXPECT_LT(c->max_delay_ms, 20);
}

// Recorded from a real direct-kernel run (-kernel vmlinuz -initrd
// initrd.img, no GRUB, TCG, loaded host).
TEST(RecordedConsoleTest, DirectKernelBootHasNoBootloaderPhase) {
  auto lines = Recorded("reference_direct_kernel.timed.log");
  double login_s = LoginTime(lines);
  EXPECT_DOUBLE_EQ(login_s, 30.663);
  auto p = PhasesOf(lines);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_FALSE(p.count("bootloader"));
  EXPECT_FALSE(p.count("firmware"));  // no bootloader marker: the merge is named
  EXPECT_DOUBLE_EQ(p["firmware+bootloader"].end_s, 5.561);  // SeaBIOS + linuxboot ROM
  EXPECT_DOUBLE_EQ(p["kernel"].end_s, 20.143);     // "Run /init as init process"
  // "bootgate: userspace ready": the live milestone said 30.308, when the
  // line's text was complete but its line ending had not arrived; this
  // recording predates the timed log using that same stamp.
  EXPECT_DOUBLE_EQ(p["initramfs"].end_s, 30.316);
  EXPECT_DOUBLE_EQ(p["userspace"].end_s, 30.663);
  // This kernel's printk clock restarts when sched_clock switches to
  // tsc-early ([0.072000] -> [0.005682]), and before "Switched to
  // clocksource tsc-early" at [2.167911] it lost 3.3 s against the host on
  // that loaded TCG host. From the switch on, the two clocks agree.
  auto c = CrossCheckPrintk(lines, login_s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->lines, 88);
  EXPECT_NEAR(c->offset_s, 9.1674, 1e-3);
  EXPECT_LT(std::fabs(c->skew_ms), 5);
  EXPECT_EQ(PrintkSkewWarning(*c), "");
}

// ---- logs on disk: redacted as written, bounded ----------------------------

class ConsoleLogTest : public ConsoleTest {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>(fs::temp_directory_path(), "bg-log-");
  }
  std::string Path(const std::string& name) const {
    return (dir_->path() / name).string();
  }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(ConsoleLogTest, SecretSplitAcrossChunksNeverReachesThePartFile) {
  ConsoleOptions o;
  o.log_path = Path("console.log");
  o.timed_log_path = Path("console.timed.log");
  o.secrets = {"hunter2-secret"};
  Console c(&stream_, &clock_, clock_.Now(), o);
  c.Start();
  // The guest echoes the password, cut across reads.
  PushAndDrain(c, "Password: hunt");
  PushAndDrain(c, "er2-sec");
  PushAndDrain(c, "ret\r\nrefimg login: ");
  // While the run goes on, the .part files are all there is on disk.
  for (const char* f : {"console.log.part", "console.timed.log.part"}) {
    std::string part = ReadFile(Path(f));
    EXPECT_EQ(part.find("hunter2"), std::string::npos) << f << ": " << part;
    EXPECT_EQ(part.find("er2-sec"), std::string::npos) << f << ": " << part;
  }
  c.Stop();
  std::string log = ReadFile(Path("console.log"));
  EXPECT_EQ(log.find("hunter2"), std::string::npos);
  EXPECT_NE(log.find("Password: ********\r\nrefimg login: "), std::string::npos)
      << log;
  EXPECT_NE(ReadFile(Path("console.timed.log")).find("Password: ********"),
            std::string::npos);
}

// A run SIGKILLed mid-boot (a real kill of a real process): what it left on
// disk holds no secret.
TEST_F(ConsoleLogTest, KilledRunLeavesNoSecretOnDisk) {
  const std::string log = Path("console.log");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FakeByteStream stream;
    FakeClock clock;
    ConsoleOptions o;
    o.log_path = log;
    o.timed_log_path = Path("console.timed.log");
    o.secrets = {"s3cr3t-pw"};
    Console c(&stream, &clock, clock.Now(), o);
    c.Start();
    stream.Push("login: root\r\nPassword: s3cr");
    stream.Push("3t-pw\r\n# echo s3cr3t-pw\r\ns3cr3t-pw\r\n# ");
    for (int i = 0; i < 2000 && c.bytes_received() < 60; ++i) usleep(1000);
    raise(SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(log));  // never renamed: the run did not finish
  for (const auto& e : fs::directory_iterator(dir_->path())) {
    std::string text = ReadFile(e.path());
    EXPECT_EQ(text.find("s3cr3t"), std::string::npos)
        << e.path() << ": " << text;
    EXPECT_EQ(text.find("3t-pw"), std::string::npos)
        << e.path() << ": " << text;
  }
  EXPECT_NE(ReadFile(log + ".part").find("# echo ********"), std::string::npos);
}

TEST_F(ConsoleLogTest, ConsoleLogKeepsHeadAndTailWithAMarker) {
  ConsoleOptions o;
  o.log_path = Path("console.log");
  o.log_bounds = {4096, 4096};
  Console c(&stream_, &clock_, clock_.Now(), o);
  c.Start();
  std::string head = "HEAD" + std::string(4092, 'h');
  PushAndDrain(c, head);
  size_t pushed = head.size();
  std::string flood(1000, 'f');
  for (int i = 0; i < 100; ++i) {
    PushAndDrain(c, flood);
    pushed += flood.size();
    // Bounded all along, not only at the end.
    EXPECT_LE(fs::file_size(Path("console.log.part")),
              4096u + 200u + 2 * 4096u);
  }
  std::string tail = std::string(4092, 't') + "TAIL";
  PushAndDrain(c, tail);
  pushed += tail.size();
  c.Stop();
  std::string log = ReadFile(Path("console.log"));
  EXPECT_EQ(log.substr(0, head.size()), head);
  EXPECT_EQ(log.substr(log.size() - tail.size()), tail);
  std::string marker = DroppedMarker(pushed - 4096 - 4096);
  EXPECT_EQ(log, head + marker + tail);
}

TEST(ConsoleLogWriterTest, DefaultBoundIsEightMiBHeadAndTail) {
  EXPECT_EQ(LogBounds{}.head_bytes, size_t{8} << 20);
  EXPECT_EQ(LogBounds{}.tail_bytes, size_t{8} << 20);
}

// ---- RE2: partial lines matched whole, linear time
// ----------------------------

// The old matcher re-matched a growing partial line only in its last 256
// bytes (within one wait): a prompt pattern that needs the whole line was
// never found.
TEST_F(ConsoleTest, GrowingPartialLineIsMatchedWhole) {
  Console c(&stream_, &clock_, clock_.Now(), {});
  c.Start();
  PatternSet p({Pattern::Compile("banner", "^start x{300,}end: $")});
  std::thread guest([&] {
    // A guest trickling one long unfinished line while the wait runs.
    PushAndDrain(c, "start ");
    for (int i = 0; i < 20; ++i) {
      PushAndDrain(c, std::string(20, 'x'));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    PushAndDrain(c, "end: ");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    clock_.Advance(std::chrono::hours(2));  // ends a wait that missed it
  });
  uint64_t cursor = 0;
  auto w = c.WaitFor(p, &cursor, clock_.Now() + std::chrono::hours(1),
                     Duration(0), nullptr);
  guest.join();
  ASSERT_EQ(w.kind, WaitOutcome::kMatched);
  EXPECT_EQ(w.line.size(), 6u + 400u + 5u);
}

// Inputs that take a backtracking matcher quadratic or exponential time are
// answered correctly (the time is a bench figure: console_bench).
TEST(PatternTest, PathologicalInputsAreMatchedCorrectly) {
  Pattern login = Pattern::Compile("login", BootSpec().login_pattern);
  std::string names(64 << 10, 'a');
  EXPECT_FALSE(MatchesLine(login, names));
  EXPECT_TRUE(MatchesLine(login, names + " login: "));
  Pattern nested = Pattern::Compile("nested", "(x+x+)+y");
  std::string xs(64 << 10, 'x');
  EXPECT_FALSE(MatchesLine(nested, xs));
  EXPECT_TRUE(MatchesLine(nested, xs + "y"));
}

TEST(PatternTest, SetGivesTheFirstPatternInOrder) {
  PatternSet set({Pattern::Compile("a", "panic"),
                  Pattern::Compile("b", "Kernel"),
                  Pattern::Compile("c", "nothing")});
  EXPECT_EQ(set.FirstMatch("Kernel panic"), 0u);
  EXPECT_EQ(set.FirstMatch("Kernel oops"), 1u);
  EXPECT_EQ(set.FirstMatch("quiet"), std::nullopt);
  EXPECT_EQ(PatternSet({}).FirstMatch("x"), std::nullopt);
}

TEST(PatternTest, UnsupportedConstructsAreRejectedSayingSo) {
  try {
    Pattern::Compile("login", "(a)\\1");
    FAIL() << "a backreference was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("backreferences"), std::string::npos)
        << e.what();
  }
}

// ---- stamps: never delayed by what the reader does with the bytes -----------

// The reader is stuck writing its log (a FIFO nobody drains: a stand-in for
// matching or a disk that falls behind) while the guest prints its prompt at
// 2 s; the clock moves to 5 s before the reader gets to it. The prompt keeps
// its arrival time.
TEST_F(ConsoleTest, StampIsTakenOnArrivalWhileTheReaderIsBusy) {
  TempDir dir(fs::temp_directory_path(), "bg-fifo-");
  std::string log = (dir.path() / "console.log").string();
  ASSERT_EQ(mkfifo((log + ".part").c_str(), 0600), 0);
  int drain = open((log + ".part").c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(drain, 0);
  ConsoleOptions o;
  o.log_path = log;
  {
    Console c(&stream_, &clock_, clock_.Now(), o);
    c.Start();
    clock_.Advance(std::chrono::seconds(1));
    stream_.Push(std::string(1 << 20, 'x') +
                 "\n");  // fills the FIFO: the reader blocks
    for (int i = 0; i < 200 && c.bytes_received() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    clock_.Advance(std::chrono::seconds(1));
    stream_.Push("refimg login: ");
    for (int i = 0; i < 400 && !stream_.drained(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    clock_.Advance(std::chrono::seconds(3));
    // Unblock the reader: drain the FIFO from here on.
    std::atomic<bool> done{false};
    std::thread drainer([&] {
      char buf[1 << 16];
      while (!done) {
        if (read(drain, buf, sizeof buf) <= 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    uint64_t cursor = 0;
    auto w = c.WaitFor(
        PatternSet({Pattern::Compile("login", BootSpec().login_pattern)}),
        &cursor, clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
    EXPECT_EQ(w.kind, WaitOutcome::kMatched);
    EXPECT_NEAR(w.t_s, 2.0, 1e-9);
    c.Stop();
    done = true;
    drainer.join();
  }
  close(drain);
}

}  // namespace
}  // namespace bootgate
