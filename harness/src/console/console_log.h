// A console log on disk, as the bytes arrive: secrets are masked before any
// byte is written (so a killed run leaves none behind), and the file stays
// bounded (its head, a marker saying how much was dropped, and its tail)
// whatever the guest prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/redact.h"

namespace bootgate {

/// What a console log keeps: the first `head_bytes` and the last
/// `tail_bytes` (up to twice that while the run goes on).
struct LogBounds {
  size_t head_bytes = size_t{8} << 20;
  size_t tail_bytes = size_t{8} << 20;
};

/// The line that stands for dropped output between a log's head and tail.
std::string DroppedMarker(uint64_t dropped_bytes);

/// Writes `path` + ".part" as bytes are given, redacted on the way
/// (StreamRedactor) and bounded (LogBounds); Finish() renames it to `path`.
/// The .part file never holds a secret and never more than head + marker +
/// 2 x tail bytes, also when the process dies mid-run.
class ConsoleLogWriter {
 public:
  /// Throws Error naming the file if it cannot be created.
  ConsoleLogWriter(std::string path, std::vector<std::string> secrets,
                   LogBounds bounds);
  ~ConsoleLogWriter();
  ConsoleLogWriter(const ConsoleLogWriter&) = delete;
  ConsoleLogWriter& operator=(const ConsoleLogWriter&) = delete;

  /// Appends `bytes`. A write error is remembered and fails Finish().
  void Write(std::string_view bytes);
  /// Flushes what the redactor held back, cuts the tail to its bound and
  /// renames the file into place. False (and the .part file removed) on any
  /// write error. Idempotent.
  bool Finish();
  /// Output bytes dropped between head and tail so far.
  uint64_t dropped_bytes() const { return dropped_; }

 private:
  void Append(std::string_view redacted);
  void Compact(size_t keep_tail);
  bool Put(std::string_view bytes);  // at the file's end

  std::string path_;
  StreamRedactor redactor_;
  LogBounds bounds_;
  int fd_ = -1;
  bool ok_ = true;
  bool finished_ = false;
  uint64_t head_ = 0;     // bytes of the head in the file
  uint64_t tail_ = 0;     // bytes after the head (and marker) in the file
  uint64_t marker_ = 0;   // length of the marker in the file (0: none yet)
  uint64_t dropped_ = 0;  // bytes dropped between head and tail
};

}  // namespace bootgate
