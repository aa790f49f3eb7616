// Fakes of the SSH seam for unit tests of the logic that logs in (retry,
// fallback to serial...): a connector that follows a script of outcomes and
// sessions whose commands are answered by a FakeCommandChannel.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "ssh/ssh_client.h"

namespace bootgate {

/// An SshSession answering Exec from a FakeCommandChannel.
class FakeSshSession : public SshSession {
 public:
  explicit FakeSshSession(std::string host_key_sha256 = "SHA256:fake",
                          std::string host_key_type = "ssh-ed25519")
      : host_key_sha256_(std::move(host_key_sha256)),
        host_key_type_(std::move(host_key_type)),
        commands_("ssh") {}
  ExecResult Exec(const std::string& command, Duration timeout,
                  size_t max_output_bytes = 1 << 20) override {
    return commands_.Exec(command, timeout, max_output_bytes);
  }
  std::string host_key_sha256() const override { return host_key_sha256_; }
  std::string host_key_type() const override { return host_key_type_; }
  /// Script the session's commands here.
  FakeCommandChannel& commands() { return commands_; }

 private:
  std::string host_key_sha256_;
  std::string host_key_type_;
  FakeCommandChannel commands_;
};

/// What one scripted Connect does.
struct FakeConnectOutcome {
  enum class Kind { kConnectError, kAuthError, kSuccess };
  Kind kind = Kind::kSuccess;
  std::string message = "connection refused";
  /// Time the attempt takes on the FakeClock (cut to the attempt timeout).
  Duration cost{};
};

/// A connector that plays a script of outcomes, one per Connect, then
/// succeeds forever after. Advances `clock` (if given) by each attempt's cost.
class FakeSshConnector : public SshConnector {
 public:
  explicit FakeSshConnector(FakeClock* clock = nullptr) : clock_(clock) {}

  void Push(FakeConnectOutcome outcome) { script_.push_back(outcome); }
  /// Pushes `n` connect errors, each taking `cost`.
  void FailTimes(int n, Duration cost = {},
                 const std::string& message = "connection refused");
  /// Pushes an authentication refusal.
  void FailAuth(const std::string& message = "permission denied");
  /// Sets the script used when the queue is empty (default: success).
  void set_default(FakeConnectOutcome outcome) { default_ = outcome; }

  std::unique_ptr<SshSession> Connect(const SshTarget& target,
                                      Duration attempt_timeout) override;

  int attempts() const { return static_cast<int>(attempt_timeouts_.size()); }
  const std::vector<Duration>& attempt_timeouts() const {
    return attempt_timeouts_;
  }

 private:
  FakeClock* clock_;
  std::deque<FakeConnectOutcome> script_;
  FakeConnectOutcome default_;
  std::vector<Duration> attempt_timeouts_;
};

}  // namespace bootgate
