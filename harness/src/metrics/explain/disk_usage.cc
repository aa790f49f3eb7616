#include "metrics/explain/disk_usage.h"

#include <algorithm>

#include "metrics/text_util.h"

namespace bootgate {
namespace {

void SortLargestFirst(std::vector<SizedItem>* items) {
  std::stable_sort(
      items->begin(), items->end(),
      [](const SizedItem& a, const SizedItem& b) { return a.mib > b.mib; });
}

// "name size" lines, size in `unit_bytes`.
std::vector<SizedItem> ParseNameSize(std::string_view text, double unit_bytes) {
  std::vector<SizedItem> items;
  for (std::string_view line : SplitLines(text)) {
    std::vector<std::string_view> words = SplitWords(line);
    double size = 0;
    if (words.size() != 2 || !ParseNonNegative(words[1], &size)) continue;
    items.push_back(
        {std::string(words[0]), size * unit_bytes / (1024.0 * 1024.0)});
  }
  SortLargestFirst(&items);
  return items;
}

}  // namespace

std::vector<SizedItem> ParseDuKib(std::string_view text, std::string_view mount,
                                  double* total_mib) {
  std::vector<SizedItem> items;
  if (total_mib) *total_mib = 0;
  for (std::string_view line : SplitLines(text)) {
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    double kib = 0;
    if (!ParseNonNegative(line.substr(0, tab), &kib)) continue;
    std::string_view path = line.substr(tab + 1);
    if (path.empty()) continue;
    if (path == mount) {
      if (total_mib) *total_mib = kib / 1024.0;
      continue;
    }
    items.push_back({std::string(path), kib / 1024.0});
  }
  SortLargestFirst(&items);
  return items;
}

std::vector<SizedItem> ParseDpkgSizes(std::string_view text) {
  return ParseNameSize(text, 1024);
}

std::vector<SizedItem> ParseRpmSizes(std::string_view text) {
  return ParseNameSize(text, 1);
}

}  // namespace bootgate
