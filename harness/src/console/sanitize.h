// The guest is untrusted: nothing it prints reaches the user's terminal
// before passing through here.
#pragma once

#include <string>
#include <string_view>

namespace bootgate {

/// Removes terminal escape sequences (CSI, OSC, DCS, single ESC codes) and
/// control characters except tab, and replaces invalid UTF-8 with U+FFFD.
/// The result is safe to print on a terminal and to put in a report.
std::string SanitizeForTerminal(std::string_view bytes);

}  // namespace bootgate
