// Cancellation: SIGINT, SIGTERM and SIGHUP become a CancelToken that every
// wait loop polls, so the stack unwinds and RAII owners stop their VMs; a
// second signal forces the exit after killing every live resource.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "util/clock.h"
#include "util/resource_registry.h"

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

/// Routes SIGINT, SIGTERM and SIGHUP to `token` while alive, through a
/// self-pipe read by a watcher thread it owns; restores the previous
/// handlers on destruction. Ignores SIGPIPE (a dropped SSH peer must be an
/// error, not a crash). Only one may exist at a time.
///
/// The first signal cancels `token`: the stack unwinds through the RAII
/// owners, and the report says "interrupted". A second one within
/// `force_window` of the last (the clean path hangs, or the user means it)
/// forces the exit: every resource in `registry` is killed synchronously
/// (process groups, libvirt domains), a line on stderr says so, and the
/// process exits at once with 128 + the signal (130 for SIGINT, 143 for
/// SIGTERM), without a report.
class SignalRouter {
 public:
  explicit SignalRouter(CancelToken* token,
                        ResourceRegistry* registry = nullptr,
                        Duration force_window = std::chrono::seconds(5));
  ~SignalRouter();
  SignalRouter(const SignalRouter&) = delete;
  SignalRouter& operator=(const SignalRouter&) = delete;

 private:
  void Watch();
  [[noreturn]] void ForceExit(int sig);

  CancelToken* token_;
  ResourceRegistry* registry_;
  Duration force_window_;
  int pipe_[2] = {-1, -1};
  std::thread watcher_;
};

}  // namespace bootgate
