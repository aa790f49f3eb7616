// The one UTF-8 decoder: every sanitiser and escaper (util/sanitize.h,
// util/escape.h) validates guest and scenario text through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bootgate {

/// U+FFFD REPLACEMENT CHARACTER, UTF-8 encoded.
inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";

/// Decodes the UTF-8 sequence at `text[i]` (i < text.size()) into `*cp` and
/// returns its length in bytes, or 0 if the bytes there are not valid UTF-8:
/// a stray or truncated byte, an overlong form, a surrogate or a code point
/// above U+10FFFF. `*cp` is set only on success.
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* cp);

/// True for a UTF-8 continuation byte (10xxxxxx): no character starts there.
inline bool IsUtf8Continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// Appends code point `cp` (at most U+10FFFF) UTF-8 encoded.
void AppendUtf8(std::string& out, uint32_t cp);

}  // namespace bootgate
