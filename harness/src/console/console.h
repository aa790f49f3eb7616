// Stage 3 of the pipeline: wait for login. The serial console of a booting
// guest is read on its own thread, every line stamped with its host receive
// time (the same monotonic clock as t0), kept in a bounded buffer, logged to
// disk raw, and matched against the login prompt, fail patterns and boot
// milestones. The serial shell (runner/serial_shell.h) logs in over it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "console/line_splitter.h"
#include "result/timeline.h"
#include "scenario/scenario.h"
#include "util/byte_stream.h"
#include "util/cancel.h"
#include "util/clock.h"

namespace bootgate {

/// A compiled pattern with a name ("login", "kernel-panic", ...).
struct Pattern {
  std::string name;
  std::string source;
  std::regex regex;
  static Pattern Compile(std::string name, const std::string& source);
};

/// True if `pattern` matches somewhere in `line` (already sanitised).
bool MatchesLine(const Pattern& pattern, std::string_view line);

/// True if `pattern` matches in `line` at or after byte `from`, with the
/// byte before `from` visible to anchors (^, \b), as in the whole line.
/// Used to re-match a growing partial line at bounded cost.
bool MatchesFrom(const Pattern& pattern, std::string_view line, size_t from);

/// How far back from the previously matched end a growing partial line is
/// re-matched: a match up to this long is found as soon as it is complete.
inline constexpr size_t kPartialRematchBytes = 256;

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
  std::string log_path;        ///< raw bytes (secrets redacted); written as log_path + ".part"
  std::string timed_log_path;  ///< "[  12.345] line" per sanitised line
  bool echo = false;           ///< print sanitised lines to stderr live
  std::string echo_prefix;
  /// Secrets replaced by "********" in the live echo and in the finished
  /// logs (a guest may echo what was typed at it).
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
  WaitOutcome WaitFor(const std::vector<Pattern>& patterns, uint64_t* cursor,
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
  TimePoint t0_;
  ConsoleOptions options_;
  std::vector<Pattern> milestone_patterns_;

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
  std::ofstream raw_log_;
  std::ofstream timed_log_;
  std::thread reader_;
  bool finalized_ = false;
};

}  // namespace bootgate
