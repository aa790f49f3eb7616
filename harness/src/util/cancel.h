// Cancellation: SIGINT, SIGTERM and SIGHUP become a CancelToken that every
// wait loop polls, so the stack unwinds and RAII owners stop their VMs.
#pragma once

#include <atomic>
#include <string>

#include "util/clock.h"

namespace bootgate {

/// Set once by a signal (or by a test); read by every waiting loop.
class CancelToken {
 public:
  bool cancelled() const { return signal_.load() != 0; }
  /// Throws Interrupted if cancelled.
  void ThrowIfCancelled() const;
  void Cancel(int sig) { signal_.store(sig); }
  int signal() const { return signal_.load(); }
  std::string SignalName() const;

 private:
  std::atomic<int> signal_{0};
};

/// Sleeps up to `d`, waking early to throw Interrupted on cancellation
/// (`cancel` may be null).
void SleepCancellable(Duration d, const Clock& clock, const CancelToken* cancel);

/// Routes SIGINT, SIGTERM and SIGHUP to `token` while alive; restores the
/// previous handlers on destruction. Ignores SIGPIPE (a dropped SSH peer must
/// be an error, not a crash). Only one may exist at a time.
class SignalRouter {
 public:
  explicit SignalRouter(CancelToken* token);
  ~SignalRouter();
  SignalRouter(const SignalRouter&) = delete;
  SignalRouter& operator=(const SignalRouter&) = delete;
};

}  // namespace bootgate
