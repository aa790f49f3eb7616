// Small text helpers shared by the metrics parsers (internal to metrics/).
#pragma once

#include <string_view>
#include <vector>

namespace bootgate {

/// Lines of `text` without their "\n" or "\r\n"; a final empty line is
/// dropped.
std::vector<std::string_view> SplitLines(std::string_view text);
/// Words separated by spaces or tabs.
std::vector<std::string_view> SplitWords(std::string_view text);
/// Parses a non-negative decimal integer or fraction ("123", "1.5").
bool ParseNonNegative(std::string_view word, double* out);
/// `text` without leading and trailing spaces, tabs, "\r".
std::string_view Trim(std::string_view text);

}  // namespace bootgate
