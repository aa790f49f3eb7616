#include "util/escape.h"

#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "util/utf8.h"

namespace bootgate {
namespace {

bool IsXmlChar(uint32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp == 0xFFFE || cp == 0xFFFF) return false;
  return cp <= 0x10FFFF;
}

}  // namespace

std::string SanitizeXmlText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) {
      out += kUtf8Replacement;
      ++i;
      continue;
    }
    if (IsXmlChar(cp)) out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string XmlEscape(std::string_view text, Apostrophe apostrophe) {
  std::string clean = SanitizeXmlText(text);
  const char* apos = apostrophe == Apostrophe::kNamed ? "&apos;" : "&#39;";
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += apos;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlAttrEscape(std::string_view text) {
  std::string escaped = XmlEscape(text);
  std::string out;
  out.reserve(escaped.size());
  for (char c : escaped) {
    switch (c) {
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string quoted = nlohmann::json(std::string(s)).dump();
  return quoted.substr(1, quoted.size() - 2);
}

std::string YamlQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string ToIdentifier(std::string_view text, std::string_view also_allowed) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                also_allowed.find(c) != std::string_view::npos;
    out += keep ? c : '_';
  }
  return out;
}

}  // namespace bootgate
