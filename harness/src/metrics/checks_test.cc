#include "metrics/checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "util/cancel.h"
#include "util/error.h"
#include "util/sanitize.h"

namespace bootgate {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

CheckSpec Spec(std::string run, std::optional<int> exit = 0,
               std::string matches = "", std::string not_matches = "") {
  CheckSpec s;
  s.name = "probe";
  s.run = std::move(run);
  s.timeout_s = 7;
  s.expect.exit_status = exit;
  s.expect.stdout_matches = std::move(matches);
  s.expect.stdout_not_matches = std::move(not_matches);
  return s;
}

ExecResult Exec(int status, std::string out, std::string err = "") {
  return {status, std::move(out), std::move(err), false, 0.25};
}

TEST(EvaluateCheck, PassFillsTheResult) {
  CheckResult r = EvaluateCheck(Spec("ps", 0, "dropbear"),
                                Exec(0, "  1 init\n 42 dropbear -R\n"));
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.name, "probe");
  EXPECT_EQ(r.command, "ps");
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_DOUBLE_EQ(r.duration_s, 0.25);
  EXPECT_EQ(r.output_excerpt, "  1 init\n 42 dropbear -R\n");
}

TEST(EvaluateCheck, WrongExitStatus) {
  CheckResult r = EvaluateCheck(Spec("false"), Exec(1, ""));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.reason, "exit status 1, expected 0");
  CheckResult unknown = EvaluateCheck(Spec("x"), Exec(-1, ""));
  EXPECT_THAT(unknown.reason, HasSubstr("exit status unknown"));
  CheckResult any = EvaluateCheck(Spec("false", std::nullopt), Exec(1, ""));
  EXPECT_EQ(any.verdict, Verdict::kPass) << "no exit status expected";
  CheckResult two = EvaluateCheck(Spec("exit 2", 2), Exec(2, ""));
  EXPECT_EQ(two.verdict, Verdict::kPass);
}

TEST(EvaluateCheck, StdoutDidNotMatch) {
  CheckResult r =
      EvaluateCheck(Spec("ps", 0, "dropbear"), Exec(0, "1 init\n2 sshd\n"));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.reason, "stdout did not match /dropbear/");
}

TEST(EvaluateCheck, StdoutMatchedForbiddenPattern) {
  CheckResult r = EvaluateCheck(Spec("dmesg", 0, "", "(BUG|Oops):"),
                                Exec(0, "ok\nBUG: soft lockup\nok\n"));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.reason, HasSubstr("stdout matched /(BUG|Oops):/"));
  EXPECT_THAT(r.reason, HasSubstr("\"BUG:\""));
}

TEST(EvaluateCheck, EveryFailureIsNamed) {
  CheckResult r = EvaluateCheck(Spec("x", 0, "^ready$", "error"),
                                Exec(3, "error: not ready\n"));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.reason, HasSubstr("exit status 3, expected 0"));
  EXPECT_THAT(r.reason, HasSubstr("stdout did not match /^ready$/"));
  EXPECT_THAT(r.reason, HasSubstr("stdout matched /error/"));
}

TEST(EvaluateCheck, MultilineAnchorsMatchAtLineEnds) {
  EXPECT_EQ(EvaluateCheck(Spec("x", 0, "^ready$"), Exec(0, "a\nready\nb\n"))
                .verdict,
            Verdict::kPass);
  EXPECT_EQ(EvaluateCheck(Spec("x", 0, "^ready$"), Exec(0, "not ready\n"))
                .verdict,
            Verdict::kFail);
  // Small outputs are searched whole: a pattern may span lines.
  EXPECT_EQ(EvaluateCheck(Spec("x", 0, "a\\nready"), Exec(0, "a\nready\n"))
                .verdict,
            Verdict::kPass);
}

TEST(EvaluateCheck, InvalidRegexIsAnErrorNamingIt) {
  CheckResult r = EvaluateCheck(Spec("x", 0, "(unclosed"), Exec(0, "x"));
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_THAT(r.reason, HasSubstr("invalid regex /(unclosed/"));
  EXPECT_THAT(r.reason, HasSubstr("stdout_matches"));
  CheckResult n = EvaluateCheck(Spec("x", 0, "", "[z-a]"), Exec(0, "x"));
  EXPECT_EQ(n.verdict, Verdict::kError);
  EXPECT_THAT(n.reason, HasSubstr("stdout_not_matches"));
}

TEST(EvaluateCheck, LargeOutputIsSearchedWhole) {
  // A 40 KiB line: std::regex needed a 64 MiB stack and bounded windows for
  // ".*dropbear"; RE2 searches the whole output.
  std::string long_line(40 * 1024, 'a');
  CheckResult r = EvaluateCheck(Spec("x", 0, ".*dropbear"),
                                Exec(0, long_line + "\nservice dropbear\n"));
  EXPECT_EQ(r.verdict, Verdict::kPass);
  // A 1001-byte match inside the long line, not aligned to the old 1 KiB
  // windows (which overlapped by half): the old search missed it.
  std::string inside = long_line;
  inside.replace(512 * 7 + 100, 1001, std::string(1000, 'x') + "y");
  EXPECT_EQ(EvaluateCheck(Spec("x", 0, "x{1000}y"), Exec(0, inside)).verdict,
            Verdict::kPass);
  // A pattern across lines in output over the old 16 KiB whole-text limit.
  std::string multi(20 * 1024, 'a');
  multi += "\nfirst\nsecond\n";
  EXPECT_EQ(
      EvaluateCheck(Spec("x", 0, "^first\nsecond$"), Exec(0, multi)).verdict,
      Verdict::kPass);
  // 1 MiB of output, many lines.
  std::string big;
  while (big.size() < (1 << 20)) big += "some ordinary log line here\n";
  big += "service dropbear running\n";
  CheckResult hit = EvaluateCheck(Spec("x", 0, "^service dropbear"),
                                  Exec(0, big));
  EXPECT_EQ(hit.verdict, Verdict::kPass);
  CheckResult miss = EvaluateCheck(Spec("x", 0, "^zzz$"), Exec(0, big));
  EXPECT_EQ(miss.verdict, Verdict::kFail);
  EXPECT_LE(hit.output_excerpt.size(), kExcerptBytes);
  // The excerpt keeps the end of the output.
  EXPECT_THAT(hit.output_excerpt, HasSubstr("dropbear running"));
}

TEST(EvaluateCheck, PathologicalPatternOnLongOutputIsAnsweredCorrectly) {
  // Exponential for a backtracking matcher; linear for RE2 (the time is a
  // bench figure, harness/bench/console_bench).
  std::string xs(256 * 1024, 'x');
  EXPECT_EQ(EvaluateCheck(Spec("x", 0, "(x+x+)+y"), Exec(0, xs)).verdict,
            Verdict::kFail);
  EXPECT_EQ(EvaluateCheck(Spec("x", 0, "(x+x+)+y"), Exec(0, xs + "y")).verdict,
            Verdict::kPass);
}

TEST(EvaluateCheck, BackreferenceIsAnErrorThatSaysSo) {
  CheckResult r = EvaluateCheck(Spec("x", 0, "(a)\\1"), Exec(0, "aa"));
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_THAT(r.reason, HasSubstr("backreferences"));
}

TEST(EvaluateCheck, TruncatedOutputIsMentioned) {
  ExecResult e = Exec(0, "partial");
  e.truncated = true;
  CheckResult r = EvaluateCheck(Spec("x", 0, "done"), e);
  EXPECT_THAT(r.reason, HasSubstr("truncated"));
}

TEST(EvaluateCheck, ExcerptIncludesStderrAndIsSanitized) {
  CheckResult r = EvaluateCheck(
      Spec("x"), Exec(1, "\x1b[1;31mred\x1b[0m\r\nbell\x07\n", "bad\xff\n"));
  EXPECT_EQ(r.output_excerpt, "red\nbell\n[stderr]\nbad?\n");
}

TEST(BoundedExcerpt, KeepsHeadAndTailWithinBound) {
  std::string text = "HEAD" + std::string(10000, 'x') + "TAIL";
  std::string e = BoundedExcerpt(text, 2048);
  EXPECT_LE(e.size(), 2048u);
  EXPECT_EQ(e.rfind("HEAD", 0), 0u);
  EXPECT_EQ(e.substr(e.size() - 4), "TAIL");
  EXPECT_THAT(e, HasSubstr("bytes omitted"));
  EXPECT_EQ(BoundedExcerpt("short"), "short");
  // Never cuts inside a UTF-8 character.
  std::string utf8;
  for (int i = 0; i < 2000; ++i) utf8 += "\xc3\xa9";  // é
  std::string u = BoundedExcerpt(utf8, 100);
  EXPECT_LE(u.size(), 100u);
  EXPECT_EQ(SanitizeForDisplay(u), u) << "cut produced invalid UTF-8";
}

TEST(RunCheck, RunsTimesAndNamesTheChannel) {
  FakeCommandChannel ch("serial");
  ch.OnExact("uname -s", Exec(0, "Linux\n"));
  CheckResult r = RunCheck(ch, Spec("uname -s", 0, "^Linux$"));
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(r.channel, "serial");
  EXPECT_GE(r.duration_s, 0);
  EXPECT_LT(r.duration_s, 1) << "measured, not copied from the fake";
  ASSERT_EQ(ch.calls().size(), 1u);
  EXPECT_EQ(ch.calls()[0].timeout, seconds(7));
}

TEST(RunCheck, ChannelTimeoutBecomesAnErrorVerdict) {
  FakeCommandChannel ch;
  ch.FailExact("sleep 60", "ssh root@127.0.0.1:2222: command 'sleep 60' "
                           "timed out after 7.0 s");
  CheckResult r = RunCheck(ch, Spec("sleep 60"));
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_THAT(r.reason, HasSubstr("timed out"));
  EXPECT_EQ(r.name, "probe");
  EXPECT_EQ(r.command, "sleep 60");
  EXPECT_EQ(r.channel, "ssh");
}

class InterruptingChannel : public CommandChannel {
 public:
  ExecResult Exec(const std::string&, Duration, size_t) override {
    throw Interrupted("SIGINT");
  }
  std::string name() const override { return "ssh"; }
};

TEST(RunCheck, InterruptPropagates) {
  InterruptingChannel ch;
  EXPECT_THROW(RunCheck(ch, Spec("x")), Interrupted);
}

TEST(ExpandProfilePlaceholders, SubstitutesTheProfileValueLiterally) {
  std::map<std::string, std::string> f = {{"smbios.manufacturer", "VMware, Inc."},
                                          {"machine", "q35"}};
  EXPECT_EQ(ExpandProfilePlaceholders("^{{profile.smbios.manufacturer}}\\s*$", f),
            "^VMware, Inc\\.\\s*$");
  EXPECT_EQ(ExpandProfilePlaceholders("{{profile.machine}}/{{profile.machine}}", f), "q35/q35");
  EXPECT_EQ(ExpandProfilePlaceholders("no placeholder {2}", f), "no placeholder {2}");
  EXPECT_THROW(ExpandProfilePlaceholders("{{profile.nope}}", f), Error);
  // The expanded pattern matches the value and nothing looser.
  CheckSpec spec = ExpandCheckForProfile(
      Spec("cat /sys/class/dmi/id/sys_vendor", 0, "^{{profile.smbios.manufacturer}}\\s*$"), f);
  EXPECT_EQ(EvaluateCheck(spec, Exec(0, "VMware, Inc.\n")).verdict, Verdict::kPass);
  EXPECT_EQ(EvaluateCheck(spec, Exec(0, "VMware, IncX\n")).verdict, Verdict::kFail);
  EXPECT_EQ(EvaluateCheck(spec, Exec(0, "QEMU\n")).verdict, Verdict::kFail);
}

TEST(RunChecksTest, WithoutAChannelEveryCheckIsAnErrorSayingWhy) {
  CheckSpec a;
  a.name = "a";
  a.run = "true";
  auto results = RunChecks(nullptr, {a, a}, {}, {}, nullptr);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].verdict, Verdict::kError);
  EXPECT_NE(results[0].reason.find("no way into the guest"), std::string::npos);
  EXPECT_EQ(results[1].channel, "none");
}

TEST(RunChecksTest, ExpandsProfileFieldsRedactsSecretsAndKeepsGoingAfterAnError) {
  FakeCommandChannel ch("serial");
  ch.OnExact("cat /sys/class/dmi/id/sys_vendor", {0, "Microsoft Corporation\n", "", false, 0});
  ch.OnExact("echo $PW", {0, "pw=hunter2\n", "", false, 0});
  ch.FailExact("dies", "connection lost while running command");
  CheckSpec vendor;
  vendor.name = "vendor";
  vendor.run = "cat /sys/class/dmi/id/sys_vendor";
  vendor.expect.stdout_matches = "^{{profile.smbios.manufacturer}}";
  CheckSpec leaks;
  leaks.name = "leaks";
  leaks.run = "echo $PW";
  CheckSpec dies;
  dies.name = "dies";
  dies.run = "dies";
  std::vector<std::string> steps;
  auto results = RunChecks(&ch, {dies, vendor, leaks},
                           {{"smbios.manufacturer", "Microsoft Corporation"}}, {"hunter2"},
                           [&](const std::string& s) { steps.push_back(s); });
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].verdict, Verdict::kError);
  EXPECT_EQ(results[1].verdict, Verdict::kPass) << results[1].reason;
  EXPECT_EQ(results[1].channel, "serial");
  EXPECT_EQ(results[2].output_excerpt.find("hunter2"), std::string::npos) << results[2].output_excerpt;
  EXPECT_EQ(steps, (std::vector<std::string>{"check dies", "check vendor", "check leaks"}));
}

// Issue 25: the command was reported as written, secrets and all.
TEST(RunChecksTest, TheCommandIsRedactedInTheResult) {
  FakeCommandChannel ch("ssh");
  ch.OnExact("echo hunter2 | passwd --stdin root", {0, "ok\n", "", false, 0});
  CheckSpec pw;
  pw.name = "password";
  pw.run = "echo hunter2 | passwd --stdin root";
  auto results = RunChecks(&ch, {pw}, {}, {"hunter2"}, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].command, "echo ******** | passwd --stdin root");
  auto none = RunChecks(nullptr, {pw}, {}, {"hunter2"}, nullptr);
  EXPECT_THAT(none[0].command, Not(HasSubstr("hunter2")));
}

// The reason quotes the stdout that matched a forbidden pattern.
TEST(RunChecksTest, ReasonQuotingStdoutIsRedacted) {
  FakeCommandChannel ch("ssh");
  ch.OnExact("cat /etc/motd",
             {0, "welcome, your password is hunter2\n", "", false, 0});
  CheckSpec motd;
  motd.name = "motd";
  motd.run = "cat /etc/motd";
  motd.expect.stdout_not_matches = "password is \\S+";
  auto results = RunChecks(&ch, {motd}, {}, {"hunter2"}, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict, Verdict::kFail);
  EXPECT_THAT(results[0].reason, HasSubstr("password is ********"));
  EXPECT_THAT(results[0].reason, Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace bootgate
