#include "util/redact.h"

namespace bootgate {

std::string Redact(std::string_view text,
                   const std::vector<std::string>& secrets) {
  // Mark every byte covered by some occurrence, searching the original text
  // (replacing one secret first could hide a longer, overlapping one).
  std::vector<bool> covered(text.size(), false);
  bool any = false;
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string_view::npos;
         pos = text.find(secret, pos + 1)) {
      for (size_t i = pos; i < pos + secret.size(); ++i) covered[i] = true;
      any = true;
    }
  }
  if (!any) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (!covered[i]) {
      out += text[i++];
      continue;
    }
    out += kRedactedMask;
    while (i < text.size() && covered[i]) ++i;
  }
  return out;
}

}  // namespace bootgate
