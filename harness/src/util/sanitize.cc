#include "util/sanitize.h"

#include <cstdint>

#include "util/utf8.h"

namespace bootgate {
namespace {

// Index just past the escape sequence whose ESC is at s[i].
size_t SkipEscape(std::string_view s, size_t i) {
  const size_t n = s.size();
  ++i;
  if (i >= n) return n;
  char kind = s[i];
  if (kind == '[') {  // CSI: parameters then a final byte 0x40..0x7E
    ++i;
    while (i < n && !(static_cast<uint8_t>(s[i]) >= 0x40 &&
                      static_cast<uint8_t>(s[i]) <= 0x7E))
      ++i;
    return i + 1;
  }
  if (kind == ']' || kind == 'P' || kind == '_' || kind == '^' || kind == 'X') {
    // OSC/DCS/APC/PM/SOS: until BEL or ST (ESC \).
    ++i;
    while (i < n) {
      if (s[i] == '\a') return i + 1;
      if (s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\') return i + 2;
      ++i;
    }
    return n;
  }
  if (kind == '(' || kind == ')' || kind == '*' || kind == '+' || kind == '#' ||
      kind == '%') {
    return i + 2;  // charset designation: one more byte
  }
  return i + 1;  // two-byte escape
}

std::string Sanitize(std::string_view s, bool keep_newlines,
                     std::string_view replacement) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c == 0x1B) {  // ESC
      i = SkipEscape(s, i);
      continue;
    }
    if (c == '\t' || (c == '\n' && keep_newlines)) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    // C1 control characters (U+0080..U+009F) act as escapes on some terminals.
    if (len == 0 || (cp >= 0x80 && cp <= 0x9F)) {
      out += replacement;
      ++i;
      continue;
    }
    out.append(s.data() + i, len);
    i += len;
  }
  return out;
}

}  // namespace

std::string SanitizeForTerminal(std::string_view bytes) {
  return Sanitize(bytes, /*keep_newlines=*/false, kUtf8Replacement);
}

std::string SanitizeForDisplay(std::string_view text) {
  return Sanitize(text, /*keep_newlines=*/true, "?");
}

}  // namespace bootgate
