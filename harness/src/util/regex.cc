#include "util/regex.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "util/error.h"

namespace bootgate {
namespace {

RE2::Options MakeOptions() {
  RE2::Options o;
  o.set_log_errors(false);  // errors are returned, never printed
  // Room for large fail-pattern sets; the DFA falls back to the NFA (still
  // linear) when it runs out.
  o.set_max_mem(int64_t{64} << 20);
  return o;
}

// RE2's multi-line flag, as a prefix: its Options offer multi-line matching
// only together with POSIX syntax, which drops (?:...) and lazy repetition.
std::string WithLines(std::string_view source, RegexLines lines) {
  return (lines == RegexLines::kLines ? "(?m)" : "") + std::string(source);
}

// Why RE2 refused `source`, in terms of what the user wrote.
std::string Explain(const RE2& re, std::string_view source) {
  const std::string& arg = re.error_arg();
  const std::string head = "not a valid RE2 pattern (" + re.error() + ")";
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      if (arg.size() == 2 && arg[1] >= '1' && arg[1] <= '9')
        return "backreferences (" + arg +
               ") are not supported: patterns are RE2, which matches in linear "
               "time and has no backreferences";
      if (arg == "\\u")
        return "\\u escapes are ECMAScript, not RE2: write \\x{00e9} for "
               "U+00E9";
      if (arg == "\\c")
        return "\\c control escapes are not supported in RE2: write \\x01 for "
               "Ctrl-A";
      if (arg == "\\Z") return "\\Z is not supported in RE2: write \\z or $";
      return head;
    case RE2::ErrorBadPerlOp: {
      size_t at = source.find(arg);
      std::string_view rest =
          at == std::string_view::npos ? "" : source.substr(at);
      if (arg == "(?=" || arg == "(?!" || rest.rfind("(?<=", 0) == 0 ||
          rest.rfind("(?<!", 0) == 0)
        return "lookahead and lookbehind (" +
               std::string(rest.substr(0, arg == "(?<" ? 4 : 3)) +
               "...) are not supported: patterns are RE2, which matches in "
               "linear time";
      if (arg == "(?<")
        return "named groups are written (?P<name>...) in RE2, not "
               "(?<name>...)";
      return head;
    }
    case RE2::ErrorRepeatOp:
      if (arg.size() == 2 && arg[1] == '+')
        return "possessive repetition (" + arg + ") is not supported in RE2";
      return head;
    case RE2::ErrorRepeatSize:
      return "repetition counts above 1000 are not supported in RE2 (" + arg +
             ")";
    case RE2::ErrorPatternTooLarge:
      return "the pattern is too large (it would compile to more than 64 MiB)";
    default:
      return head;
  }
}

}  // namespace

std::string RegexError(std::string_view source, RegexLines lines) {
  RE2 re(WithLines(source, lines), MakeOptions());
  return re.ok() ? "" : Explain(re, source);
}

struct Regex::Impl {
  Impl(std::string_view s, RegexLines lines)
      : source(s), re(WithLines(s, lines), MakeOptions()) {}
  std::string source;
  RE2 re;
};

Regex::Regex(std::string_view source, std::string_view what, RegexLines lines) {
  auto impl = std::make_shared<Impl>(source, lines);
  if (!impl->re.ok())
    throw Error(std::string(what), "invalid regular expression '" +
                                       std::string(source) +
                                       "': " + Explain(impl->re, source));
  impl_ = std::move(impl);
}

bool Regex::Search(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()),
                           impl_->re);
}

std::optional<std::vector<std::string_view>> Regex::Find(
    std::string_view text) const {
  const int n = impl_->re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(n));
  if (!impl_->re.Match(re2::StringPiece(text.data(), text.size()), 0,
                       text.size(), RE2::UNANCHORED, groups.data(), n))
    return std::nullopt;
  std::vector<std::string_view> out;
  for (const auto& g : groups)
    out.emplace_back(g.data() ? g.data() : "", g.size());
  return out;
}

std::string Regex::ReplaceAll(std::string_view text,
                              std::string_view rewrite) const {
  std::string out(text);
  RE2::GlobalReplace(&out, impl_->re,
                     re2::StringPiece(rewrite.data(), rewrite.size()));
  return out;
}

const std::string& Regex::source() const { return impl_->source; }

struct RegexSet::Impl {
  Impl() : set(MakeOptions(), RE2::UNANCHORED) {}
  RE2::Set set;
  std::vector<Regex> each;  // for the DFA's out-of-memory fallback
};

RegexSet::RegexSet(const std::vector<std::string>& sources,
                   std::string_view what) {
  auto impl = std::make_shared<Impl>();
  for (size_t i = 0; i < sources.size(); ++i) {
    std::string name = std::string(what) + "[" + std::to_string(i) + "]";
    impl->each.emplace_back(sources[i], name);  // throws with the explanation
    std::string error;
    if (impl->set.Add(re2::StringPiece(sources[i]), &error) < 0)
      throw Error(name,
                  "invalid regular expression '" + sources[i] + "': " + error);
  }
  if (!impl->set.Compile())
    throw Error(std::string(what),
                "the patterns are too large to compile together");
  impl_ = std::move(impl);
}

std::vector<size_t> RegexSet::AllMatches(std::string_view text) const {
  std::vector<size_t> out;
  if (impl_->each.empty()) return out;
  const re2::StringPiece piece(text.data(), text.size());
  std::vector<int> hits;
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if (impl_->set.Match(piece, &hits, &info)) {
    for (int h : hits) out.push_back(static_cast<size_t>(h));
    std::sort(out.begin(), out.end());
  } else if (info.kind != RE2::Set::kNoError) {
    // The set's DFA ran out of memory: match one by one (each RE2 falls
    // back to its NFA, still linear).
    for (size_t i = 0; i < impl_->each.size(); ++i)
      if (impl_->each[i].Search(text)) out.push_back(i);
  }
  return out;
}

std::optional<size_t> RegexSet::FirstMatch(std::string_view text) const {
  if (impl_->each.empty()) return std::nullopt;
  // Most lines match nothing: the plain test stops at the first match and
  // skips collecting indexes.
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if (!impl_->set.Match(re2::StringPiece(text.data(), text.size()), nullptr,
                        &info) &&
      info.kind == RE2::Set::kNoError)
    return std::nullopt;
  std::vector<size_t> all = AllMatches(text);
  if (all.empty()) return std::nullopt;
  return all.front();
}

size_t RegexSet::size() const { return impl_->each.size(); }

}  // namespace bootgate
