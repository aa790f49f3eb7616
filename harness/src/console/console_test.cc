#include "console/console.h"

#include <gtest/gtest.h>

#include <thread>

#include "console/line_splitter.h"
#include "console/phases.h"
#include "console/sanitize.h"
#include "scenario/scenario.h"

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

TEST(SanitizeTest, StripsEscapesAndControls) {
  EXPECT_EQ(SanitizeForTerminal("\x1b[31mred\x1b[0m"), "red");
  EXPECT_EQ(SanitizeForTerminal("a\x1b]0;pwned\x07" "b"), "ab");
  EXPECT_EQ(SanitizeForTerminal("\x1b]8;;http://x\x1b\\link"), "link");
  EXPECT_EQ(SanitizeForTerminal("tab\there\x01\x7f"), "tab\there");
  EXPECT_EQ(SanitizeForTerminal("\x1b(Bx"), "x");
}

TEST(SanitizeTest, ReplacesInvalidUtf8AndC1Controls) {
  EXPECT_EQ(SanitizeForTerminal("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(SanitizeForTerminal("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(SanitizeForTerminal("\xc2\x9b" "31m"), "\xEF\xBF\xBD\xEF\xBF\xBD" "31m");  // CSI as C1
  EXPECT_EQ(SanitizeForTerminal("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
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
  auto w = c.WaitFor({Pattern::Compile("login", Scenario().boot.login_pattern)}, &cursor,
                     clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
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
  auto w = c.WaitFor(pats, &cursor, clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
  ASSERT_EQ(w.kind, WaitOutcome::kMatched);
  EXPECT_EQ(w.pattern_name, "kernel-panic");
}

TEST_F(ConsoleTest, EofAndTimeoutAndSilence) {
  {
    Console c(&stream_, &clock_, clock_.Now(), {});
    c.Start();
    uint64_t cursor = 0;
    // Timeout: the deadline is already past.
    auto w = c.WaitFor({Pattern::Compile("x", "never")}, &cursor, clock_.Now(), Duration(0), nullptr);
    EXPECT_EQ(w.kind, WaitOutcome::kTimeout);
    // Silence: nothing for 10 s of fake time.
    clock_.Advance(std::chrono::seconds(10));
    w = c.WaitFor({Pattern::Compile("x", "never")}, &cursor, clock_.Now() + std::chrono::hours(1),
                  std::chrono::seconds(5), nullptr);
    EXPECT_EQ(w.kind, WaitOutcome::kSilence);
    stream_.Close();
    w = c.WaitFor({Pattern::Compile("x", "never")}, &cursor, clock_.Now() + std::chrono::hours(1),
                  Duration(0), nullptr);
    EXPECT_EQ(w.kind, WaitOutcome::kEof);
  }
}

TEST_F(ConsoleTest, CancelEndsTheWait) {
  Console c(&stream_, &clock_, clock_.Now(), {});
  c.Start();
  CancelToken cancel;
  cancel.Cancel(2);
  uint64_t cursor = 0;
  auto w = c.WaitFor({Pattern::Compile("x", "never")}, &cursor, clock_.Now() + std::chrono::hours(1),
                     Duration(0), &cancel);
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
  auto w = c.WaitFor({Pattern::Compile("login", Scenario().boot.login_pattern)}, &cursor,
                     clock_.Now() + std::chrono::hours(1), Duration(0), nullptr);
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
  c.WaitFor({Pattern::Compile("login", "login: $")}, &cursor, clock_.Now() + std::chrono::hours(1),
            Duration(0), nullptr);
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

TEST(PhasesTest, MissingMarkersMergeIntoThePreviousPhase) {
  // A direct kernel boot has no bootloader line.
  auto p = ExtractPhases({{"kernel", 0.2, ""}, {"userspace", 3.0, ""}}, 4.0, std::nullopt);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].name, "firmware");
  EXPECT_EQ(p[1].name, "kernel");
  EXPECT_DOUBLE_EQ(p[1].duration_s(), 2.8);
  EXPECT_EQ(p[2].name, "userspace");
}

}  // namespace
}  // namespace bootgate
