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
/// The file's final mode is `mode` less the process umask (as for open(2));
/// the content is written into a file created 0600, so a secret (mode 0600)
/// is never readable by others, not even for a moment.
void WriteFileAtomic(const fs::path& path, std::string_view content, mode_t mode = 0666);

/// This process's umask, read without changing it.
mode_t ProcessUmask();

/// Mode for files that hold secrets (a rendered kickstart, keys).
inline constexpr mode_t kSecretFileMode = 0600;

/// Makes `dir` a private directory of this user: creates it 0700 (parents
/// as needed) or, if it exists, checks with lstat that it is a real
/// directory (not a symlink), owned by this user, and not writable by group
/// or others. Throws Error naming what is wrong otherwise, so a directory
/// planted in /tmp by another local user is never used.
void EnsurePrivateDirectory(const std::string& dir);

/// What makes `dir` unfit to trust ("" if nothing): not there, a symbolic
/// link, not a directory, owned by another user, or writable by group or
/// others (checked with lstat; nothing is created).
std::string PrivateDirectoryProblem(const std::string& dir);

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
