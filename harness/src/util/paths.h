// Where bootgate finds its data (profiles, scenarios, templates, image
// recipes) and where it writes (state, caches, reports, history), for a
// binary run from a build tree inside a checkout (the quick start) and for an
// installed one (/usr/bin/bootgate with /usr/share/bootgate). Never a path
// compiled in: an installed bootgate works without a source tree.
#pragma once

#include <string>

namespace bootgate {

/// bootgate's data directory and what kind it is.
struct DataDir {
  std::string path;  ///< "" when none was found
  /// A checkout (scenarios/profiles and images/ at its top): outputs keep
  /// their source-tree defaults (reports/ in the current directory,
  /// images/.cache beside the recipes).
  bool source_tree = false;
};

/// The data directory of a binary at `exe`: the nearest ancestor of its
/// directory that is a checkout (CMakeLists.txt, scenarios/profiles, images/),
/// else the nearest <ancestor>/share/bootgate holding scenarios/profiles. Looks
/// at the file system only.
DataDir FindDataDir(const std::string& exe);

/// $BOOTGATE_DATA_DIR (taken as installed data), else FindDataDir of this
/// process's executable.
DataDir CurrentDataDir();

/// The state dir for live runs' scratch space: $BOOTGATE_STATE_DIR, else
/// $XDG_RUNTIME_DIR/bootgate, else /tmp/bootgate-<uid>. Only named here:
/// Workspace and CleanLeftovers check it is private before using it.
std::string DefaultStateDir();

/// Cached host facts and images: $BOOTGATE_CACHE_DIR, else
/// $XDG_CACHE_HOME/bootgate, else ~/.cache/bootgate, else (no HOME)
/// /tmp/bootgate-<uid>-cache, created private or refused (Error with the fix)
/// when it is not a private directory of this user.
std::string DefaultCacheDir();

/// XDG state home of bootgate: `xdg_state_home`/bootgate when it is set and
/// absolute (the XDG spec ignores relative values), else
/// `home`/.local/state/bootgate, else "" (neither known). Pure.
std::string XdgStateDirFrom(const char* xdg_state_home, const char* home);

/// Where reports (`<root>/<run-id>`) and the history (`<root>/history.db`)
/// go by default: "reports" (relative to the current directory) for a source
/// tree, for no data dir or when no state dir is known, else
/// `xdg_state_dir`/reports (an installed bootgate). Pure.
std::string ReportsRootFor(const DataDir& data,
                           const std::string& xdg_state_dir);

/// ReportsRootFor the current data dir and environment.
std::string DefaultReportsRoot();

/// The image cache, which built images go to and which scenario paths name
/// as ${BOOTGATE_IMAGE_CACHE}: `env_value` when set, else images/.cache of a
/// source tree, else `cache_dir`/images. Pure.
std::string ImageCacheFor(const char* env_value, const DataDir& data,
                          const std::string& cache_dir);

/// ImageCacheFor the current environment, data dir and DefaultCacheDir().
std::string DefaultImageCacheDir();

/// Replaces every "${BOOTGATE_IMAGE_CACHE}" in `path` with `image_cache`.
/// Pure.
std::string ExpandImageCache(const std::string& path,
                             const std::string& image_cache);

/// The version CMake's project() declares (one string for --version,
/// reports and the package).
const char* BootgateVersion();

}  // namespace bootgate
