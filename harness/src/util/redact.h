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

/// Redact for a stream cut into chunks at arbitrary points (a console log
/// written as it arrives): a secret split across two chunks is still masked.
/// Holds back the last (longest secret - 1) bytes until the next chunk shows
/// whether they start a secret; nothing held back or returned ever holds a
/// whole secret unmasked.
class StreamRedactor {
 public:
  explicit StreamRedactor(std::vector<std::string> secrets);
  /// Appends `chunk`; returns the redacted bytes that are now final.
  std::string Feed(std::string_view chunk);
  /// The rest, redacted (at the end of the stream).
  std::string Flush();
  /// Bytes held back so far.
  size_t held() const { return pending_.size(); }

 private:
  std::string Take(size_t n);
  std::vector<std::string> secrets_;
  size_t hold_ = 0;
  std::string pending_;
};

}  // namespace bootgate
