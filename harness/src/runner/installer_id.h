// Part of the install stage: which installer an installer ISO carries, found
// out from the ISO itself, and what that version needs from bootgate (the
// kickstart format, how its end is seen). Photon OS's ISOs name their
// installer in RPMS/ (photon-os-installer-<version>-<release>.<arch>.rpm).
#pragma once

#include <optional>
#include <string>
#include <vector>

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

/// What a Photon installer version needs (pure table, from its source:
/// vmware/photon-os-installer photon_installer/installer.py and
/// modules/m_updatesshconfig.py of each tag).
struct InstallerTraits {
  std::string format;               ///< kickstart renderer: photon-2.3|2.7|2.8
  std::string end_marker;           ///< line printed at the end; "" if none
  std::string failure_shell_regex;  ///< prompt of the shell it falls to
};

/// Reads the installer version out of a listing of ISO paths, one per line,
/// optionally single-quoted (xorriso's -find output). Picks the highest
/// version if several are listed; `warnings` says so. Pure.
std::optional<InstallerVersion> ParsePhotonInstallerListing(
    const std::string& listing, std::vector<std::string>* warnings);

/// Traits of `version` (< 2.7: no end marker, public_key a string; 2.7: the
/// marker "creating image was successful"; >= 2.8: public_key an object with
/// "key" and "reason"). Pure.
InstallerTraits PhotonInstallerTraits(const InstallerVersion& version);

/// Lists the ISO's photon-os-installer RPMs with xorriso and parses them.
/// nullopt if the ISO carries none (not a Photon installer ISO). Throws
/// Error if the ISO cannot be read.
std::optional<InstallerVersion> DetectPhotonInstaller(
    ProcessLauncher& launcher, const std::string& iso,
    std::vector<std::string>* warnings);

}  // namespace bootgate
