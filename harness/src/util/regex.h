// Regular expressions: every pattern bootgate matches (scenario patterns on
// guest output, internal parsing) is RE2, which matches in time linear in
// the input and never recurses on it, whatever the pattern and the guest
// print. Syntax: docs/scenarios.md ("Patterns").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootgate {

/// How `^` and `$` match: at the ends of the text only (kText) or also at
/// every line break (kLines, checks' stdout).
enum class RegexLines { kText, kLines };

/// "" when `source` is a valid pattern; otherwise why not, in a sentence
/// that names a construct RE2 does not support (backreferences, lookahead
/// and lookbehind, possessive repetition, ECMAScript's \u, \c escapes...)
/// as such and says what to write instead where there is an equivalent.
std::string RegexError(std::string_view source,
                       RegexLines lines = RegexLines::kText);

/// One compiled pattern. Copies share the compiled program (immutable,
/// thread-safe).
class Regex {
 public:
  /// The empty pattern (matches everywhere).
  Regex() : Regex("", "empty pattern") {}
  /// Throws Error(`what`, RegexError(...)) when `source` is invalid.
  Regex(std::string_view source, std::string_view what,
        RegexLines lines = RegexLines::kText);
  /// True if the pattern matches somewhere in `text`.
  bool Search(std::string_view text) const;
  /// The leftmost match and its capture groups (groups[0] is the whole
  /// match, groups[i] group i; an unset group is empty). nullopt: no match.
  std::optional<std::vector<std::string_view>> Find(
      std::string_view text) const;
  /// `text` with every match replaced by `rewrite` (\0 the match, \1...\9
  /// its groups).
  std::string ReplaceAll(std::string_view text, std::string_view rewrite) const;
  const std::string& source() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// Several patterns matched in one pass over the text (RE2::Set). Copies
/// share the compiled set.
class RegexSet {
 public:
  /// Throws Error(`what` + "[i]", ...) naming the first invalid pattern.
  RegexSet(const std::vector<std::string>& sources, std::string_view what);
  /// The lowest index of a pattern that matches somewhere in `text`.
  std::optional<size_t> FirstMatch(std::string_view text) const;
  /// Indexes of every pattern that matches somewhere in `text`, ascending.
  std::vector<size_t> AllMatches(std::string_view text) const;
  size_t size() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace bootgate
