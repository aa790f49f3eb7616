#include "metrics/sampler.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/test_data.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

std::string RealSampleOutput() {
  return MetricsTestData("meminfo_host.txt") + "@@BOOTGATE@@\n" +
         MetricsTestData("df_busybox_root.txt");
}

TEST(SampleCommand, IsOneCommandWithTheMountQuoted) {
  EXPECT_EQ(SampleCommand("/"),
            "cat /proc/meminfo; echo @@BOOTGATE@@; LC_ALL=C df -P -k -- '/'");
  EXPECT_THAT(SampleCommand("/mnt/it's $(x)"),
              HasSubstr("-- '/mnt/it'\\''s $(x)'"));
}

TEST(TakeSample, ParsesOneCommandsOutputAndTimesIt) {
  FakeCommandChannel ch;
  ch.OnExact(SampleCommand("/"), {0, RealSampleOutput(), "", false, 0.1});
  FakeClock clock;
  TimePoint t0 = clock.Now();
  clock.Advance(seconds(12));
  GuestSample s = TakeSample(ch, "/", seconds(5), &clock, t0);
  EXPECT_DOUBLE_EQ(s.mem.total_mib, 24684092 / 1024.0);
  EXPECT_EQ(s.disk.mount, "/");
  EXPECT_DOUBLE_EQ(s.disk.used_mib, 17970112 / 1024.0);
  EXPECT_DOUBLE_EQ(s.t_s, 12);
  ASSERT_EQ(ch.calls().size(), 1u);
  EXPECT_EQ(ch.calls()[0].timeout, seconds(5));
}

TEST(TakeSample, SerialStyleCrLfAndEchoedCommandLine) {
  // A serial shell echoes the command line and ends lines with "\r\n".
  std::string out = SampleCommand("/") + "\r\n" + RealSampleOutput();
  std::string crlf;
  for (char c : out) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  // The echoed line precedes meminfo; the parser must skip it.
  GuestSample s = ParseSampleOutput(crlf, "/");
  EXPECT_DOUBLE_EQ(s.mem.available_mib, 23785812 / 1024.0);
  EXPECT_EQ(s.disk.filesystem, "/dev/vda");
}

TEST(TakeSample, FailingDfNamesItsStderr) {
  FakeCommandChannel ch;
  ch.OnRegex("df", {1, MetricsTestData("meminfo_host.txt") + "@@BOOTGATE@@\n",
                    "df: /data: No such file or directory\n", false, 0});
  try {
    TakeSample(ch, "/data", seconds(5));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
    EXPECT_THAT(e.what(), HasSubstr("status 1"));
  }
}

TEST(TakeSample, MissingSeparatorAndChannelErrors) {
  FakeCommandChannel ch;
  ch.OnExact(SampleCommand("/"), {0, MetricsTestData("meminfo_host.txt"), "",
                                  false, 0});
  EXPECT_THROW(TakeSample(ch, "/", seconds(5)), Error);
  FakeCommandChannel dead;
  dead.FailRegex(".", "connection lost while running command");
  try {
    TakeSample(dead, "/", seconds(5));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("connection lost"));
  }
}

/// Runs a command the way a guest's shell would: `sh -c`, with PATH chosen.
class LocalShellChannel : public CommandChannel {
 public:
  explicit LocalShellChannel(std::string path) : path_(std::move(path)) {}
  ExecResult Exec(const std::string& command, Duration timeout,
                  size_t max_output_bytes) override {
    CommandOutput out =
        RunCommand(launcher_, {"env", "PATH=" + path_, "sh", "-c", command},
                   timeout, max_output_bytes);
    ExecResult r;
    r.exit_status = out.status.exited ? out.status.code : -1;
    r.stdout_text = out.stdout_text;
    r.stderr_text = out.stderr_text;
    return r;
  }
  std::string name() const override { return "local-sh"; }

 private:
  PosixProcessLauncher launcher_;
  std::string path_;
};

TEST(TakeSample, RunsUnderRealCoreutilsAndBusybox) {
  TempDir bin("/tmp", "bootgate-busybox-");
  for (const char* tool : {"sh", "cat", "df", "echo"}) {
    ASSERT_EQ(symlink("/usr/bin/busybox", (bin.path() / tool).c_str()), 0);
  }
  LocalShellChannel busybox(bin.path().string());
  LocalShellChannel coreutils("/usr/bin:/bin");
  for (CommandChannel* ch : {static_cast<CommandChannel*>(&busybox),
                             static_cast<CommandChannel*>(&coreutils)}) {
    SCOPED_TRACE(ch == &busybox ? "busybox" : "coreutils");
    GuestSample s = TakeSample(*ch, "/", seconds(30));
    EXPECT_GT(s.mem.total_mib, 0);
    EXPECT_GT(s.mem.used_mib(), 0);
    EXPECT_LT(s.mem.used_mib(), s.mem.total_mib);
    EXPECT_EQ(s.disk.mount, "/");
    EXPECT_GT(s.disk.size_mib, 0);
    EXPECT_GT(s.disk.used_mib, 0);
  }
}

TEST(TakeSample, MountStringCannotInjectShellCommands) {
  TempDir dir("/tmp", "bootgate-inject-");
  std::string marker = (dir.path() / "pwned").string();
  LocalShellChannel sh("/usr/bin:/bin");
  std::string evil = "/'; touch " + marker + "; echo '";
  EXPECT_THROW(TakeSample(sh, evil, seconds(30)), Error);
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the mount reached a shell";
}

TEST(SampleGuest, TakesCountSamplesAndNamesEachStep) {
  FakeCommandChannel ch;
  ch.OnExact(SampleCommand("/"), {0, RealSampleOutput(), "", false, 0.01});
  SystemClock clock;
  SampleSpec spec;
  spec.settle_s = 0;
  spec.count = 3;
  spec.interval_s = 0.01;
  std::vector<std::string> steps;
  SampleSeries s = SampleGuest(ch, spec, clock, nullptr,
                               [&](const std::string& step) { steps.push_back(step); });
  ASSERT_EQ(s.ram_mib.size(), 3u);
  ASSERT_EQ(s.disk_mib.size(), 3u);
  EXPECT_DOUBLE_EQ(s.ram_mib[0], s.last.mem.used_mib());
  EXPECT_DOUBLE_EQ(s.disk_mib[2], 17970112 / 1024.0);
  EXPECT_EQ(ch.calls().size(), 3u);
  EXPECT_EQ(steps, (std::vector<std::string>{"settle", "sample 1/3", "sample 2/3", "sample 3/3"}));
}

TEST(SampleGuest, AFailingSampleEndsTheStageWithItsError) {
  FakeCommandChannel dead;
  dead.FailRegex(".", "connection lost while running command");
  SystemClock clock;
  SampleSpec spec;
  spec.settle_s = 0;
  EXPECT_THROW(SampleGuest(dead, spec, clock, nullptr, nullptr), Error);
}

TEST(SampleGuest, CancellationDuringTheSettleIsInterrupted) {
  FakeCommandChannel ch;
  SystemClock clock;
  SampleSpec spec;
  spec.settle_s = 30;
  CancelToken cancel;
  cancel.Cancel(2);
  EXPECT_THROW(SampleGuest(ch, spec, clock, &cancel, nullptr), Interrupted);
  EXPECT_TRUE(ch.calls().empty());
}

TEST(QemuImgInfo, ABackingChainIsSummedBaseAndOverlayApart) {
  // Captured: an overlay with 1 MiB written over a base with 8 MiB.
  auto chain = ParseQemuImgBackingChain(MetricsTestData("qemu_img_info_backing_chain.json"));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[1].filename, "/var/lib/bootgate/base.qcow2");
  HostDiskUsage u = SumBackingChain(chain);
  EXPECT_EQ(u.chain_length, 2);
  EXPECT_DOUBLE_EQ(u.overlay_mib, 1314816 / 1048576.0);
  EXPECT_DOUBLE_EQ(u.base_mib, 8654848 / 1048576.0);
  EXPECT_DOUBLE_EQ(u.total_mib, (1314816 + 8654848) / 1048576.0);
  // One image alone (no backing file) is a chain of one.
  auto one = ParseQemuImgBackingChain(MetricsTestData("qemu_img_info_qcow2.json"));
  EXPECT_EQ(one.size(), 1u);
  EXPECT_THROW(ParseQemuImgBackingChain("[]"), Error);
  EXPECT_THROW(ParseQemuImgBackingChain("[{\"format\": \"qcow2\"}]"), Error);
}

TEST(QemuImgInfo, ParsesRealQcow2Info) {
  QemuImgInfo info = ParseQemuImgInfo(MetricsTestData("qemu_img_info_qcow2.json"));
  EXPECT_EQ(info.format, "qcow2");
  EXPECT_EQ(info.filename, "/tmp/x.qcow2");
  EXPECT_DOUBLE_EQ(info.virtual_mib, 1024);
  EXPECT_DOUBLE_EQ(info.allocated_mib, 200704 / 1048576.0);
}

TEST(QemuImgInfo, RejectsGarbageAndMissingFields) {
  EXPECT_THROW(ParseQemuImgInfo("qemu-img: Could not open 'x'"), Error);
  EXPECT_THROW(ParseQemuImgInfo("[1,2]"), Error);
  EXPECT_THROW(ParseQemuImgInfo(R"({"format":"raw","virtual-size":1})"),
               Error);
  try {
    ParseQemuImgInfo(R"({"format":"raw","actual-size":1})");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("virtual-size"));
  }
  EXPECT_THROW(ParseQemuImgInfo(
                   R"({"format":"raw","virtual-size":"1","actual-size":1})"),
               Error);
  std::string real = MetricsTestData("qemu_img_info_qcow2.json");
  EXPECT_THROW(ParseQemuImgInfo(real.substr(0, real.size() / 2)), Error);
}

}  // namespace
}  // namespace bootgate
