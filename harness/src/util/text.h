// Small text helpers shared by several stages.
#pragma once

#include <string>
#include <string_view>

namespace bootgate {

/// Standard base64 (RFC 4648) with padding.
std::string Base64(std::string_view data);
/// Escapes a string for inclusion inside a JSON string literal (no quotes).
std::string JsonEscape(std::string_view s);

}  // namespace bootgate
