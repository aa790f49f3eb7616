// Secrets (SSH passwords, libvirt URIs' credentials...) must never reach a
// report, a log or an error message. Every text that leaves bootgate and may
// contain one passes through Redact with the run's list of secrets.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bootgate {

/// The mask that replaces a secret.
inline constexpr std::string_view kRedactedMask = "********";

/// `text` with every occurrence of each non-empty secret replaced by
/// kRedactedMask. Occurrences that overlap or touch (even of different
/// secrets) become one mask, so no part of any secret survives.
std::string Redact(std::string_view text,
                   const std::vector<std::string>& secrets);

}  // namespace bootgate
