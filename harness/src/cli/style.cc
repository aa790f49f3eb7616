#include "cli/style.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace bootgate {

bool UseColor(bool is_tty, bool no_color_flag, const char* no_color_env,
              const char* term) {
  if (!is_tty || no_color_flag) return false;
  // no-color.org: set and not empty disables colour, whatever its value.
  if (no_color_env && *no_color_env) return false;
  return !(term && std::strcmp(term, "dumb") == 0);
}

bool UseColorFor(FILE* out, bool no_color_flag) {
  return UseColor(isatty(fileno(out)) != 0, no_color_flag, getenv("NO_COLOR"),
                  getenv("TERM"));
}

std::string Paint(const std::string& word, const std::string& text,
                  bool color) {
  if (!color) return text;
  const char* code = "33";  // yellow: error, interrupted, skipped, info
  if (word == "PASS" || word == "OK") code = "32";
  if (word == "FAIL" || word == "MISSING" || word == "BROKEN") code = "31";
  return std::string("\x1b[") + code + "m" + text + "\x1b[0m";
}

}  // namespace bootgate
