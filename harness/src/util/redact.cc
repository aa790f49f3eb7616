#include "util/redact.h"

#include <algorithm>

namespace bootgate {

namespace {

// Marks every byte of `text` covered by some occurrence of a secret,
// searching the original text (replacing one secret first could hide a
// longer, overlapping one). False if there is none.
bool Cover(std::string_view text, const std::vector<std::string>& secrets,
           std::vector<bool>* covered) {
  covered->assign(text.size(), false);
  bool any = false;
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string_view::npos;
         pos = text.find(secret, pos + 1)) {
      for (size_t i = pos; i < pos + secret.size(); ++i) (*covered)[i] = true;
      any = true;
    }
  }
  return any;
}

std::string Mask(std::string_view text, const std::vector<bool>& covered) {
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

}  // namespace

std::string Redact(std::string_view text,
                   const std::vector<std::string>& secrets) {
  std::vector<bool> covered;
  if (!Cover(text, secrets, &covered)) return std::string(text);
  return Mask(text, covered);
}

StreamRedactor::StreamRedactor(std::vector<std::string> secrets)
    : secrets_(std::move(secrets)) {
  for (const auto& s : secrets_)
    hold_ = std::max(hold_, s.empty() ? 0 : s.size() - 1);
}

std::string StreamRedactor::Take(size_t n) {
  std::string_view head = std::string_view(pending_).substr(0, n);
  std::vector<bool> covered;
  std::string out =
      Cover(head, secrets_, &covered) ? Mask(head, covered) : std::string(head);
  pending_.erase(0, n);
  return out;
}

std::string StreamRedactor::Feed(std::string_view chunk) {
  pending_.append(chunk);
  if (pending_.size() <= hold_) return "";
  // An occurrence starting before the cut ends within pending_ (the cut
  // keeps back longest - 1 bytes), so it is whole here; one running across
  // the cut moves the cut to its end, so that no secret is split.
  size_t cut = pending_.size() - hold_;
  std::vector<bool> covered;
  if (Cover(pending_, secrets_, &covered))
    while (cut < pending_.size() && covered[cut] && covered[cut - 1]) ++cut;
  return Take(cut);
}

std::string StreamRedactor::Flush() { return Take(pending_.size()); }

}  // namespace bootgate
