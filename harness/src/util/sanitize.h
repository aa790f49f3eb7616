// The guest is untrusted: nothing it prints reaches the user's terminal or a
// report before passing through here. The console stage sanitises each line,
// the check stage its command output, the progress printer what it shows.
// (Escaping for a target format is util/escape.h; both share util/utf8.h.)
#pragma once

#include <string>
#include <string_view>

namespace bootgate {

/// Removes terminal escape sequences (CSI, OSC, DCS, single ESC codes) and
/// control characters except tab, and replaces invalid UTF-8 with U+FFFD.
/// The result is safe to print on a terminal and to put in a report.
std::string SanitizeForTerminal(std::string_view bytes);

/// Multi-line text fit for reports and terminals: SanitizeForTerminal's
/// rules, but "\n" is kept and each invalid UTF-8 byte becomes '?'.
std::string SanitizeForDisplay(std::string_view text);

}  // namespace bootgate
