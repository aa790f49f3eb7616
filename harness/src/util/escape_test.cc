#include "util/escape.h"

#include <gtest/gtest.h>

#include <string>

namespace bootgate {
namespace {

TEST(EscapeTest, XmlEscapeEscapesAndDropsIllegalCharacters) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(XmlEscape(std::string("x\x01y\x1b[0m\tz\n", 10)), "xy[0m\tz\n");
  EXPECT_EQ(XmlEscape(std::string("nul\0!", 5)), "nul!");
  // Invalid UTF-8 becomes U+FFFD; valid multi-byte text passes.
  EXPECT_EQ(XmlEscape("\xff"), "\xEF\xBF\xBD");
  EXPECT_EQ(XmlEscape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  EXPECT_EQ(XmlEscape("caf\xC3\xA9 \xE2\x9C\x93"), "caf\xC3\xA9 \xE2\x9C\x93");
  EXPECT_EQ(XmlEscape("\xEF\xBF\xBE"), "");  // U+FFFE is not an XML char
  EXPECT_EQ(XmlAttrEscape("a\nb\tc"), "a&#10;b&#9;c");
}

TEST(EscapeTest, NamedApostropheForLibvirt) {
  EXPECT_EQ(XmlEscape("x='1'", Apostrophe::kNamed), "x=&apos;1&apos;");
}

TEST(EscapeTest, YamlQuoteEscapesQuotesBackslashesAndNewlines) {
  EXPECT_EQ(YamlQuote("host1"), "\"host1\"");
  EXPECT_EQ(YamlQuote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
}

TEST(EscapeTest, ToIdentifierReplacesOtherBytes) {
  EXPECT_EQ(ToIdentifier("boot-s.x y"), "boot_s_x_y");
  EXPECT_EQ(ToIdentifier("a-b c", "-"), "a-b_c");
}

}  // namespace
}  // namespace bootgate
