// Fuzzes what the console reader does with untrusted serial bytes, without
// threads: LineSplitter (bounded lines) -> SanitizeForTerminal -> the
// built-in login, fail and milestone patterns as one PatternSet (RE2::Set),
// checked against each pattern alone, with the same
// 4096-byte line bound the Console uses. Checks the invariants the rest of
// bootgate relies on: lines are bounded and newline-free, no byte is lost or
// invented, and sanitised text is printable UTF-8 without escape sequences.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console/console.h"
#include "console/line_splitter.h"
#include "scenario/scenario.h"
#include "util/sanitize.h"

namespace {

const size_t kMaxLineBytes = bootgate::ConsoleOptions{}.max_line_bytes;

const bootgate::PatternSet& Patterns() {
  static const bootgate::PatternSet patterns = [] {
    std::vector<bootgate::Pattern> p;
    p.push_back(bootgate::Pattern::Compile("login", bootgate::BootSpec{}.login_pattern));
    for (const auto& f : bootgate::DefaultFailPatterns())
      p.push_back(bootgate::Pattern::Compile(f.name, f.regex));
    for (const auto& m : bootgate::DefaultPhaseMarkers())
      p.push_back(bootgate::Pattern::Compile(m.phase, m.regex));
    return bootgate::PatternSet(std::move(p));
  }();
  return patterns;
}

// Printable UTF-8 (no C0/C1 controls but tab, no DEL, no ESC).
void CheckSanitised(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7F) std::abort();
      ++i;
      continue;
    }
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) std::abort();
    uint32_t cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xC0) != 0x80) std::abort();
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp >= 0x80 && cp <= 0x9F) std::abort();
    i += len;
  }
}

// Sanitised and matched whole, as Console::WaitFor does (complete and
// partial lines alike): the set's first match is the first pattern that
// matches alone.
void Match(std::string_view text) {
  const bootgate::PatternSet& set = Patterns();
  std::optional<size_t> first = set.FirstMatch(text);
  std::optional<size_t> alone;
  for (size_t i = 0; i < set.size() && !alone; ++i)
    if (bootgate::MatchesLine(set[i], text)) alone = i;
  if (first != alone) std::abort();
}

void Examine(std::string_view raw) {
  if (raw.size() > kMaxLineBytes) std::abort();
  std::string text = bootgate::SanitizeForTerminal(raw);
  CheckSanitised(text);
  Match(text);
}

void ExaminePartial(std::string_view raw) {
  if (raw.size() >= kMaxLineBytes) std::abort();
  std::string text = bootgate::SanitizeForTerminal(raw);
  CheckSanitised(text);
  Match(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks how the stream is cut into reads, so chunk
  // boundaries (e.g. between "\r" and "\n") are fuzzed too.
  size_t chunk = 1 + data[0] % 64;
  if (data[0] & 0x80) chunk *= 97;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  bootgate::LineSplitter splitter(kMaxLineBytes);
  size_t line_bytes = 0;
  auto on_line = [&](std::string_view line) {
    if (line.find_first_of("\r\n") != std::string_view::npos) std::abort();
    line_bytes += line.size();
    Examine(line);
  };
  size_t unexamined = 0;
  for (size_t off = 0; off < in.size(); off += chunk) {
    splitter.Feed(in.substr(off, chunk), on_line);
    // The console matches the partial line too (prompts have no newline).
    // Its waiter sees only the latest partial, so reads that arrive while it
    // matches are batched: examine after every read up to 64 bytes apart.
    unexamined += chunk;
    if (!splitter.partial().empty() && (unexamined >= 64 || off + chunk >= in.size())) {
      ExaminePartial(splitter.partial());
      unexamined = 0;
    }
  }
  // Every byte is in a line, the partial line, or was a line ending.
  size_t endings = 0;
  for (char c : in) endings += c == '\r' || c == '\n';
  if (line_bytes + splitter.partial().size() + endings != in.size()) std::abort();
  splitter.Flush(on_line);
  return 0;
}
