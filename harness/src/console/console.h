// Stage 3 of the pipeline: wait for login. The serial console of a booting
// guest is read and stamped on one thread (each chunk with its host receive
// time, on the same monotonic clock as t0), and split, sanitised, kept in a
// bounded buffer, logged to disk (redacted, bounded) and matched against
// boot milestones on another, so that no amount of output or matching
// delays a stamp. WaitFor matches the login prompt and fail patterns (RE2,
// all in one pass). The serial shell (runner/serial_shell.h) logs in over it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "console/console_log.h"
#include "console/line_splitter.h"
#include "result/timeline.h"
#include "scenario/scenario.h"
#include "util/byte_stream.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/regex.h"

namespace bootgate {

/// A compiled pattern with a name ("login", "kernel-panic", ...).
struct Pattern {
  std::string name;
  std::string source;
  Regex regex;
  /// Throws Error naming the pattern when `source` is not valid RE2.
  static Pattern Compile(std::string name, const std::string& source);
};

/// True if `pattern` matches somewhere in `line` (already sanitised).
bool MatchesLine(const Pattern& pattern, std::string_view line);

/// Patterns matched together, in one pass over each line (RE2::Set); when
/// several match, the first in order wins.
class PatternSet {
 public:
  explicit PatternSet(std::vector<Pattern> patterns);
  /// Index of the first pattern matching somewhere in `line`.
  std::optional<size_t> FirstMatch(std::string_view line) const;
  const Pattern& operator[](size_t i) const { return patterns_[i]; }
  size_t size() const { return patterns_.size(); }

 private:
  std::vector<Pattern> patterns_;
  RegexSet set_;
};

/// What ended a wait.
struct WaitOutcome {
  enum Kind { kMatched, kEof, kTimeout, kSilence, kCancelled } kind = kTimeout;
  int pattern_index = -1;  ///< index into the patterns given, when kMatched
  std::string pattern_name;
  std::string line;  ///< the matching line, sanitised
  double t_s = 0;    ///< receive time of the match, seconds after t0
};

struct ConsoleOptions {
  size_t max_line_bytes = 4096;
  size_t max_bytes_kept = 4 << 20;  ///< lines kept in memory (a tail beyond)
  std::vector<PhaseMarker> milestones;  ///< first match of each is recorded
  /// Raw bytes, secrets redacted as they are written; log_path + ".part"
  /// until Stop() (ConsoleLogWriter), bounded by log_bounds.
  std::string log_path;
  std::string
      timed_log_path;  ///< "[  12.345] line" per sanitised line; the same
  LogBounds log_bounds;
  bool echo = false;           ///< print sanitised lines to stderr live
  std::string echo_prefix;
  /// Secrets replaced by "********" in the live echo and in both logs,
  /// before any byte reaches the disk (a guest may echo what was typed at
  /// it).
  std::vector<std::string> secrets;
};

/// Owns the reader thread of one serial console. Destroying it stops the
/// thread and moves the logs into place.
class Console {
 public:
  Console(ByteStream* stream, const Clock* clock, TimePoint t0,
          ConsoleOptions options);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  /// Starts reading. Call once.
  void Start();
  /// Stops reading and finalises the log files (idempotent).
  void Stop();

  /// Returns the position after the last line received so far; pass it to
  /// WaitFor to see only later output.
  uint64_t Cursor() const;

  /// Waits until a line at or after `*cursor` (or the current partial line)
  /// matches one of `patterns`, the stream ends, `deadline` passes, no byte
  /// arrives for `silence` (if > 0), or `cancel` fires. Advances `*cursor`
  /// past the matched line.
  /// A growing partial line is matched whole each time it changes (it is
  /// bounded by max_line_bytes, and RE2 is linear).
  WaitOutcome WaitFor(const PatternSet& patterns, uint64_t* cursor,
                      TimePoint deadline, Duration silence,
                      const CancelToken* cancel);

  /// Sanitised lines received at or after `cursor` (complete ones).
  std::vector<ConsoleLine> LinesSince(uint64_t cursor) const;
  /// The last `n` sanitised lines (including the partial one).
  std::vector<std::string> Tail(size_t n) const;
  /// Milestones seen so far, in order.
  std::vector<Milestone> milestones() const;
  /// Seconds after t0 of the last byte received (0 if none).
  double last_byte_s() const;
  uint64_t bytes_received() const;
  /// Writes to the guest's console (serial fallback login).
  void Write(std::string_view bytes);

 private:
  void ReadLoop();
  void OnLine(std::string_view raw, double t_s);
  double Since(TimePoint t) const;

  ByteStream* stream_;
  const Clock* clock_;
  // Reads and stamps stream_ on its own thread from construction on, so the
  // reader below (splitting, sanitising, milestones, logs) never delays a
  // stamp.
  std::unique_ptr<StampingByteStream> stamped_;
  TimePoint t0_;
  ConsoleOptions options_;
  std::vector<Pattern> milestone_patterns_;
  std::optional<RegexSet> milestone_set_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ConsoleLine> lines_;  // guarded by mu_
  uint64_t first_seq_ = 0;         // sequence number of lines_.front()
  size_t bytes_kept_ = 0;
  std::string partial_;            // sanitised partial line
  double partial_t_s_ = 0;
  uint64_t partial_version_ = 0;
  std::vector<Milestone> milestones_;
  std::vector<bool> milestone_seen_;
  bool eof_ = false;
  bool stop_ = false;
  double last_byte_s_ = 0;
  uint64_t bytes_received_ = 0;

  LineSplitter splitter_;  // reader thread only
  std::unique_ptr<ConsoleLogWriter> raw_log_;
  std::unique_ptr<ConsoleLogWriter> timed_log_;
  std::thread reader_;
  bool finalized_ = false;
};

}  // namespace bootgate
