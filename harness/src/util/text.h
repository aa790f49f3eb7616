// Small text helpers shared by several stages.
#pragma once

#include <string>
#include <string_view>

namespace bootgate {

/// Standard base64 (RFC 4648) with padding.
std::string Base64(std::string_view data);

}  // namespace bootgate
