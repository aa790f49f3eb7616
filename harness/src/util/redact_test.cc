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

}  // namespace
}  // namespace bootgate
