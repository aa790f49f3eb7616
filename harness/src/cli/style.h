// Colour on a terminal, the way users expect of a command-line tool: only
// when the output is a terminal that can show it, never with --no-color or
// a non-empty NO_COLOR (https://no-color.org).
#pragma once

#include <cstdio>
#include <string>

namespace bootgate {

/// Whether to colour output: `is_tty`, no `no_color_flag`, `no_color_env`
/// null or empty, and `term` not "dumb". Pure.
bool UseColor(bool is_tty, bool no_color_flag, const char* no_color_env,
              const char* term);

/// UseColor for `out` and this process's environment.
bool UseColorFor(FILE* out, bool no_color_flag);

/// `text` in the colour of the verdict or state word it starts with (PASS,
/// OK green; FAIL, MISSING, BROKEN red; anything else yellow), unchanged
/// when `color` is false. Pure.
std::string Paint(const std::string& word, const std::string& text, bool color);

}  // namespace bootgate
