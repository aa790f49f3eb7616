#include "util/sanitize.h"

#include <gtest/gtest.h>

#include "util/utf8.h"

namespace bootgate {
namespace {

TEST(SanitizeTest, StripsEscapesAndControls) {
  EXPECT_EQ(SanitizeForTerminal("\x1b[31mred\x1b[0m"), "red");
  EXPECT_EQ(SanitizeForTerminal("a\x1b]0;pwned\x07"
                                "b"),
            "ab");
  EXPECT_EQ(SanitizeForTerminal("\x1b]8;;http://x\x1b\\link"), "link");
  EXPECT_EQ(SanitizeForTerminal("tab\there\x01\x7f"), "tab\there");
  EXPECT_EQ(SanitizeForTerminal("\x1b(Bx"), "x");
}

TEST(SanitizeTest, ReplacesInvalidUtf8AndC1Controls) {
  EXPECT_EQ(SanitizeForTerminal("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(SanitizeForTerminal("a\xff"
                                "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeForTerminal("\xc2\x9b"
                                "31m"),
            "\xEF\xBF\xBD\xEF\xBF\xBD"
            "31m");  // CSI as C1
  EXPECT_EQ(SanitizeForTerminal("\xed\xa0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(SanitizeTest, DisplayKeepsNewlinesAndMarksInvalidBytes) {
  EXPECT_EQ(SanitizeForDisplay("\x1b[1;31mred\x1b[0m\r\nbell\x07\n"),
            "red\nbell\n");
  EXPECT_EQ(SanitizeForDisplay("bad\xff\n"), "bad?\n");
  EXPECT_EQ(SanitizeForDisplay("caf\xc3\xa9\tx"), "caf\xc3\xa9\tx");
}

TEST(Utf8Test, DecodesAndRejectsInvalidSequences) {
  uint32_t cp = 0;
  EXPECT_EQ(DecodeUtf8("\xE2\x9C\x93", 0, &cp), 3u);
  EXPECT_EQ(cp, 0x2713u);
  EXPECT_EQ(DecodeUtf8("\xC0\xAF", 0, &cp), 0u);          // overlong
  EXPECT_EQ(DecodeUtf8("\xED\xA0\x80", 0, &cp), 0u);      // surrogate
  EXPECT_EQ(DecodeUtf8("\xF4\x90\x80\x80", 0, &cp), 0u);  // > U+10FFFF
  EXPECT_EQ(DecodeUtf8("\xE2\x9C", 0, &cp), 0u);          // truncated
  std::string out;
  AppendUtf8(out, 0xFFFD);
  EXPECT_EQ(out, kUtf8Replacement);
}

}  // namespace
}  // namespace bootgate
