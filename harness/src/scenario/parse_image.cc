#include <unistd.h>

#include <filesystem>

#include "scenario/reader.h"
#include "util/fs.h"

namespace bootgate::scenario_internal {

void ParseImage(Reader& r, const json& j, const std::string& path,
                const std::string& base, ImageSpec* img, bool check_files) {
  if (!r.Object(j, path,
                {"iso", "disk", "format", "kernel", "initrd", "append",
                 "recipe", "fetch"}))
    return;
  r.String(j, path, "iso", &img->iso);
  r.String(j, path, "disk", &img->disk);
  r.String(j, path, "format", &img->disk_format);
  r.String(j, path, "kernel", &img->kernel);
  r.String(j, path, "initrd", &img->initrd);
  r.String(j, path, "append", &img->append);
  r.String(j, path, "recipe", &img->recipe);
  r.String(j, path, "fetch", &img->fetch);
  int kinds = !img->iso.empty() + !img->disk.empty() + !img->kernel.empty();
  if (kinds != 1) {
    r.Issue(path,
            "give exactly one of \"iso\", \"disk\" or \"kernel\" (with "
            "\"initrd\" and \"append\").");
  }
  if (!img->initrd.empty() && img->kernel.empty())
    r.Issue(path + "/initrd", "\"initrd\" needs \"kernel\".");
  if (!img->append.empty() && img->kernel.empty())
    r.Issue(path + "/append", "\"append\" needs \"kernel\".");
  if (!img->disk_format.empty()) {
    r.OneOf(path + "/format", img->disk_format, {"qcow2", "raw"});
    if (img->disk.empty())
      r.Issue(path + "/format", "\"format\" applies to \"disk\" only.");
  }
  img->iso = Resolve(base, img->iso);
  img->disk = Resolve(base, img->disk);
  img->kernel = Resolve(base, img->kernel);
  img->initrd = Resolve(base, img->initrd);
  img->recipe = Resolve(base, img->recipe);
  img->fetch = Resolve(base, img->fetch);
  if (check_files) {
    CheckFile(r, path + "/iso", img->iso, "ISO image", img->recipe, img->fetch);
    std::error_code ec;
    if (!img->iso.empty() && fs::is_regular_file(img->iso, ec) &&
        FileReadable(img->iso) && !LooksLikeIso(img->iso))
      r.Issue(path + "/iso",
              "'" + img->iso +
                  "' is not an ISO 9660 image (no CD001 "
                  "descriptor at byte 32769); for a disk image use "
                  "{\"disk\": ...} instead of {\"iso\": ...}.");
    CheckFile(r, path + "/disk", img->disk, "disk image", img->recipe,
              img->fetch);
    CheckFile(r, path + "/kernel", img->kernel, "kernel", img->recipe);
    CheckFile(r, path + "/initrd", img->initrd, "initrd", img->recipe);
    if (!img->recipe.empty() && access(img->recipe.c_str(), X_OK) != 0)
      r.Issue(path + "/recipe",
              "recipe '" + img->recipe + "' is missing or not executable.");
  }
}

}  // namespace bootgate::scenario_internal
