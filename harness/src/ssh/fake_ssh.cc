#include "ssh/fake_ssh.h"

#include <algorithm>

namespace bootgate {

void FakeSshConnector::FailTimes(int n, Duration cost,
                                 const std::string& message) {
  for (int i = 0; i < n; ++i) {
    Push({FakeConnectOutcome::Kind::kConnectError, message, cost});
  }
}

void FakeSshConnector::FailAuth(const std::string& message) {
  Push({FakeConnectOutcome::Kind::kAuthError, message, {}});
}

std::unique_ptr<SshSession> FakeSshConnector::Connect(
    const SshTarget& target, Duration attempt_timeout) {
  attempt_timeouts_.push_back(attempt_timeout);
  FakeConnectOutcome outcome = default_;
  if (!script_.empty()) {
    outcome = script_.front();
    script_.pop_front();
  }
  if (clock_) clock_->Advance(std::min(outcome.cost, attempt_timeout));
  const std::string context = "ssh " + target.Describe();
  switch (outcome.kind) {
    case FakeConnectOutcome::Kind::kConnectError:
      throw SshConnectError(context, outcome.message);
    case FakeConnectOutcome::Kind::kAuthError:
      throw SshAuthError(context, outcome.message);
    case FakeConnectOutcome::Kind::kSuccess:
      break;
  }
  return std::make_unique<FakeSshSession>();
}

}  // namespace bootgate
