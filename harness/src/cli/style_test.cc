#include "cli/style.h"

#include <gtest/gtest.h>

namespace bootgate {
namespace {

TEST(UseColorTest, OnlyOnATerminal) {
  EXPECT_TRUE(UseColor(true, false, nullptr, "xterm"));
  EXPECT_FALSE(UseColor(false, false, nullptr, "xterm"));  // a pipe, CI log
}

TEST(UseColorTest, NoColorFlagAndEnvironmentTurnItOff) {
  EXPECT_FALSE(UseColor(true, true, nullptr, "xterm"));
  EXPECT_FALSE(UseColor(true, false, "1", "xterm"));
  // no-color.org: any non-empty value counts, "0" too.
  EXPECT_FALSE(UseColor(true, false, "0", "xterm"));
  // Set but empty does not.
  EXPECT_TRUE(UseColor(true, false, "", "xterm"));
}

TEST(UseColorTest, DumbTerminalGetsNone) {
  EXPECT_FALSE(UseColor(true, false, nullptr, "dumb"));
  EXPECT_TRUE(UseColor(true, false, nullptr, nullptr));
}

TEST(PaintTest, ColoursByWordAndLeavesPlainTextAlone) {
  EXPECT_EQ(Paint("PASS", "PASS   ", false), "PASS   ");
  EXPECT_EQ(Paint("PASS", "PASS", true), "\x1b[32mPASS\x1b[0m");
  EXPECT_EQ(Paint("FAIL", "FAIL", true), "\x1b[31mFAIL\x1b[0m");
  EXPECT_EQ(Paint("MISSING", "MISSING", true), "\x1b[31mMISSING\x1b[0m");
  EXPECT_EQ(Paint("ERROR", "ERROR", true), "\x1b[33mERROR\x1b[0m");
}

}  // namespace
}  // namespace bootgate
