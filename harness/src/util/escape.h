// Escaping of text for the formats bootgate writes: XML (JUnit, libvirt
// domain XML), HTML, JSON string literals (install templates) and YAML
// scalars (cloud-init). Every reporter and template renderer escapes through
// here; invalid UTF-8 is handled by util/utf8.h, terminal output by
// util/sanitize.h.
#pragma once

#include <string>
#include <string_view>

namespace bootgate {

/// Replaces bytes that are not valid UTF-8 with U+FFFD and drops code points
/// that XML 1.0 forbids (C0 controls except tab/LF/CR, U+FFFE, U+FFFF).
std::string SanitizeXmlText(std::string_view text);

/// The entity XmlEscape writes for "'": "&#39;" (also valid in HTML 4) or
/// "&apos;" (XML's named entity, as libvirt writes it).
enum class Apostrophe { kNumeric, kNamed };
/// SanitizeXmlText plus escaping of & < > " ' (valid in text and attributes).
std::string XmlEscape(std::string_view text,
                      Apostrophe apostrophe = Apostrophe::kNumeric);
/// XmlEscape for attribute values: also encodes tab, LF and CR so that
/// parsers do not normalise them to spaces.
std::string XmlAttrEscape(std::string_view text);
/// Same rules; HTML and XML escaping are identical for our needs.
inline std::string HtmlEscape(std::string_view text) { return XmlEscape(text); }

/// Escapes a string for inclusion inside a JSON string literal (no quotes).
/// Throws if `s` is not valid UTF-8.
std::string JsonEscape(std::string_view s);

/// `s` as a YAML double-quoted scalar, quotes included: '"' and '\' are
/// backslash-escaped and a newline becomes "\n".
std::string YamlQuote(std::string_view s);

/// `text` with every byte that is not an ASCII letter, digit, '_' or one of
/// `also_allowed` replaced by '_' (Prometheus metric names, file ids).
std::string ToIdentifier(std::string_view text,
                         std::string_view also_allowed = "");

}  // namespace bootgate
