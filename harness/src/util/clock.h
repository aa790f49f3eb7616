// Clock seam: every timestamp bootgate reports comes from a Clock, so that
// logic can be tested with a FakeClock and real runs use one monotonic source.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace bootgate {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

/// Seconds as a double, the unit every `*_s` metric uses.
inline double ToSeconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}
inline Duration FromSeconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

/// Monotonic time plus wall time for reports.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic time; never goes backwards.
  virtual TimePoint Now() const = 0;
  /// Wall-clock time as an RFC 3339 UTC string with milliseconds.
  virtual std::string WallTimeRfc3339() const = 0;
  /// Wall-clock seconds since the Unix epoch.
  virtual double WallTimeUnix() const = 0;
};

/// Wall-clock Unix seconds of monotonic time point `t` (microsecond
/// resolution): maps a stamp onto host traces (strace -ttt, journald).
inline double WallTimeUnixAt(const Clock& clock, TimePoint t) {
  return clock.WallTimeUnix() - ToSeconds(clock.Now() - t);
}

/// The real clock: std::chrono::steady_clock (CLOCK_MONOTONIC).
class SystemClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::string WallTimeRfc3339() const override;
  double WallTimeUnix() const override;
};

/// A clock that moves only when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Advance(Duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  std::string WallTimeRfc3339() const override {
    return "2026-01-01T00:00:00.000Z";
  }
  double WallTimeUnix() const override { return 1767225600.0; }

 private:
  mutable std::mutex mu_;
  TimePoint now_{};
};

}  // namespace bootgate
