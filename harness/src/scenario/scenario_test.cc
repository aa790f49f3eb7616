#include "scenario/scenario.h"

#include <gtest/gtest.h>

#include <regex>

#include "scenario/profile.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

std::vector<ValidationIssue> Issues(const std::string& text) {
  std::vector<ValidationIssue> issues;
  ParseScenario(text, "/tmp/s.json", &issues, /*check_files=*/false);
  return issues;
}

bool HasIssue(const std::vector<ValidationIssue>& issues, const std::string& path,
              const std::string& fragment) {
  for (const auto& i : issues)
    if (i.json_path == path && i.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string Dump(const std::vector<ValidationIssue>& issues) {
  std::string s;
  for (const auto& i : issues) s += i.ToString() + "\n";
  return s;
}

TEST(ScenarioTest, ParsesAFullScenarioWithComments) {
  std::vector<ValidationIssue> issues;
  auto s = ParseScenario(R"({
    // comments are allowed
    "name": "ref",
    "image": {"iso": "../images/ref.iso"},
    "profile": "qemu-kvm",
    "vm": {"cpus": 2, "memory_mib": 768, "accel": "tcg"},
    "boot": {"login_pattern": "refimg login:", "timeout_s": 90, "silence_s": 30,
             "fail_patterns": ["Oops", {"name": "custom", "regex": "BOOM"}]},
    "access": {"user": "root", "password": "secret"},
    "sample": {"settle_s": 2, "count": 5},
    "checks": [{"name": "root", "run": "id -u", "expect": {"stdout_matches": "^0$"}}],
    "budgets": {"boot_s": {"kvm": 10, "tcg": 45}, "ram_mib": 150, "judge": "p95",
                "profiles": {"qemu-kvm": {"boot_s": 50}}},
    "iterations": 3, "labels": {"team": "os"}
  })", "/work/scenarios/ref.json", &issues, false);
  ASSERT_TRUE(s) << Dump(issues);
  EXPECT_EQ(s->name, "ref");
  EXPECT_EQ(s->image.iso, "/work/images/ref.iso");  // relative to the file
  EXPECT_EQ(s->vm.cpus, 2);
  EXPECT_EQ(s->boot.silence_s, 30);
  // Defaults plus the scenario's own fail patterns.
  EXPECT_EQ(s->boot.fail_patterns.size(), DefaultFailPatterns().size() + 2);
  EXPECT_EQ(s->boot.fail_patterns.back().name, "custom");
  EXPECT_EQ(s->budgets.judge, "p95");
  EXPECT_EQ(*s->budgets.Limit("boot_s", "other", "kvm"), 10);
  EXPECT_EQ(*s->budgets.Limit("boot_s", "other", "tcg"), 45);
  EXPECT_EQ(*s->budgets.Limit("boot_s", "qemu-kvm", "tcg"), 50);
  EXPECT_EQ(*s->budgets.Limit("ram_mib", "qemu-kvm", "tcg"), 150);
  EXPECT_FALSE(s->budgets.Limit("disk_mib", "qemu-kvm", "tcg"));
  EXPECT_EQ(s->checks.at(0).expect.exit_status, 0);
  EXPECT_EQ(s->iterations, 3);
  EXPECT_EQ(s->labels.at("team"), "os");
}

TEST(ScenarioTest, ExplainIsOnByDefaultAndValidated) {
  std::vector<ValidationIssue> issues;
  auto s = ParseScenario(R"({"name": "x", "image": {"iso": "a.iso"}})",
                         "/tmp/s.json", &issues, false);
  ASSERT_TRUE(s) << Dump(issues);
  EXPECT_TRUE(s->explain.enabled);
  EXPECT_EQ(s->explain.top_n, 10);
  s = ParseScenario(
      R"({"name": "x", "image": {"iso": "a.iso"}, "explain": false})",
      "/tmp/s.json", &issues, false);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->explain.enabled);
  s = ParseScenario(
      R"({"name": "x", "image": {"iso": "a.iso"}, "explain": {"enabled": true, "top_n": 3}})",
      "/tmp/s.json", &issues, false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->explain.top_n, 3);
  auto bad = Issues(
      R"({"name": "x", "image": {"iso": "a.iso"}, "explain": {"top_n": 0, "topn": 3}})");
  EXPECT_TRUE(HasIssue(bad, "/explain/top_n", "")) << Dump(bad);
  EXPECT_TRUE(HasIssue(bad, "/explain/topn", "")) << Dump(bad);
}

TEST(ScenarioTest, MalformedJsonNamesLineAndColumn) {
  auto issues = Issues("{\n  \"name\": \"x\",\n  \"image\": {\"iso\": \"a\"\n}");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("line 4"), std::string::npos) << issues[0].message;
  EXPECT_NE(issues[0].message.find("column"), std::string::npos);
}

// Found by fuzz_scenario: a number beyond double's range is nlohmann's
// out_of_range, not a parse_error; it must be an issue, not a crash.
TEST(ScenarioTest, NumberOverflowIsAnIssueNotACrash) {
  auto issues = Issues("{\"name\": \"x\", \"vm\": {\"cpus\": 5e5555}}");
  ASSERT_EQ(issues.size(), 1u) << Dump(issues);
  EXPECT_NE(issues[0].message.find("number overflow"), std::string::npos) << issues[0].message;
  EXPECT_THROW(ParseProfile("{\"name\": 1e999}", "p.json"), Error);
}

TEST(ScenarioTest, UnknownKeysAreErrorsWithTheirPath) {
  auto issues = Issues(R"({"name": "x", "image": {"iso": "a"}, "budgets": {"boot_sec": 10}, "bogus": 1})");
  EXPECT_TRUE(HasIssue(issues, "/budgets/boot_sec", "unknown key 'boot_sec'")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/bogus", "unknown key")) << Dump(issues);
}

TEST(ScenarioTest, WrongTypesAndRanges) {
  auto issues = Issues(R"({"name": "x", "image": {"iso": "a"},
    "vm": {"cpus": "two", "memory_mib": -5, "accel": "hyper"},
    "boot": {"timeout_s": 0, "login_pattern": "(unclosed"},
    "budgets": {"boot_s": -1, "ram_mib": {"kvm": "x"}}, "iterations": 0})");
  EXPECT_TRUE(HasIssue(issues, "/vm/cpus", "expected a whole number")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/vm/memory_mib", "out of range")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/vm/accel", "expected one of")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/boot/timeout_s", "out of range")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/boot/login_pattern", "invalid regular expression")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/budgets/boot_s", "out of range")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/budgets/ram_mib/kvm", "expected a number")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/iterations", "out of range")) << Dump(issues);
}

TEST(ScenarioTest, ImageMustBeExactlyOneKind) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {}})"), "/image", "exactly one"));
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a", "disk": "b"}})"), "/image", "exactly one"));
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x"})"), "/image", "required"));
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a", "initrd": "i"}})"), "/image/initrd", "needs"));
}

TEST(ScenarioTest, MissingFilesAreNamed) {
  std::vector<ValidationIssue> issues;
  ParseScenario(R"({"name": "x", "image": {"iso": "missing.iso"}})", "/tmp/dir/s.json", &issues, true);
  ASSERT_TRUE(HasIssue(issues, "/image/iso", "does not exist")) << Dump(issues);
  EXPECT_NE(issues[0].message.find("/tmp/dir/missing.iso"), std::string::npos);
}

TEST(ScenarioTest, NameMustBeFileSafe) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "../etc", "image": {"iso": "a"}})"), "/name", "must be"));
  EXPECT_TRUE(HasIssue(Issues(R"({"image": {"iso": "a"}})"), "/name", "required"));
}

TEST(ScenarioTest, SerialAccessNeedsAPassword) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a"}, "access": {"method": "serial"}})"),
                       "/access/password", "needs"));
}

TEST(ScenarioTest, SilenceLongerThanTimeoutIsRejected) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a"}, "boot": {"timeout_s": 10, "silence_s": 20}})"),
                       "/boot/silence_s", "never fire"));
}

TEST(ScenarioTest, InstallNeedsCompletionPattern) {
  auto issues = Issues(R"({"name": "x", "install": {"media": {"iso": "a"}, "complete": "pattern"}})");
  EXPECT_TRUE(HasIssue(issues, "/install/complete_pattern", "required")) << Dump(issues);
}

TEST(ScenarioTest, EveryIssueIsReportedNotJustTheFirst) {
  auto issues = Issues(R"({"name": "x", "image": {"iso": "a"}, "vm": {"cpus": 0, "memory_mib": 1}})");
  EXPECT_GE(issues.size(), 2u);
}

TEST(ScenarioTest, DefaultLoginPatternMatchesGettyPrompts) {
  std::regex re(Scenario().boot.login_pattern);
  EXPECT_TRUE(std::regex_search("refimg login: ", re));
  EXPECT_TRUE(std::regex_search("photon-machine login:", re));
  EXPECT_FALSE(std::regex_search("Last login: Mon Nov 30", re));
}

TEST(ScenarioTest, LoadScenarioErrorListsEveryProblem) {
  TempDir dir(fs::temp_directory_path(), "bootgate-scn-");
  WriteFileAtomic(dir.path() / "bad.json", R"({"name": "x", "image": {"iso": "nope.iso"}, "vm": {"cpus": 0}})");
  try {
    LoadScenario((dir.path() / "bad.json").string());
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("2 problems"), std::string::npos) << m;
    EXPECT_NE(m.find("/vm/cpus"), std::string::npos) << m;
    EXPECT_NE(m.find("/image/iso"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace bootgate
