#include "runner/installer_id.h"

#include <algorithm>
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

InstallerTraits PhotonInstallerTraits(const InstallerVersion& version) {
  InstallerTraits t;
  // After a failed install the initrd's login script execs bash, whose
  // Photon prompt has no hostname in it.
  t.failure_shell_regex = R"(root \[ /installer \]# )";
  if (version.AtLeast(2, 8)) {
    // 2.8's m_updatesshconfig asserts public_key is {"key", "reason"}.
    t.format = "photon-2.8";
  } else if (version.AtLeast(2, 7)) {
    t.format = "photon-2.7";
  } else {
    t.format = "photon-2.3";
  }
  // installer.py logs this line with ui: false from 2.7 on; before, the
  // unattended install ends without a word.
  if (version.AtLeast(2, 7)) t.end_marker = "creating image was successful";
  return t;
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

}  // namespace bootgate
