// What the live progress writes on a terminal, in a log and with --quiet,
// into a memory stream standing in for stderr.
#include "runner/progress.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace bootgate {
namespace {

/// A FILE* whose text the test reads back.
class MemStream {
 public:
  MemStream() : f_(open_memstream(&buf_, &size_)) {}
  ~MemStream() {
    std::fclose(f_);
    std::free(buf_);
  }
  FILE* file() { return f_; }
  std::string text() {
    std::fflush(f_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  FILE* f_;
};

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// In a CI log a line says what finished and its figure; a phase's start
// carries no figure (the old "firmware 0.0 s" read as a measurement).
TEST(TerminalProgressTest, OffATerminalSaysWhatFinishedAndItsFigure) {
  MemStream out;
  FakeClock clock;
  TerminalProgress p(out.file(), /*quiet=*/false, /*tty=*/false, &clock);
  for (double t = 0; t < 5; t += 0.5) {
    p.Update("ref/qemu-kvm #1", "firmware", t, std::nullopt);
    clock.Advance(std::chrono::milliseconds(500));
  }
  for (double t = 0; t < 6; t += 0.5) {
    p.Update("ref/qemu-kvm #1", "kernel", t, 45.0);
    clock.Advance(std::chrono::milliseconds(500));
  }
  p.Note("ref/qemu-kvm #1", "pass");
  p.Done("ref/qemu-kvm #1");
  std::string text = out.text();
  // Two phase starts, two "finished", the note: no redraws, no escapes.
  EXPECT_EQ(Lines(text), 5) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("firmware ...\n"), std::string::npos) << text;
  EXPECT_NE(text.find("firmware finished after 5.00 s"), std::string::npos)
      << text;
  EXPECT_NE(text.find("kernel finished after 6.00 s (budget 45.0 s)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("0.0 s"), std::string::npos)
      << "a figure at a phase start: " << text;
}

TEST(TerminalProgressTest, OnATerminalRedrawsInPlace) {
  MemStream out;
  TerminalProgress p(out.file(), /*quiet=*/false, /*tty=*/true);
  p.Update("a", "kernel", 1, std::nullopt);
  p.Update("a", "kernel", 2, std::nullopt);
  std::string text = out.text();
  // The second tick moves up and clears the first one's line.
  EXPECT_NE(text.find("\x1b[1A\x1b[2K"), std::string::npos) << text;
}

TEST(TerminalProgressTest, QuietWritesNothing) {
  MemStream out;
  TerminalProgress p(out.file(), /*quiet=*/true, /*tty=*/false);
  p.Update("a", "kernel", 1, std::nullopt);
  p.Note("a", "booting");
  p.Done("a");
  EXPECT_EQ(out.text(), "");
}

}  // namespace
}  // namespace bootgate
