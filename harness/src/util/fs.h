// File helpers with the guarantees reports and logs need: atomic writes that
// never leave a truncated file behind, and RAII temp directories.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace bootgate {

namespace fs = std::filesystem;

/// Reads a whole file; throws Error naming the path if it cannot.
std::string ReadFile(const fs::path& path);

/// Writes `content` to a temp file beside `path`, fsyncs it and renames it
/// over `path`. On any failure (e.g. ENOSPC) the temp file is removed, `path`
/// keeps its old content (or stays absent) and an Error names the path.
void WriteFileAtomic(const fs::path& path, std::string_view content);

/// A directory removed with everything in it when the object dies, unless
/// Keep() was called.
class TempDir {
 public:
  /// Creates `<parent>/<prefix>XXXXXX`.
  TempDir(const fs::path& parent, const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void Keep() { keep_ = true; }

 private:
  fs::path path_;
  bool keep_ = false;
};

/// True if the file has an ISO 9660 primary volume descriptor ("CD001" at
/// byte 32769); qcow2, raw disks and random files do not.
bool LooksLikeIso(const fs::path& path);

/// Lowercase hex SHA-256 of a file's content (streaming; large files OK).
std::string Sha256File(const fs::path& path);
/// Lowercase hex SHA-256 of a string.
std::string Sha256Hex(std::string_view data);

}  // namespace bootgate
