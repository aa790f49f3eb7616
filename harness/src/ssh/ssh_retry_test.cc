// Unit tests of ConnectWithRetry's policy, driven by FakeSshConnector and a
// FakeClock (no real waiting, no network).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "ssh/fake_ssh.h"
#include "ssh/ssh_client.h"

namespace bootgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

struct RetryFixture : ::testing::Test {
  FakeClock clock;
  FakeSshConnector connector{&clock};
  SshTarget target;
  std::vector<Duration> sleeps;
  SleepFunction sleep = [this](Duration d) {
    sleeps.push_back(d);
    clock.Advance(d);
  };
  RetryFixture() { target.port = 2222; }
};

TEST_F(RetryFixture, SucceedsAfterConnectErrors) {
  connector.FailTimes(3, seconds(1));
  auto session = ConnectWithRetry(connector, target, seconds(5),
                                  clock.Now() + seconds(60), clock, nullptr,
                                  sleep);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->name(), "ssh");
  EXPECT_EQ(connector.attempts(), 4);
  ASSERT_EQ(sleeps.size(), 3u);
  for (Duration d : sleeps) {
    EXPECT_GE(d, milliseconds(200));
    EXPECT_LE(d, milliseconds(500));
  }
}

TEST_F(RetryFixture, FirstAttemptSuccessDoesNotSleep) {
  auto session = ConnectWithRetry(connector, target, seconds(5),
                                  clock.Now() + seconds(60), clock, nullptr,
                                  sleep);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(connector.attempts(), 1);
  EXPECT_TRUE(sleeps.empty());
}

TEST_F(RetryFixture, GivesUpAtDeadlineNamingAttemptsAndLastError) {
  connector.set_default({FakeConnectOutcome::Kind::kConnectError,
                         "Connection refused", seconds(2)});
  const TimePoint start = clock.Now();
  try {
    ConnectWithRetry(connector, target, seconds(5), start + seconds(10), clock,
                     nullptr, sleep);
    FAIL() << "expected an Error";
  } catch (const SshAuthError&) {
    FAIL() << "a connect failure must not become an auth error";
  } catch (const Error& e) {
    std::string msg = e.what();
    // 2 s per attempt + 0.3 s backoff: attempts start at 0, 2.3, 4.6, 6.9,
    // 9.2 (the last ends at 11.2 > deadline; none starts after it).
    EXPECT_EQ(connector.attempts(), 5);
    EXPECT_THAT(msg, HasSubstr("5 attempts"));
    EXPECT_THAT(msg, HasSubstr("Connection refused"));
    EXPECT_THAT(msg, HasSubstr("root@127.0.0.1:2222"));
  }
  EXPECT_LE(clock.Now() - start, seconds(12));
  EXPECT_GE(clock.Now() - start, seconds(10));
}

TEST_F(RetryFixture, AttemptTimeoutIsCutToTimeLeftButNotBelowOneSecond) {
  connector.set_default({FakeConnectOutcome::Kind::kConnectError, "timeout",
                         seconds(100)});
  EXPECT_THROW(ConnectWithRetry(connector, target, seconds(5),
                                clock.Now() + seconds(7), clock, nullptr,
                                sleep),
               Error);
  // First attempt: 5 s (7 left). Then 1.7 s left after backoff -> 1.7 s.
  ASSERT_EQ(connector.attempts(), 2);
  EXPECT_EQ(connector.attempt_timeouts()[0], seconds(5));
  EXPECT_EQ(connector.attempt_timeouts()[1], milliseconds(1700));

  FakeSshConnector late(&clock);
  late.set_default({FakeConnectOutcome::Kind::kConnectError, "x", {}});
  EXPECT_THROW(ConnectWithRetry(late, target, seconds(5),
                                clock.Now() - seconds(1), clock, nullptr,
                                sleep),
               Error);
  ASSERT_EQ(late.attempts(), 1) << "at least one attempt, even when late";
  EXPECT_EQ(late.attempt_timeouts()[0], seconds(1));
}

TEST_F(RetryFixture, AuthErrorIsNotRetried) {
  connector.FailTimes(2);
  connector.FailAuth("permission denied (publickey)");
  try {
    ConnectWithRetry(connector, target, seconds(5), clock.Now() + seconds(60),
                     clock, nullptr, sleep);
    FAIL() << "expected SshAuthError";
  } catch (const SshAuthError& e) {
    EXPECT_THAT(e.what(), HasSubstr("permission denied"));
  }
  EXPECT_EQ(connector.attempts(), 3);
  EXPECT_EQ(sleeps.size(), 2u);
}

TEST_F(RetryFixture, CancelBeforeFirstAttemptThrowsInterrupted) {
  CancelToken cancel;
  cancel.Cancel(SIGINT);
  EXPECT_THROW(ConnectWithRetry(connector, target, seconds(5),
                                clock.Now() + seconds(60), clock, &cancel,
                                sleep),
               Interrupted);
  EXPECT_EQ(connector.attempts(), 0);
}

TEST_F(RetryFixture, CancelBetweenAttemptsStopsRetrying) {
  CancelToken cancel;
  connector.set_default({FakeConnectOutcome::Kind::kConnectError, "refused",
                         milliseconds(10)});
  SleepFunction cancelling_sleep = [&](Duration d) {
    clock.Advance(d);
    if (connector.attempts() == 2) cancel.Cancel(SIGTERM);
  };
  try {
    ConnectWithRetry(connector, target, seconds(5), clock.Now() + seconds(60),
                     clock, &cancel, cancelling_sleep);
    FAIL() << "expected Interrupted";
  } catch (const Interrupted& e) {
    EXPECT_EQ(e.signal_name(), "SIGTERM");
  }
  EXPECT_EQ(connector.attempts(), 2);
}

TEST(RetryRealSleep, DefaultSleepHonoursCancelAndRealTime) {
  // With the real clock and the default sleep: a cancel set from another
  // thread ends the backoff loop promptly.
  SystemClock clock;
  FakeSshConnector connector;
  connector.set_default(
      {FakeConnectOutcome::Kind::kConnectError, "refused", {}});
  SshTarget target;
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(700));
    cancel.Cancel(SIGINT);
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(ConnectWithRetry(connector, target, seconds(1),
                                clock.Now() + seconds(30), clock, &cancel),
               Interrupted);
  canceller.join();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, seconds(2));
  // ~300 ms backoff: 700 ms allow 2-4 attempts.
  EXPECT_GE(connector.attempts(), 2);
  EXPECT_LE(connector.attempts(), 4);
}

TEST(FakeCommandChannel, ExactBeatsRegexBoundsOutputAndRecordsCalls) {
  FakeCommandChannel ch("serial");
  ch.OnRegex("^echo", {0, "regex\n", "", false, 0});
  ch.OnExact("echo hi", {3, "hi\n", "err", false, 0.5});
  ch.FailRegex("sleep", "command 'sleep 9' timed out");
  ExecResult r = ch.Exec("echo hi", seconds(1));
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.stdout_text, "hi\n");
  EXPECT_EQ(ch.Exec("echo other", seconds(1)).stdout_text, "regex\n");
  ExecResult cut = ch.Exec("echo other", seconds(1), 3);
  EXPECT_EQ(cut.stdout_text, "reg");
  EXPECT_TRUE(cut.truncated);
  EXPECT_THROW(ch.Exec("sleep 9", seconds(1)), Error);
  EXPECT_THROW(ch.Exec("unknown", seconds(1)), Error);
  ASSERT_EQ(ch.calls().size(), 5u);
  EXPECT_EQ(ch.calls()[2].max_output_bytes, 3u);
  EXPECT_EQ(ch.name(), "serial");
}

TEST(ShellQuote, QuotesEveryByteSafely) {
  EXPECT_EQ(ShellQuote("/"), "'/'");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(rm -rf /); `x`"), "'$(rm -rf /); `x`'");
}

}  // namespace
}  // namespace bootgate
