#include <gtest/gtest.h>
#include <atomic>
#include <signal.h>
#include <iterator>
#include <fstream>

#include <thread>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include "util/byte_stream.h"
#include "util/error.h"
#include "util/escape.h"
#include "util/fs.h"
#include "util/password_hash.h"
#include "util/cancel.h"
#include "util/process.h"
#include "util/text.h"

namespace bootgate {
namespace {

TEST(ProcessTest, RunCommandCapturesOutputAndStatus) {
  PosixProcessLauncher launcher;
  auto out = RunCommand(launcher, {"sh", "-c", "echo out; echo err >&2; exit 3"},
                        std::chrono::seconds(5));
  EXPECT_EQ(out.stdout_text, "out\n");
  EXPECT_EQ(out.stderr_text, "err\n");
  EXPECT_TRUE(out.status.exited);
  EXPECT_EQ(out.status.code, 3);
  EXPECT_EQ(out.status.Describe(), "exited with status 3");
}

TEST(ProcessTest, RunCommandKillsOnTimeout) {
  PosixProcessLauncher launcher;
  auto start = std::chrono::steady_clock::now();
  auto out = RunCommand(launcher, {"sleep", "30"}, std::chrono::milliseconds(200));
  EXPECT_TRUE(out.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// Pids of processes whose command line contains `marker`.
std::vector<int> ProcessesWith(const std::string& marker) {
  std::vector<int> pids;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), {});
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    if (cmd.find(marker) != std::string::npos && cmd.find("ProcessesWith") == std::string::npos)
      pids.push_back(std::stoi(name));
  }
  return pids;
}

bool GoneWithin(const std::string& marker, std::chrono::milliseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (ProcessesWith(marker).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ProcessesWith(marker).empty();
}

// A recipe's children (mmdebstrap's apt, background jobs) die with it on a
// timeout; before, only the recipe's own process was killed.
TEST(ProcessTest, ATimeoutKillsTheWholeProcessTree) {
  PosixProcessLauncher launcher;
  // The children are marked by a sleep duration no other process uses.
  std::string marker = "300." + std::to_string(getpid()) + "1";
  auto out = RunCommand(launcher, {"sh", "-c", "sleep " + marker + " & sleep " + marker + "; wait"},
                        std::chrono::milliseconds(500));
  EXPECT_TRUE(out.timed_out);
  EXPECT_TRUE(GoneWithin(marker, std::chrono::seconds(3)))
      << ProcessesWith(marker).size() << " processes of the tree were left";
}

// Ctrl-C during a long helper (an image recipe takes minutes) stops it and
// everything it started at once, and unwinds as Interrupted.
TEST(ProcessTest, CancellationStopsARunningCommandAndItsChildren) {
  PosixProcessLauncher launcher;
  std::string marker = "300." + std::to_string(getpid()) + "2";
  CancelToken cancel;
  std::thread ctrl_c([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    cancel.Cancel(SIGINT);
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(RunCommand(launcher, {"sh", "-c", "sleep " + marker + " & wait"},
                          std::chrono::seconds(300), 1 << 20, &cancel),
               Interrupted);
  ctrl_c.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(GoneWithin(marker, std::chrono::seconds(3)));
}

// Newest first: a VM dies before the workspace it runs in is removed.
// Issue 25: a second Ctrl-C could block on a libvirt call (a hung daemon,
// or the domain lock held by an owner inside one). A kill that may block is
// waited for a bounded time, and everything else is still killed.
TEST(ResourceRegistryTest, ForceKillAllDoesNotWaitOnABlockingKill) {
  ResourceRegistry live;
  auto release = std::make_shared<std::atomic<bool>>(false);
  bool local_killed = false;
  auto a = live.Add("process group 1", [&] { local_killed = true; });
  auto b = live.Add(
      "libvirt domain bootgate-hung",
      [release] {
        for (int i = 0; i < 300 && !*release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      },
      /*may_block=*/true);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> killed = live.ForceKillAll(std::chrono::milliseconds(500));
  auto took = std::chrono::steady_clock::now() - t0;
  *release = true;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_TRUE(local_killed);
  ASSERT_EQ(killed.size(), 2u);
  EXPECT_NE(killed[1].find("still being destroyed"), std::string::npos) << killed[1];
}

TEST(ResourceRegistryTest, ForceKillAllKillsNewestFirstAndOnlyWhatIsLive) {
  ResourceRegistry live;
  std::vector<std::string> order;
  auto a = live.Add("a", [&] { order.push_back("a"); });
  auto b = live.Add("b", [&] { order.push_back("b"); });
  {
    auto gone = live.Add("gone", [&] { order.push_back("gone"); });
  }
  auto c = live.Add("c", [&] { order.push_back("c"); });
  EXPECT_EQ(live.size(), 3u);
  EXPECT_EQ(live.ForceKillAll(), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(order, (std::vector<std::string>{"c", "b", "a"}));
  // Registered while the exit is forced: killed at once, never kept.
  auto late = live.Add("late", [&] { order.push_back("late"); });
  EXPECT_EQ(order.back(), "late");
  EXPECT_EQ(live.size(), 0u);
}

// A launcher with a registry keeps each child's process group there exactly
// while the child is unreaped.
TEST(ResourceRegistryTest, ALaunchedChildIsRegisteredUntilReaped) {
  ResourceRegistry live;
  PosixProcessLauncher launcher(&live);
  auto child = launcher.Spawn(SpawnOptions::Of({"sleep", "30"}));
  EXPECT_EQ(live.size(), 1u);
  child->Terminate(std::chrono::seconds(1));
  EXPECT_EQ(live.size(), 0u);
  auto quick = launcher.Spawn(SpawnOptions::Of({"true"}));
  ASSERT_TRUE(quick->WaitFor(std::chrono::seconds(5)));
  EXPECT_EQ(live.size(), 0u);
}

// The whole of Ctrl-C twice, in a child process: the first SIGINT cancels;
// one outside the window only re-arms it; one within it kills every
// registered process group (a tree that ignores SIGTERM, as a recipe stuck
// in I/O would) and exits 130 at once, without unwinding. Before, every
// signal after the first did nothing and the clean path ran on.
TEST(SignalRouterDeathTest, ASecondSignalKillsEveryProcessGroupAndExits) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::string marker = "300." + std::to_string(getpid()) + "3";
  EXPECT_EXIT(
      {
        ResourceRegistry live;
        PosixProcessLauncher launcher(&live);
        CancelToken cancel;
        SignalRouter router(&cancel, &live, std::chrono::milliseconds(400));
        auto tree = launcher.Spawn(
            SpawnOptions::Of({"sh", "-c",
                              "trap '' TERM; sleep " + marker + " & sleep " +
                                  marker + "; wait"}));
        while (ProcessesWith(marker).size() < 2)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        kill(getpid(), SIGINT);
        while (!cancel.cancelled())
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
        kill(getpid(), SIGINT);  // outside the window: no forced exit
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (tree->TryWait()) std::exit(3);
        kill(getpid(), SIGINT);  // within the window of the last one
        std::this_thread::sleep_for(std::chrono::seconds(20));
        std::exit(4);
      },
      ::testing::ExitedWithCode(130),
      "SIGINT: stopping cleanly.*\n.*SIGINT: stopping cleanly.*\n.*SIGINT "
      "again: forced exit "
      "after killing process group [0-9]+ \\(sh\\)");
  EXPECT_TRUE(GoneWithin(marker, std::chrono::seconds(3)))
      << ProcessesWith(marker).size() << " processes of the tree were left";
}

TEST(ProcessTest, MissingProgramIsAClearError) {
  PosixProcessLauncher launcher;
  try {
    launcher.Spawn(SpawnOptions::Of({"no-such-program-bootgate"}));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not found in PATH"), std::string::npos);
  }
}

// A child sees fds 0-2 and the ones asked for, nothing bootgate inherited or
// opened without O_CLOEXEC (mmdebstrap failed in CI on such leaked fds).
TEST(ProcessTest, ChildGetsOnlyStdioAndKeepFds) {
  // High numbers: the shell's own glob of /proc/self/fd opens a low one.
  int leaked = dup2(1, 100);  // no FD_CLOEXEC: fork+exec would pass it on
  ASSERT_EQ(leaked, 100);
  int kept = dup2(1, 101);
  ASSERT_EQ(kept, 101);
  std::string listing = ::testing::TempDir() + "/bootgate-fds.txt";
  PosixProcessLauncher launcher;
  SpawnOptions opts = SpawnOptions::Of({"sh", "-c", "cd /proc/self/fd && echo *"});
  opts.stdout_path = listing;
  opts.keep_fds = {kept};
  auto child = launcher.Spawn(opts);
  ASSERT_TRUE(child->WaitFor(std::chrono::seconds(5)));
  std::set<int> fds;
  std::istringstream words(ReadFile(listing));
  for (int fd; words >> fd;) fds.insert(fd);
  std::string seen = ReadFile(listing);
  EXPECT_TRUE(fds.count(0) && fds.count(1) && fds.count(2)) << seen;
  EXPECT_FALSE(fds.count(leaked)) << seen;
  EXPECT_TRUE(fds.count(kept)) << seen;
  close(leaked);
  close(kept);
  unlink(listing.c_str());
}

TEST(ProcessTest, DestroyingAChildKillsIt) {
  PosixProcessLauncher launcher;
  pid_t pid;
  {
    auto child = launcher.Spawn(SpawnOptions::Of({"sleep", "30"}));
    pid = child->pid();
    EXPECT_EQ(kill(pid, 0), 0);
  }
  EXPECT_NE(kill(pid, 0), 0);  // reaped and gone
}

TEST(FsTest, AtomicWriteReplacesContentAndLeavesNoTemp) {
  TempDir dir(fs::temp_directory_path(), "bootgate-test-");
  fs::path p = dir.path() / "report.json";
  WriteFileAtomic(p, "one");
  WriteFileAtomic(p, "two");
  EXPECT_EQ(ReadFile(p), "two");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir.path())) (void)e, ++files;
  EXPECT_EQ(files, 1);
}

TEST(FsTest, AtomicWriteToMissingDirectoryParentIsCreated) {
  TempDir dir(fs::temp_directory_path(), "bootgate-test-");
  WriteFileAtomic(dir.path() / "a/b/c.txt", "x");
  EXPECT_EQ(ReadFile(dir.path() / "a/b/c.txt"), "x");
}

TEST(FsTest, Sha256KnownValues) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TextTest, Base64AndJsonEscape) {
  EXPECT_EQ(Base64("ssh-ed25519 AAAA x"), "c3NoLWVkMjU1MTkgQUFBQSB4");
  EXPECT_EQ(Base64("a"), "YQ==");
  EXPECT_EQ(JsonEscape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
}

TEST(ByteStreamTest, FakeStreamDeliversThenEof) {
  FakeByteStream s;
  s.Push("abc");
  s.Close();
  char buf[8];
  size_t got = 0;
  EXPECT_EQ(s.Read(buf, sizeof buf, std::chrono::milliseconds(10), &got), ReadStatus::kData);
  EXPECT_EQ(std::string(buf, got), "abc");
  EXPECT_EQ(s.Read(buf, sizeof buf, std::chrono::milliseconds(10), &got), ReadStatus::kEof);
}

// A guest that prints one byte at a time, as fast as it is read.
class TrickleStream : public ByteStream {
 public:
  ReadStatus Read(char* buf, size_t, Duration, size_t* got) override {
    buf[0] = 'x';
    *got = 1;
    ++reads;
    return ReadStatus::kData;
  }
  void Write(std::string_view) override {}
  std::atomic<size_t> reads{0};
};

// Issue 25: the backlog limit counted payload bytes, so a flood of 1-byte
// reads queued 64 Ki entries of ~60 bytes each against a 64 KiB limit. What
// the queue holds (entries included) must stay within the limit.
TEST(ByteStreamTest, TheBacklogLimitCountsWhatTheQueueHolds) {
  constexpr size_t kLimit = 64 << 10;
  TrickleStream inner;
  SystemClock clock;
  StampingByteStream s(&inner, &clock, kLimit);
  // Nobody reads: the pump fills the queue up to its limit and stops.
  size_t before = 0;
  for (int i = 0; i < 100 && (before == 0 || inner.reads != before); ++i) {
    before = inner.reads;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  size_t queued_entries = inner.reads;
  EXPECT_LE(queued_entries * (sizeof(std::pair<std::string, TimePoint>)), kLimit)
      << queued_entries << " one-byte chunks queued against a " << kLimit << "-byte limit";
  EXPECT_GT(queued_entries, 0u);
  s.StopReading();
}

// Bytes a VM prints before anyone reads its console keep their arrival time:
// the stamp is taken by the stream's own reader, not by the late consumer.
TEST(ByteStreamTest, StampingStreamKeepsTheArrivalTimeOfEarlyBytes) {
  auto fake = std::make_unique<FakeByteStream>();
  FakeByteStream* raw = fake.get();
  SystemClock clock;
  StampingByteStream s(std::move(fake), &clock);
  TimePoint pushed = clock.Now();
  raw->Push("SeaBIOS (version 1.16.2)\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  char buf[8];
  size_t got = 0;
  ASSERT_EQ(s.Read(buf, sizeof buf, std::chrono::milliseconds(100), &got), ReadStatus::kData);
  EXPECT_EQ(std::string(buf, got), "SeaBIOS ");  // one chunk at a time, in pieces
  ASSERT_TRUE(s.LastReadArrival());
  EXPECT_LT(ToSeconds(*s.LastReadArrival() - pushed), 0.1);
  EXPECT_GT(ToSeconds(clock.Now() - *s.LastReadArrival()), 0.25);
  std::string rest;
  while (s.Read(buf, sizeof buf, std::chrono::milliseconds(100), &got) == ReadStatus::kData)
    rest.append(buf, got);
  EXPECT_EQ(rest, "(version 1.16.2)\r\n");
  raw->Close();
  EXPECT_EQ(s.Read(buf, sizeof buf, std::chrono::milliseconds(500), &got), ReadStatus::kEof);
}

// The state dir may be /tmp/bootgate-<uid>: a name another local user can
// take first. Only a real, private directory of ours is used.
TEST(PrivateDirectoryTest, CreatesPrivateAndRefusesPlantedOnes) {
  TempDir root(fs::temp_directory_path(), "bootgate-priv-");
  std::string fresh = (root.path() / "a" / "state").string();
  EnsurePrivateDirectory(fresh);
  struct stat st{};
  ASSERT_EQ(lstat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EnsurePrivateDirectory(fresh);  // ours already: fine

  std::string target = (root.path() / "elsewhere").string();
  fs::create_directories(target);
  std::string link = (root.path() / "link").string();
  fs::create_directory_symlink(target, link);
  try {
    EnsurePrivateDirectory(link);
    FAIL() << "a symlink must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  }

  std::string open_dir = (root.path() / "open").string();
  fs::create_directories(open_dir);
  chmod(open_dir.c_str(), 0777);
  try {
    EnsurePrivateDirectory(open_dir);
    FAIL() << "a world-writable directory must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("writable by group or others (mode 777)"), std::string::npos)
        << e.what();
  }

  if (geteuid() == 0) {
    std::string theirs = (root.path() / "theirs").string();
    fs::create_directories(theirs);
    chmod(theirs.c_str(), 0700);
    ASSERT_EQ(chown(theirs.c_str(), 65534, 65534), 0);
    try {
      EnsurePrivateDirectory(theirs);
      FAIL() << "another user's directory must be refused";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("owned by uid 65534"), std::string::npos) << e.what();
    }
  }
}

TEST(WriteFileAtomicTest, SecretsAre0600AndReports0644) {
  TempDir dir(fs::temp_directory_path(), "bootgate-mode-");
  std::string secret = (dir.path() / "ks.json").string();
  std::string report = (dir.path() / "report.json").string();
  WriteFileAtomic(secret, "{\"password\": \"hunter2\"}", kSecretFileMode);
  WriteFileAtomic(report, "{}");
  struct stat st{};
  ASSERT_EQ(stat(secret.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(stat(report.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0666u & ~ProcessUmask());
}

// Reports follow the umask like any file the user creates: with umask 077
// nobody else reads them (they were 0644 whatever the umask).
TEST(WriteFileAtomicTest, ReportsFollowTheUmask) {
  TempDir dir(fs::temp_directory_path(), "bootgate-umask-");
  std::string report = (dir.path() / "report.json").string();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    umask(077);
    WriteFileAtomic(report, "{}");
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  struct stat st{};
  ASSERT_EQ(stat(report.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

// The kickstart carries the root password as a SHA-512 crypt hash
// (photon-os-installer copies `text` into /etc/shadow when crypted is true).
TEST(PasswordHashTest, Sha512CryptWithAFreshSalt) {
  std::string a = Sha512CryptHash("Refinst-Pw-7");
  std::string b = Sha512CryptHash("Refinst-Pw-7");
  EXPECT_EQ(a.rfind("$6$", 0), 0u) << a;
  EXPECT_EQ(a.size(), 3u + 16 + 1 + 86) << a;
  EXPECT_NE(a, b);  // salted
  EXPECT_EQ(a.find("Refinst-Pw-7"), std::string::npos);
  EXPECT_TRUE(CryptHashMatches("Refinst-Pw-7", a));
  EXPECT_FALSE(CryptHashMatches("refinst-pw-7", a));
  EXPECT_EQ(Sha512CryptHash(""), "*");
  // A known vector from the SHA-crypt specification (Drepper), rounds 5000.
  EXPECT_TRUE(CryptHashMatches("Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/"
                                               "O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"));
}

TEST(RandomHexTest, IsHexOfTheLengthAndNotRepeated) {
  std::string a = RandomHex(16), b = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace bootgate
