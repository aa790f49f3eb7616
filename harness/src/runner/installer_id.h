// Part of the install stage: which installer an installer ISO carries, found
// out from the code it boots, and what that code needs from bootgate (the
// kickstart's keys and public_key shape, the package lists it can read, how
// its end is seen). Photon OS's ISOs install photon-os-installer into the
// initrd; an RPM in RPMS/ is only a second source, never the only one.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runner/initramfs.h"
#include "util/process.h"

namespace bootgate {

/// A photon-os-installer version, e.g. 2.3 or 2.10.1.
struct InstallerVersion {
  std::vector<int> parts;  ///< {2, 3}
  std::string text;        ///< "2.3"
  std::string rpm;         ///< path inside the ISO it was read from
  /// True if this version is at least major.minor.
  bool AtLeast(int major, int minor) const;
};

/// How photon-os-installer's modules/m_updatesshconfig.py takes public_key:
/// appended as a string (up to 2.7), or asserted to be an object with "key"
/// and "reason" (2.8 on).
enum class PublicKeyShape { kString, kKeyAndReason };

/// What the photon_installer package in an initrd says about itself, judged
/// by its code (vmware/photon-os-installer, each tag's photon_installer/).
struct PhotonInstaller {
  /// e.g. "usr/lib/python3.11/site-packages/photon_installer".
  std::string package_dir;
  /// The version its egg-info records ("" if none). Not trusted: every
  /// upstream tag's version.py falls back to "2.2" outside a git checkout,
  /// which is how Photon's spec builds it.
  std::string recorded_version;
  /// Version range its files imply ("2.7"/"2.7"; "2.4"/"2.6"; "2.9"/"" for
  /// 2.9 or later; both "" when no fingerprint matched).
  std::string code_min, code_max;
  /// The files (relative to package_dir) the range was told by.
  std::vector<std::string> evidence;
  /// installer.py's known_keys: every key a kickstart may hold.
  std::set<std::string> known_keys;
  /// The line installer.py logs at the end of an install with ui false
  /// ("" if it prints none).
  std::string end_marker;
  PublicKeyShape public_key = PublicKeyShape::kString;
  /// _add_defaults' bootmode on x86_64 when the kickstart sets none
  /// ("dualboot" up to 2.8, "efi" from 2.9).
  std::string bootmode_default;
  /// The package-list JSON files in the initrd's /installer (file names).
  std::vector<std::string> package_lists;

  /// "2.7", "2.4–2.6", "2.9 or later", "unknown".
  std::string VersionText() const;
  /// What was found and how, for the report: "photon-os-installer 2.7
  /// (from the initrd's /usr/lib/...: user.cfg, stigenable.py; ...)".
  std::string Describe() const;
};

/// What a Photon installer needs from bootgate.
struct InstallerTraits {
  /// kickstart renderer: photon-2.3|2.4|2.7|2.8|2.9
  std::string format;
  std::string end_marker;           ///< line printed at the end; "" if none
  std::string failure_shell_regex;  ///< prompt of the shell it falls to
};

/// True for the initrd members whose text AnalyzePhotonInstaller reads
/// (installer.py, modules/m_updatesshconfig.py, the egg-info's PKG-INFO).
bool WantPhotonInstallerText(const std::string& path);

/// Finds the photon_installer package in an initrd's contents and judges
/// it by its code. nullopt if there is none; `why_not` then says what was
/// looked for. Throws Error naming the file if installer.py is there but
/// its known_keys cannot be read. Pure.
std::optional<PhotonInstaller> AnalyzePhotonInstaller(
    const InitramfsContents& initrd, std::string* why_not);

/// Traits of an installer judged by its code. Pure.
InstallerTraits PhotonInstallerTraits(const PhotonInstaller& installer);

/// The kickstart formats bootgate renders, in version order.
const std::vector<std::string>& PhotonFormats();
/// The known_keys of the upstream tag a format stands for (2.3, 2.4, 2.7,
/// 2.8, 2.9; read from each tag's installer.py), for when the scenario
/// forces a format and the initrd tells nothing. nullptr for "text".
const std::set<std::string>* KnownKeysOfFormat(const std::string& format);
/// The public_key shape a format renders.
PublicKeyShape PublicKeyShapeOfFormat(const std::string& format);

/// Reads the installer version out of a listing of ISO paths, one per line,
/// optionally single-quoted (xorriso's -find output). Picks the highest
/// version if several are listed; `warnings` says so. Pure.
std::optional<InstallerVersion> ParsePhotonInstallerListing(
    const std::string& listing, std::vector<std::string>* warnings);

/// Lists the ISO's photon-os-installer RPMs with xorriso and parses them.
/// nullopt if the ISO carries none. Throws Error if the ISO cannot be read.
std::optional<InstallerVersion> DetectPhotonInstaller(
    ProcessLauncher& launcher, const std::string& iso,
    std::vector<std::string>* warnings);

/// Everything bootgate learnt about an installer ISO's installer.
struct InstallerFindings {
  std::optional<PhotonInstaller> initrd;  ///< the first source
  std::string initrd_name;     ///< what was read, e.g. "/isolinux/initrd.img"
  std::string initrd_why_not;  ///< why `initrd` is empty
  std::optional<InstallerVersion> rpm;  ///< RPMS/: second source only
};

/// Says where the two sources disagree (the RPM's version outside the
/// range the initrd's code implies), as warnings. Pure.
std::vector<std::string> CrossCheckInstallerSources(
    const InstallerFindings& found);

/// Reads `initrd_file` (the initrd, already on the host; "" for none) and
/// the ISO's RPMS/ listing (`iso`; "" for none), and cross-checks them.
/// Throws Error if either cannot be read.
InstallerFindings FindPhotonInstaller(ProcessLauncher& launcher,
                                      const std::string& iso,
                                      const std::string& initrd_file,
                                      const std::string& initrd_name,
                                      std::vector<std::string>* warnings);

}  // namespace bootgate
