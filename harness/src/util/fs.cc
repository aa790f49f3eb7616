#include "util/fs.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

#include <openssl/evp.h>

#include "util/error.h"

namespace bootgate {

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), ErrnoMessage("cannot read file", errno));
  std::string s((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path.string(), "error while reading file");
  return s;
}

mode_t ProcessUmask() {
  // umask(2) can only be read by setting it, which races with other threads
  // creating files; /proc/self/status says it without changing it.
  try {
    std::string status = ReadFile("/proc/self/status");
    size_t at = status.find("\nUmask:");
    if (at != std::string::npos) return static_cast<mode_t>(std::stoul(status.substr(at + 8), nullptr, 8));
  } catch (...) {
  }
  return 022;
}

void WriteFileAtomic(const fs::path& path, std::string_view content, mode_t mode) {
  // mkstemp makes 0600 and fchmod ignores the umask: apply it here, so a
  // report is as readable as any file the user creates, and no more.
  mode &= ~ProcessUmask();
  fs::path dir = path.parent_path().empty() ? "." : path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) throw Error(path.string(), ErrnoMessage("cannot create file", errno));
  auto fail = [&](const char* what) {
    int err = errno;
    close(fd);
    unlink(tmpl.c_str());
    throw Error(path.string(),
                ErrnoMessage(std::string(what) +
                                 " (nothing was written; the old file, if "
                                 "any, is intact)",
                             err));
  };
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write file");
    }
    off += static_cast<size_t>(n);
  }
  if (fchmod(fd, mode) != 0) fail("cannot set file mode");
  if (fsync(fd) != 0) fail("cannot flush file to disk");
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmpl.c_str());
    errno = err;
    throw Error(path.string(), ErrnoMessage("cannot close file", err));
  }
  if (rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmpl.c_str());
    throw Error(path.string(), ErrnoMessage("cannot rename file into place", err));
  }
}

bool LooksLikeIso(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(32769);
  char id[5] = {};
  in.read(id, 5);
  return in.gcount() == 5 && std::string(id, 5) == "CD001";
}

std::string PrivateDirectoryProblem(const std::string& dir) {
  struct stat st{};
  if (lstat(dir.c_str(), &st) != 0) return ErrnoMessage("cannot stat the directory", errno);
  if (S_ISLNK(st.st_mode))
    return "is a symbolic link; refusing it (another user may have planted it): remove it or "
           "set XDG_RUNTIME_DIR or BOOTGATE_STATE_DIR to a directory of your own";
  if (!S_ISDIR(st.st_mode)) return "exists and is not a directory";
  if (st.st_uid != getuid())
    return "is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
           std::to_string(getuid()) + "); refusing it: remove it, or set XDG_RUNTIME_DIR or BOOTGATE_STATE_DIR";
  if (st.st_mode & 022)
    return fmt::format("is writable by group or others (mode {:o}); refusing it: chmod 700 it, "
                       "or set XDG_RUNTIME_DIR or BOOTGATE_STATE_DIR",
                       st.st_mode & 07777);
  return "";
}

void EnsurePrivateDirectory(const std::string& dir) {
  fs::path p(dir);
  std::error_code ec;
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw Error(dir, ErrnoMessage("cannot create the directory", errno));
  if (std::string problem = PrivateDirectoryProblem(dir); !problem.empty()) throw Error(dir, problem);
}

TempDir::TempDir(const fs::path& parent, const std::string& prefix) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  std::string tmpl = (parent / (prefix + "XXXXXX")).string();
  if (!mkdtemp(tmpl.data()))
    throw Error(parent.string(), ErrnoMessage("cannot create directory", errno));
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
std::string Hex(const unsigned char* p, unsigned n) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += hex[p[i] >> 4];
    out += hex[p[i] & 0xf];
  }
  return out;
}
// OpenSSL's EVP digest; libssh already links libcrypto.
struct Digest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Digest() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~Digest() { EVP_MD_CTX_free(ctx); }
  void Update(const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); }
  std::string Final() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    return Hex(md, n);
  }
};
}  // namespace

std::string Sha256Hex(std::string_view data) {
  Digest s;
  s.Update(data.data(), data.size());
  return s.Final();
}

std::string Sha256File(const fs::path& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path.string(), ErrnoMessage("cannot read file", errno));
  Digest s;
  std::array<uint8_t, 1 << 16> buf;
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      throw Error(path.string(), ErrnoMessage("cannot read file", err));
    }
    s.Update(buf.data(), static_cast<size_t>(n));
  }
  close(fd);
  return s.Final();
}

}  // namespace bootgate
