#include "runner/installer_id.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "util/error.h"

namespace bootgate {

namespace {

constexpr char kRpmPrefix[] = "photon-os-installer-";

// "2.10.1" -> {2, 10, 1}; nullopt unless dot-separated decimal numbers.
std::optional<std::vector<int>> ParseDotted(const std::string& text) {
  std::vector<int> parts;
  std::stringstream in(text);
  std::string piece;
  while (std::getline(in, piece, '.')) {
    if (piece.empty() || piece.size() > 6 ||
        !std::all_of(piece.begin(), piece.end(),
                     [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    parts.push_back(std::stoi(piece));
  }
  if (parts.size() < 2) return std::nullopt;
  return parts;
}

// photon-os-installer-<version>-<release>.<arch>.rpm -> <version>.
std::optional<InstallerVersion> FromRpmPath(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  if (base.rfind(kRpmPrefix, 0) != 0 || base.size() < 4 ||
      base.compare(base.size() - 4, 4, ".rpm") != 0)
    return std::nullopt;
  std::string rest = base.substr(sizeof(kRpmPrefix) - 1);
  size_t dash = rest.find('-');
  if (dash == std::string::npos) return std::nullopt;
  std::string text = rest.substr(0, dash);
  auto parts = ParseDotted(text);
  if (!parts) return std::nullopt;
  return InstallerVersion{*parts, text, path};
}

}  // namespace

bool InstallerVersion::AtLeast(int major, int minor) const {
  std::vector<int> want = {major, minor};
  return !std::lexicographical_compare(parts.begin(), parts.end(), want.begin(),
                                       want.end());
}

std::optional<InstallerVersion> ParsePhotonInstallerListing(
    const std::string& listing, std::vector<std::string>* warnings) {
  std::vector<InstallerVersion> found;
  std::stringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.pop_back();
    if (line.size() >= 2 && line.front() == '\'' && line.back() == '\'')
      line = line.substr(1, line.size() - 2);
    if (auto v = FromRpmPath(line)) found.push_back(*v);
  }
  if (found.empty()) return std::nullopt;
  std::sort(found.begin(), found.end(),
            [](const InstallerVersion& a, const InstallerVersion& b) {
              return a.parts < b.parts;
            });
  if (found.size() > 1 && warnings) {
    std::string all;
    for (const auto& v : found) all += (all.empty() ? "" : ", ") + v.text;
    warnings->push_back(
        "the ISO carries several photon-os-installer versions (" + all +
        "); assuming the highest, " + found.back().text);
  }
  return found.back();
}

std::optional<InstallerVersion> DetectPhotonInstaller(
    ProcessLauncher& launcher, const std::string& iso,
    std::vector<std::string>* warnings) {
  // -find from / so that an ISO without RPMS/ is an empty answer, not a
  // xorriso failure.
  CommandOutput o = RunCommand(launcher,
                               {"xorriso", "-indev", iso, "-find", "/", "-type",
                                "f", "-name", "photon-os-installer-*.rpm"},
                               std::chrono::seconds(120));
  if (!o.status.ok())
    throw Error(iso, "cannot list the installer ISO with xorriso (" +
                         o.status.Describe() +
                         "): " + o.stderr_text.substr(0, 400));
  return ParsePhotonInstallerListing(o.stdout_text, warnings);
}

namespace {

constexpr char kPackageTail[] = "/site-packages/photon_installer/installer.py";

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "usr/lib/python3.11/site-packages/photon_installer-2.2-py3.11.egg-info/
// PKG-INFO" (or a dist-info's METADATA).
bool IsInstallerMetadata(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return false;
  std::string file = path.substr(slash + 1);
  std::string dir = path.substr(0, slash);
  dir = dir.substr(dir.rfind('/') + 1);
  if (dir.rfind("photon_installer-", 0) != 0) return false;
  return (file == "PKG-INFO" && EndsWith(dir, ".egg-info")) ||
         (file == "METADATA" && EndsWith(dir, ".dist-info"));
}

std::string RecordedVersion(const std::string& metadata) {
  std::stringstream in(metadata);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Version:", 0) == 0) {
      std::string v = line.substr(8);
      v.erase(0, v.find_first_not_of(" \t"));
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
      return v;
    }
  return "";
}

// Quoted words in `text`, Python comments dropped.
std::vector<std::string> QuotedWords(const std::string& text) {
  std::vector<std::string> words;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '#') break;
      if (c != '\'' && c != '"') continue;
      size_t end = line.find(c, i + 1);
      if (end == std::string::npos) break;
      words.push_back(line.substr(i + 1, end - i - 1));
      i = end;
    }
  }
  return words;
}

// installer.py's `known_keys = { ... }` set, plus the per-arch variants
// 2.4 and later add in __init__ (`for key in [...]: for arch in [...]:
// self.known_keys.add(f'{key}_{arch}')`; up to 2.8 that mutates the class's
// own set, which _check_install_config reads).
std::set<std::string> KnownKeys(const std::string& installer_py,
                                const std::string& where) {
  size_t at = installer_py.find("known_keys = {");
  size_t end = at == std::string::npos ? at : installer_py.find('}', at);
  if (end == std::string::npos)
    throw Error(where,
                "has no `known_keys = {...}` set: cannot tell which "
                "kickstart keys this installer accepts; set "
                "install.config.format explicitly");
  auto words = QuotedWords(installer_py.substr(at, end - at));
  std::set<std::string> keys(words.begin(), words.end());
  size_t add = installer_py.find("known_keys.add(f'{key}_{arch}')");
  if (add != std::string::npos) {
    size_t k = installer_py.rfind("for key in [", add);
    size_t a = installer_py.rfind("for arch in [", add);
    if (k != std::string::npos && a != std::string::npos && k < a) {
      auto ks =
          QuotedWords(installer_py.substr(k, installer_py.find(']', k) - k));
      auto as =
          QuotedWords(installer_py.substr(a, installer_py.find(']', a) - a));
      for (const auto& key : ks)
        for (const auto& arch : as) keys.insert(key + "_" + arch);
    }
  }
  if (keys.empty())
    throw Error(where,
                "its known_keys set is empty or unreadable; set "
                "install.config.format explicitly");
  return keys;
}

// _add_defaults: `if 'bootmode' not in install_config:` and what follows
// up to the next blank line.
std::string BootmodeDefault(const std::string& installer_py) {
  size_t at = installer_py.find("if 'bootmode' not in install_config");
  if (at == std::string::npos) return "";
  size_t end = installer_py.find("\n\n", at);
  std::string block = installer_py.substr(
      at, end == std::string::npos ? std::string::npos : end - at);
  if (block.find("'dualboot'") != std::string::npos) return "dualboot";
  if (block.find("'efi'") != std::string::npos) return "efi";
  return "";
}

// A version group and the files that first appear in it (relative to the
// package dir), newest first; from `git ls-tree` of each upstream tag.
struct Fingerprint {
  const char* min;
  const char* max;  // "" for "or later"
  std::vector<std::string> files;
};
const std::vector<Fingerprint>& Fingerprints() {
  static const std::vector<Fingerprint> table = {
      {"2.9", "", {"plugins/__init__.py", "modules/m_services.py"}},
      {"2.8", "2.8", {"firstboot.sh", "modules/m_prepkgsinstall.py"}},
      {"2.7", "2.7", {"user.cfg", "stigenable.py"}},
      {"2.4", "2.6", {"generate_initrd.py", "tdnf.py"}},
      // 2.2 and 2.3 ship the same files; see below.
      {"2.2", "2.3", {"generate_initrd.sh"}},
  };
  return table;
}

}  // namespace

bool WantPhotonInstallerText(const std::string& path) {
  return EndsWith(path, kPackageTail) ||
         EndsWith(
             path,
             "/site-packages/photon_installer/modules/m_updatesshconfig.py") ||
         IsInstallerMetadata(path);
}

std::optional<PhotonInstaller> AnalyzePhotonInstaller(
    const InitramfsContents& initrd, std::string* why_not) {
  std::string installer_py;
  for (const auto& p : initrd.paths)
    if (EndsWith(p, kPackageTail)) {
      installer_py = p;
      break;
    }
  if (installer_py.empty()) {
    if (why_not)
      *why_not =
          "it holds no photon_installer package (no "
          "*/site-packages/photon_installer/installer.py among its " +
          std::to_string(initrd.paths.size()) + " files)";
    return std::nullopt;
  }
  PhotonInstaller in;
  in.package_dir = installer_py.substr(
      0, installer_py.size() - std::string("/installer.py").size());
  std::string where = "/" + installer_py;
  auto text = initrd.texts.find(installer_py);
  if (text == initrd.texts.end())
    throw Error(where,
                "is in the initrd but not as a regular file; cannot read which "
                "kickstart keys it accepts");
  const std::string& code = text->second;
  in.known_keys = KnownKeys(code, where);
  std::set<std::string> files;
  std::string prefix = in.package_dir + "/";
  for (const auto& p : initrd.paths) {
    if (p.rfind(prefix, 0) == 0) files.insert(p.substr(prefix.size()));
    if (IsInstallerMetadata(p)) {
      auto meta = initrd.texts.find(p);
      if (meta != initrd.texts.end())
        in.recorded_version = RecordedVersion(meta->second);
    }
    // /installer/<name>.json: the package lists (and install options) the
    // installer resolves packagelist_file against (it runs in /installer).
    if (p.rfind("installer/", 0) == 0 && p.find('/', 10) == std::string::npos &&
        EndsWith(p, ".json"))
      in.package_lists.push_back(p.substr(10));
  }
  std::sort(in.package_lists.begin(), in.package_lists.end());
  for (const auto& f : Fingerprints()) {
    for (const auto& file : f.files)
      if (files.count(file)) in.evidence.push_back(file);
    if (in.evidence.empty()) continue;
    in.code_min = f.min;
    in.code_max = f.max;
    if (in.code_min == "2.2") {
      // 2.3 added Installer._clear_vgs (and CommandUtils.get_vgnames).
      bool has = code.find("def _clear_vgs") != std::string::npos;
      in.code_min = in.code_max = has ? "2.3" : "2.2";
      in.evidence.push_back(has ? "installer.py's _clear_vgs"
                                : "installer.py without _clear_vgs");
    }
    break;
  }
  if (code.find("\"creating image was successful\"") != std::string::npos ||
      code.find("'creating image was successful'") != std::string::npos)
    in.end_marker = "creating image was successful";
  auto ssh =
      initrd.texts.find(in.package_dir + "/modules/m_updatesshconfig.py");
  if (ssh != initrd.texts.end() &&
      ssh->second.find("'reason'") != std::string::npos &&
      ssh->second.find("dict") != std::string::npos)
    in.public_key = PublicKeyShape::kKeyAndReason;
  in.bootmode_default = BootmodeDefault(code);
  return in;
}

std::string PhotonInstaller::VersionText() const {
  if (code_min.empty()) return "of unknown version";
  if (code_max.empty()) return code_min + " or later";
  if (code_max == code_min) return code_min;
  return code_min + "–" + code_max;
}

std::string PhotonInstaller::Describe() const {
  std::string out = "photon-os-installer " + VersionText() +
                    " (from the initrd's /" + package_dir;
  std::string ev;
  for (const auto& e : evidence) ev += (ev.empty() ? "" : ", ") + e;
  out += ev.empty() ? ", no file of a known version" : ": " + ev;
  if (!recorded_version.empty())
    out += "; egg-info says " + recorded_version +
           (recorded_version == "2.2"
                ? ", which every upstream tag records when built from a tarball"
                : ", not trusted");
  return out + ")";
}

InstallerTraits PhotonInstallerTraits(const PhotonInstaller& in) {
  InstallerTraits t;
  // After a failed install the initrd's login script execs bash, whose
  // Photon prompt has no hostname in it.
  t.failure_shell_regex = R"(root \[ /installer \]# )";
  t.end_marker = in.end_marker;
  auto at_least = [&](const char* v) {
    auto have = ParseDotted(in.code_min);
    auto want = ParseDotted(v);
    return have && *have >= *want;
  };
  if (in.public_key == PublicKeyShape::kKeyAndReason)
    t.format = at_least("2.9") ? "photon-2.9" : "photon-2.8";
  else if (at_least("2.7"))
    t.format = "photon-2.7";
  else if (at_least("2.4"))
    t.format = "photon-2.4";
  else
    t.format = "photon-2.3";
  return t;
}

const std::vector<std::string>& PhotonFormats() {
  static const std::vector<std::string> formats = {
      "photon-2.3", "photon-2.4", "photon-2.7", "photon-2.8", "photon-2.9"};
  return formats;
}

const std::set<std::string>* KnownKeysOfFormat(const std::string& format) {
  // installer.py known_keys of each tag (vmware/photon-os-installer).
  static const std::set<std::string> k23 = {"additional_files",
                                            "additional_packages",
                                            "additional_rpms_path",
                                            "arch",
                                            "autopartition",
                                            "bootmode",
                                            "disk",
                                            "eject_cdrom",
                                            "hostname",
                                            "install_linux_esx",
                                            "linux_flavor",
                                            "live",
                                            "log_level",
                                            "network",
                                            "ostree",
                                            "packagelist_file",
                                            "packages",
                                            "partition_type",
                                            "partitions",
                                            "password",
                                            "photon_docker_image",
                                            "postinstall",
                                            "postinstallscripts",
                                            "preinstall",
                                            "preinstallscripts",
                                            "public_key",
                                            "repos",
                                            "search_path",
                                            "setup_grub_script",
                                            "shadow_password",
                                            "type",
                                            "ui"};
  static const std::map<std::string, std::set<std::string>> tables = [] {
    std::map<std::string, std::set<std::string>> m;
    m["photon-2.3"] = k23;
    auto k24 = k23;
    k24.erase("install_linux_esx");
    // 2.4 on: __init__ adds per-arch variants ({packages,linux_flavor}_
    // {x86_64,aarch64}); up to 2.8 into the class's own set.
    for (const char* k : {"disks", "packages_x86_64", "packages_aarch64",
                          "linux_flavor_x86_64", "linux_flavor_aarch64"})
      k24.insert(k);
    m["photon-2.4"] = k24;
    auto k27 = k24;
    for (const char* k : {"ansible", "docker", "insecure_repo", "manifest_file",
                          "no_clean", "no_unmount", "packagelist_files",
                          "tdnf_cachedir", "user_grub_cfg_file"})
      k27.insert(k);
    m["photon-2.7"] = k27;
    auto k28 = k27;
    for (const char* k :
         {"build_mounts", "dps", "environment", "firstboot", "prepkgsinstall",
          "prepkgsinstallscripts", "security"})
      k28.insert(k);
    m["photon-2.8"] = k28;
    auto k29 = k28;
    k29.erase("ostree");
    for (const char* k :
         {"archives", "grub", "plugins", "services", "packages_x86_64",
          "packages_aarch64", "linux_flavor_x86_64", "linux_flavor_aarch64"})
      k29.insert(k);
    m["photon-2.9"] = k29;
    return m;
  }();
  auto it = tables.find(format);
  return it == tables.end() ? nullptr : &it->second;
}

PublicKeyShape PublicKeyShapeOfFormat(const std::string& format) {
  return format == "photon-2.8" || format == "photon-2.9"
             ? PublicKeyShape::kKeyAndReason
             : PublicKeyShape::kString;
}

std::vector<std::string> CrossCheckInstallerSources(
    const InstallerFindings& found) {
  std::vector<std::string> warnings;
  if (!found.rpm) return warnings;
  if (!found.initrd) {
    warnings.push_back("RPMS/ carries " + found.rpm->rpm + ", but the initrd " +
                       found.initrd_name +
                       " holds no photon_installer: an RPM on the media is not "
                       "the installer that boots");
    return warnings;
  }
  const PhotonInstaller& in = *found.initrd;
  if (in.code_min.empty()) return warnings;
  auto lo = ParseDotted(in.code_min);
  auto hi = in.code_max.empty() ? std::nullopt : ParseDotted(in.code_max);
  // Compare major.minor only: 2.7.1 is within "2.7".
  std::vector<int> v(found.rpm->parts.begin(), found.rpm->parts.begin() + 2);
  if ((lo && v < *lo) || (hi && v > *hi))
    warnings.push_back("the ISO's sources disagree: RPMS/ carries " +
                       found.rpm->rpm + " (" + found.rpm->text +
                       "), but the initrd's installer code is " +
                       in.VersionText() +
                       "; bootgate follows the initrd, which is what boots");
  return warnings;
}

InstallerFindings FindPhotonInstaller(ProcessLauncher& launcher,
                                      const std::string& iso,
                                      const std::string& initrd_file,
                                      const std::string& initrd_name,
                                      std::vector<std::string>* warnings) {
  InstallerFindings found;
  found.initrd_name = initrd_name;
  if (!initrd_file.empty()) {
    InitramfsContents contents =
        ReadInitramfs(launcher, initrd_file, WantPhotonInstallerText, warnings);
    found.initrd = AnalyzePhotonInstaller(contents, &found.initrd_why_not);
  } else {
    found.initrd_why_not =
        "no initrd was read (install.extract_kernel is false and media.initrd "
        "is unset)";
  }
  if (!iso.empty()) found.rpm = DetectPhotonInstaller(launcher, iso, warnings);
  if (warnings)
    for (auto& w : CrossCheckInstallerSources(found)) warnings->push_back(w);
  return found;
}

}  // namespace bootgate
