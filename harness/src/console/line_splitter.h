// Splits an untrusted serial byte stream into bounded lines. Pure and
// allocation-light: the hot path of every boot.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace bootgate {

/// Feeds bytes, calls `on_line` for each complete line (without its line
/// ending). "\n", "\r\n" and a lone "\r" end a line; a line longer than
/// `max_line_bytes` is cut there and continued as a new line, so memory stays
/// bounded whatever the guest prints.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes = 4096)
      : max_line_bytes_(max_line_bytes) {}

  /// `on_line(line)` is called for every line completed by `bytes`.
  template <typename F>
  void Feed(std::string_view bytes, F&& on_line);

  /// Bytes of the line not yet ended (e.g. a "login: " prompt).
  const std::string& partial() const { return partial_; }
  /// Ends the current partial line, if any (at EOF).
  template <typename F>
  void Flush(F&& on_line) {
    if (!partial_.empty()) on_line(std::string_view(partial_));
    partial_.clear();
  }

 private:
  size_t max_line_bytes_;
  std::string partial_;
  bool last_was_cr_ = false;
};

template <typename F>
void LineSplitter::Feed(std::string_view bytes, F&& on_line) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    if (last_was_cr_ && bytes[i] == '\n') {
      // "\r\n": the line already ended at "\r".
      ++i;
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = false;
    // Find the next line ending quickly; plain bytes are copied in bulk.
    const char* start = bytes.data() + i;
    size_t room = max_line_bytes_ - partial_.size();
    size_t scan = std::min(n - i, room);
    size_t j = 0;
    for (; j < scan; ++j) {
      char c = start[j];
      if (c == '\n' || c == '\r') break;
    }
    partial_.append(start, j);
    i += j;
    if (j == scan && partial_.size() >= max_line_bytes_) {
      on_line(std::string_view(partial_));
      partial_.clear();
      continue;
    }
    if (i < n) {
      last_was_cr_ = bytes[i] == '\r';
      ++i;
      on_line(std::string_view(partial_));
      partial_.clear();
    }
  }
}

}  // namespace bootgate
