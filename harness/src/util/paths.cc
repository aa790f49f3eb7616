#include "util/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "util/error.h"
#include "util/fs.h"
#include "util/version.h"

namespace bootgate {
namespace fs = std::filesystem;

namespace {

bool IsDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

const char* Env(const char* name) {
  const char* v = getenv(name);
  return v && *v ? v : nullptr;
}

}  // namespace

DataDir FindDataDir(const std::string& exe) {
  if (exe.empty()) return {};
  for (fs::path d = fs::path(exe).parent_path(); !d.empty();
       d = d.parent_path()) {
    std::error_code ec;
    if (fs::is_regular_file(d / "CMakeLists.txt", ec) &&
        IsDir(d / "scenarios" / "profiles") && IsDir(d / "images"))
      return {d.string(), true};
    fs::path share = d / "share" / "bootgate";
    if (IsDir(share / "scenarios" / "profiles")) return {share.string(), false};
    if (d == d.root_path()) break;
  }
  return {};
}

DataDir CurrentDataDir() {
  if (const char* d = Env("BOOTGATE_DATA_DIR")) return {d, false};
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? DataDir{} : FindDataDir(exe.string());
}

std::string DefaultStateDir() {
  if (const char* s = Env("BOOTGATE_STATE_DIR")) return s;
  if (const char* x = Env("XDG_RUNTIME_DIR"))
    return std::string(x) + "/bootgate";
  return "/tmp/bootgate-" + std::to_string(getuid());
}

std::string DefaultCacheDir() {
  if (const char* s = Env("BOOTGATE_CACHE_DIR")) return s;
  if (const char* x = Env("XDG_CACHE_HOME"))
    return std::string(x) + "/bootgate";
  if (const char* h = Env("HOME")) return std::string(h) + "/.cache/bootgate";
  // A name under /tmp that another local user can take first (with a
  // planted KVM verdict or image in it): created private, or refused.
  std::string dir = "/tmp/bootgate-" + std::to_string(getuid()) + "-cache";
  try {
    EnsurePrivateDirectory(dir);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (the cache dir falls back to it because HOME is unset: set "
                "BOOTGATE_CACHE_DIR or XDG_CACHE_HOME to a directory of your own)");
  }
  return dir;
}

std::string XdgStateDirFrom(const char* xdg_state_home, const char* home) {
  if (xdg_state_home && xdg_state_home[0] == '/')
    return std::string(xdg_state_home) + "/bootgate";
  if (home && *home) return std::string(home) + "/.local/state/bootgate";
  return "";
}

std::string ReportsRootFor(const DataDir& data,
                           const std::string& xdg_state_dir) {
  // Only an installed bootgate moves them: a source tree, or a binary that
  // found no data of its own, keeps the quick start's reports/ here.
  if (data.source_tree || data.path.empty() || xdg_state_dir.empty())
    return "reports";
  return xdg_state_dir + "/reports";
}

std::string DefaultReportsRoot() {
  return ReportsRootFor(
      CurrentDataDir(),
      XdgStateDirFrom(getenv("XDG_STATE_HOME"), getenv("HOME")));
}

std::string ImageCacheFor(const char* env_value, const DataDir& data,
                          const std::string& cache_dir) {
  if (env_value && *env_value) return env_value;
  if (data.source_tree) return data.path + "/images/.cache";
  return cache_dir + "/images";
}

std::string DefaultImageCacheDir() {
  return ImageCacheFor(getenv("BOOTGATE_IMAGE_CACHE"), CurrentDataDir(),
                       DefaultCacheDir());
}

std::string ExpandImageCache(const std::string& path,
                             const std::string& image_cache) {
  static constexpr std::string_view kVar = "${BOOTGATE_IMAGE_CACHE}";
  std::string out;
  size_t from = 0;
  for (size_t at; (at = path.find(kVar, from)) != std::string::npos;
       from = at + kVar.size())
    out += path.substr(from, at - from) + image_cache;
  return out + path.substr(from);
}

const char* BootgateVersion() { return kBootgateVersion; }

}  // namespace bootgate
