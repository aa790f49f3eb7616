#include "console/sanitize.h"

#include <cstdint>

namespace bootgate {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of a valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8Length(std::string_view s, size_t i) {
  auto b = static_cast<uint8_t>(s[i]);
  size_t len;
  uint32_t min;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  uint32_t cp = b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    auto c = static_cast<uint8_t>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  // C1 control characters (U+0080..U+009F) act as escapes on some terminals.
  if (cp >= 0x80 && cp <= 0x9F) return 0;
  return len;
}

}  // namespace

std::string SanitizeForTerminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c == 0x1B) {  // ESC
      ++i;
      if (i >= n) break;
      char kind = s[i];
      if (kind == '[') {  // CSI: parameters then a final byte 0x40..0x7E
        ++i;
        while (i < n && !(static_cast<uint8_t>(s[i]) >= 0x40 &&
                          static_cast<uint8_t>(s[i]) <= 0x7E))
          ++i;
        ++i;
      } else if (kind == ']' || kind == 'P' || kind == '_' || kind == '^' ||
                 kind == 'X') {
        // OSC/DCS/APC/PM/SOS: until BEL or ST (ESC \).
        ++i;
        while (i < n) {
          if (s[i] == '\a') {
            ++i;
            break;
          }
          if (s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\') {
            i += 2;
            break;
          }
          ++i;
        }
      } else if (kind == '(' || kind == ')' || kind == '*' || kind == '+' ||
                 kind == '#' || kind == '%') {
        i += 2;  // charset designation: one more byte
      } else {
        ++i;  // two-byte escape
      }
      continue;
    }
    if (c == '\t') {
      out += '\t';
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      ++i;
      continue;
    }
    size_t len = Utf8Length(s, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(s.data() + i, len);
    i += len;
  }
  return out;
}

}  // namespace bootgate
