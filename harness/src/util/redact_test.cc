#include "util/redact.h"

#include <gtest/gtest.h>

namespace bootgate {
namespace {

TEST(Redact, ReplacesEveryOccurrence) {
  EXPECT_EQ(Redact("pw=hunter2 again hunter2", {"hunter2"}),
            "pw=******** again ********");
}

TEST(Redact, EmptySecretListOrEmptySecretChangesNothing) {
  EXPECT_EQ(Redact("nothing secret", {}), "nothing secret");
  EXPECT_EQ(Redact("nothing secret", {""}), "nothing secret");
  EXPECT_EQ(Redact("", {"x"}), "");
}

TEST(Redact, OverlappingSecretsLeaveNoPartBehind) {
  // Replacing "pass" first would leave "word" of "password" visible.
  EXPECT_EQ(Redact("login password ok", {"pass", "password"}),
            "login ******** ok");
  EXPECT_EQ(Redact("xabcdx", {"abc", "bcd"}), "x********x");
  // Overlapping occurrences of one secret.
  EXPECT_EQ(Redact("aaaa", {"aaa"}), "********");
  // Adjacent occurrences become one mask.
  EXPECT_EQ(Redact("s3cr3ts3cr3t", {"s3cr3t"}), "********");
}

TEST(Redact, SecretContainingTheMaskOrSpecialBytes) {
  EXPECT_EQ(Redact("a*b", {"*"}), "a********b");
  EXPECT_EQ(Redact("x$(y)z", {"$(y)"}), "x********z");
  EXPECT_EQ(Redact("multi\nline", {"i\nl"}), "mult********ine");
}

// A stream cut at every possible pair of points: the concatenated output is
// what Redact gives for the whole text, and no piece handed out ever holds
// the secret.
TEST(StreamRedactor, SecretSplitAtAnyPointIsMasked) {
  const std::string text =
      "login: root\npassword: hunter2-xyz ok hunter2-xyzhunter2-xyz end";
  const std::vector<std::string> secrets = {"hunter2-xyz", "root"};
  for (size_t a = 0; a <= text.size(); ++a) {
    for (size_t b = a; b <= text.size(); ++b) {
      StreamRedactor r(secrets);
      std::string out;
      for (std::string_view piece : {std::string_view(text).substr(0, a),
                                     std::string_view(text).substr(a, b - a),
                                     std::string_view(text).substr(b)}) {
        std::string got = r.Feed(piece);
        EXPECT_EQ(got.find("hunter2-xyz"), std::string::npos) << a << "," << b;
        out += got;
      }
      out += r.Flush();
      EXPECT_EQ(out.find("hunter2"), std::string::npos) << a << "," << b;
      EXPECT_EQ(out.find("root"), std::string::npos) << a << "," << b;
      EXPECT_NE(out.find("ok"), std::string::npos);
      EXPECT_NE(out.find("end"), std::string::npos);
    }
  }
}

TEST(StreamRedactor, HoldsBackOnlyLongestSecretMinusOne) {
  StreamRedactor r({"abcdef"});
  EXPECT_EQ(r.Feed("0123456789"), "01234");
  EXPECT_EQ(r.held(), 5u);
  EXPECT_EQ(r.Feed("abc"), "567");
  EXPECT_EQ(r.Feed("def!"), "89" + std::string(kRedactedMask));
  EXPECT_EQ(r.Flush(), "!");
  StreamRedactor none({});
  EXPECT_EQ(none.Feed("all of it"), "all of it");
}

}  // namespace
}  // namespace bootgate
