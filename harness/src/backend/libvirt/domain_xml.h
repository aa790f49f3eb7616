// Stage 2 (boot), libvirt flavour: the domain XML for a BootRequest, built
// from the same hardware Profile the QEMU backend uses. Pure: the same request
// and options give the same XML (golden-tested per profile), and whatever the
// profile asks for that cannot be honoured becomes a warning.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace bootgate {

/// Host and connection facts that shape the domain XML.
struct LibvirtOptions {
  /// "qemu" for the QEMU driver (domain type qemu = TCG, kvm when the
  /// request's accel is "kvm"); "test" for libvirt's test:/// driver.
  std::string driver = "qemu";
  std::string ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
  std::string ovmf_vars_template = "/usr/share/OVMF/OVMF_VARS_4M.fd";
  /// Serial console: "unix" binds a socket at `console_path`; "tcp" binds
  /// `console_host`:`console_port` (remote URIs) with the raw protocol.
  std::string console = "unix";
  std::string console_path;
  std::string console_host = "0.0.0.0";
  int console_port = 0;
  /// DAC label "+uid:+gid" QEMU runs as, with relabelling off, so libvirt
  /// chowns no file (images stay as they are; QEMU reads what this user
  /// reads). Empty: libvirt's default (its qemu user must read the files).
  std::string dac_label;
};

struct DomainPlan {
  std::string xml;
  std::map<std::string, std::string> applied;  ///< field -> what was applied
  std::vector<std::string> warnings;
  std::string nvram_path;  ///< UEFI variable store in run_dir, or ""
};

/// The whole plan: XML, what was applied, warnings.
DomainPlan BuildDomain(const BootRequest& request, const LibvirtOptions& options);
/// Just the XML of BuildDomain.
std::string BuildDomainXml(const BootRequest& request, const LibvirtOptions& options);

/// `qemu+ssh://user:pw@host/system?x=1` -> `qemu+ssh://host/system?x=1`.
std::string StripUriCredentials(const std::string& uri);
/// The host of a URI ("" for local URIs such as qemu:///system).
std::string UriHost(const std::string& uri);
/// libvirt's encoded version (major*1e6 + minor*1e3 + micro) -> "7.2.22".
std::string FormatLibvirtVersion(unsigned long version);

}  // namespace bootgate
