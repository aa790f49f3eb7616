// Small text helpers shared by several stages.
#pragma once

#include <string>
#include <string_view>

namespace bootgate {

/// Standard base64 (RFC 4648) with padding.
std::string Base64(std::string_view data);

/// `bytes` bytes from the system's CSPRNG, as lowercase hex (a per-run
/// token that another local process cannot guess). Throws Error if the
/// generator fails.
std::string RandomHex(size_t bytes);

}  // namespace bootgate
