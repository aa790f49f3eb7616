#include "metrics/df.h"

#include <optional>
#include <string>
#include <vector>

#include "metrics/text_util.h"
#include "util/error.h"

namespace bootgate {
namespace {

const char kContext[] = "df -P -k output";

/// Bytes per block from a header word like "1024-blocks", "1K-blocks".
std::optional<double> BlockBytes(std::string_view word) {
  const std::string_view suffix = "-blocks";
  if (word.size() <= suffix.size() ||
      word.substr(word.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  std::string_view size = word.substr(0, word.size() - suffix.size());
  double scale = 1;
  switch (size.back()) {
    case 'k': case 'K': scale = 1024; break;
    case 'M': scale = 1024.0 * 1024; break;
    case 'G': scale = 1024.0 * 1024 * 1024; break;
    default: break;
  }
  if (scale != 1) size.remove_suffix(1);
  double n = 0;
  if (!ParseNonNegative(size, &n) || n <= 0) return std::nullopt;
  return n * scale;
}

bool IsCapacity(std::string_view w) {
  if (w == "-") return true;
  double v = 0;
  return w.size() >= 2 && w.back() == '%' &&
         ParseNonNegative(w.substr(0, w.size() - 1), &v);
}

struct Row {
  std::string filesystem, mount;
  double blocks = 0, used = 0, avail = 0;
};

/// One data line, or nullopt if it does not have the POSIX shape.
std::optional<Row> ParseRow(std::string_view line) {
  // Word boundaries with positions, so that the mount keeps its spaces.
  std::vector<std::string_view> words = SplitWords(line);
  for (size_t i = 4; i < words.size(); ++i) {
    if (!IsCapacity(words[i])) continue;
    Row r;
    if (!ParseNonNegative(words[i - 3], &r.blocks) ||
        !ParseNonNegative(words[i - 2], &r.used) ||
        !ParseNonNegative(words[i - 1], &r.avail)) {
      continue;
    }
    const char* fs_end = words[i - 4].data() + words[i - 4].size();
    r.filesystem = std::string(line.data(), fs_end);
    const char* after = words[i].data() + words[i].size();
    r.mount = std::string(Trim(line.substr(after - line.data())));
    if (r.mount.empty()) return std::nullopt;
    return r;
  }
  return std::nullopt;
}

}  // namespace

DiskUsage ParseDfPosix(std::string_view text, std::string_view mount) {
  std::vector<std::string_view> lines = SplitLines(text);
  size_t i = 0;
  while (i < lines.size() && Trim(lines[i]).empty()) ++i;
  if (i == lines.size()) throw Error(kContext, "is empty");
  std::vector<std::string_view> header = SplitWords(lines[i]);
  if (header.empty() || header[0] != "Filesystem") {
    throw Error(kContext, "does not start with a 'Filesystem' header: '" +
                              std::string(lines[i].substr(0, 80)) + "'");
  }
  std::optional<double> block_bytes;
  for (std::string_view w : header) {
    if ((block_bytes = BlockBytes(w))) break;
  }
  if (!block_bytes) {
    throw Error(kContext, "has no '<size>-blocks' column in its header: '" +
                              std::string(lines[i].substr(0, 80)) + "'");
  }

  std::vector<Row> rows;
  std::string pending;  // a filesystem name wrapped onto its own line
  for (++i; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (Trim(line).empty()) continue;
    std::string joined;
    if (!pending.empty()) {
      joined = pending + " " + std::string(Trim(line));
      line = joined;
    }
    std::optional<Row> row = ParseRow(line);
    if (!row) {
      if (pending.empty() && SplitWords(line).size() == 1) {
        pending = std::string(Trim(line));
        continue;
      }
      throw Error(kContext, "has a line that is not 'filesystem blocks used "
                            "available capacity mount': '" +
                                std::string(line.substr(0, 120)) + "'");
    }
    pending.clear();
    rows.push_back(std::move(*row));
  }
  if (!pending.empty()) {
    throw Error(kContext, "ends in the middle of a line ('" + pending + "')");
  }
  if (rows.empty()) throw Error(kContext, "has a header but no data line");

  const Row* chosen = nullptr;
  for (const Row& r : rows) {
    if (r.mount == mount) chosen = &r;  // the last one is the visible mount
  }
  if (!chosen && rows.size() == 1) chosen = &rows[0];
  if (!chosen) {
    std::string seen;
    for (const Row& r : rows) seen += (seen.empty() ? "" : ", ") + r.mount;
    throw Error(kContext, "has no line for mount '" + std::string(mount) +
                              "' (it lists " + seen + ")");
  }
  const double to_mib = *block_bytes / (1024.0 * 1024.0);
  DiskUsage d;
  d.filesystem = chosen->filesystem;
  d.mount = chosen->mount;
  d.size_mib = chosen->blocks * to_mib;
  d.used_mib = chosen->used * to_mib;
  d.avail_mib = chosen->avail * to_mib;
  return d;
}

}  // namespace bootgate
