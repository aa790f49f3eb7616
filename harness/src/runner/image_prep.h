// Preparing what a VM boots, without ever modifying the user's image:
// building images from their recipe, format detection, throwaway overlays,
// NoCloud seed volumes and files read out of ISOs.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "metrics/sampler.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {

/// "qcow2" if the file starts with the qcow2 magic, else "raw".
std::string DetectDiskFormat(const std::string& path);

/// Runs an image recipe (argv, no shell) if set and returns the last line
/// it printed ("reference image up to date: ..."); throws Error with the
/// tail of its output if it fails, Interrupted when `cancel` fires (the
/// recipe and everything it started are killed first).
std::string RunRecipe(ProcessLauncher& launcher, const std::string& recipe,
                      double timeout_s = 600, const CancelToken* cancel = nullptr);

/// Runs each recipe at most once per bootgate process (thread-safe), so a
/// suite pays for a recipe's freshness check once, not once per VM.
class RecipeRunner {
 public:
  /// `cancel` (may be null) stops a running recipe.
  explicit RecipeRunner(ProcessLauncher* launcher, const CancelToken* cancel = nullptr)
      : launcher_(launcher), cancel_(cancel) {}
  /// Runs `recipe` unless it already ran in this process. Returns its last
  /// output line if it ran now, "" otherwise.
  std::string Ensure(const std::string& recipe);

 private:
  ProcessLauncher* launcher_;
  const CancelToken* cancel_;
  std::mutex mu_;
  std::set<std::string> done_;
};

/// Creates a qcow2 overlay at `overlay` backed by `base` (format `format`).
void CreateOverlay(ProcessLauncher& launcher, const std::string& base,
                   const std::string& format, const std::string& overlay);
/// Creates an empty qcow2 disk of `size_mib`.
void CreateBlankDisk(ProcessLauncher& launcher, const std::string& path,
                     int size_mib);
/// What a disk image takes on the host: `qemu-img info --backing-chain`
/// actual-size of the image and of every backing file under it.
HostDiskUsage MeasureHostDisk(ProcessLauncher& launcher, const std::string& path);

/// NoCloud seed: an ISO 9660 volume labelled "cidata" holding user-data and
/// meta-data, built with xorriso.
struct SeedContent {
  std::string hostname;
  std::string user = "root";
  std::vector<std::string> ssh_public_keys;
  std::string instance_id;
};
/// The cloud-config text for `content` (pure, tested).
std::string RenderUserData(const SeedContent& content);
std::string RenderMetaData(const SeedContent& content);
void MakeNoCloudSeed(ProcessLauncher& launcher, const SeedContent& content,
                     const std::string& work_dir, const std::string& out_iso);

/// Copies `iso_path` (a path inside the ISO) to `out`.
void ExtractFromIso(ProcessLauncher& launcher, const std::string& iso,
                    const std::string& iso_path, const std::string& out);

}  // namespace bootgate
