// Splits an untrusted serial byte stream into bounded lines. Pure and
// allocation-light: the hot path of every boot.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
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
  const size_t n = bytes.size();
  const char* data = bytes.data();
  // Next "\n" and "\r" at or after i, found with memchr (vectorised in libc)
  // and cached until passed: plain bytes are never looked at one by one.
  size_t next_nl = 0, next_cr = 0;
  bool nl_valid = false, cr_valid = false;
  auto find = [&](char c, size_t from) {
    const void* hit = std::memchr(data + from, c, n - from);
    return hit ? static_cast<size_t>(static_cast<const char*>(hit) - data) : n;
  };
  size_t i = 0;
  while (i < n) {
    if (last_was_cr_) {
      last_was_cr_ = false;
      if (data[i] == '\n') {
        // "\r\n": the line already ended at "\r".
        ++i;
        continue;
      }
    }
    if (!nl_valid || next_nl < i) next_nl = find('\n', i), nl_valid = true;
    if (!cr_valid || next_cr < i) next_cr = find('\r', i), cr_valid = true;
    const size_t eol = std::min(next_nl, next_cr);
    const size_t room = max_line_bytes_ - partial_.size();
    if (eol - i >= room) {
      // No line ending within the bound: cut the line here.
      partial_.append(data + i, room);
      i += room;
      on_line(std::string_view(partial_));
      partial_.clear();
      continue;
    }
    partial_.append(data + i, eol - i);
    if (eol == n) break;
    last_was_cr_ = data[eol] == '\r';
    i = eol + 1;
    on_line(std::string_view(partial_));
    partial_.clear();
  }
}

}  // namespace bootgate
