// Fuzzes the pattern engine with scenario-controlled patterns on
// guest-controlled text: input = pattern, NUL, text. Checks that a pattern
// RegexError accepts compiles (and one it refuses throws Error), that the
// one-pattern RegexSet agrees with Regex::Search, and that Find's match lies
// in the text. libFuzzer's -timeout (ci/fuzz.sh: 5 s) fails any input that
// takes more than linear time.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/error.h"
#include "util/regex.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  if (nul == std::string_view::npos) return 0;
  std::string_view pattern = in.substr(0, nul), text = in.substr(nul + 1);
  for (auto lines :
       {bootgate::RegexLines::kText, bootgate::RegexLines::kLines}) {
    const bool valid = bootgate::RegexError(pattern, lines).empty();
    try {
      bootgate::Regex re(pattern, "fuzz", lines);
      if (!valid) std::abort();
      const bool hit = re.Search(text);
      auto m = re.Find(text);
      if (hit != m.has_value()) std::abort();
      if (m && ((*m)[0].data() < text.data() ||
                (*m)[0].data() + (*m)[0].size() > text.data() + text.size()))
        std::abort();
      if (lines == bootgate::RegexLines::kText) {
        bootgate::RegexSet set({std::string(pattern)}, "fuzz");
        if (set.FirstMatch(text).has_value() != hit) std::abort();
      }
    } catch (const bootgate::Error&) {
      if (valid) std::abort();
    }
  }
  return 0;
}
