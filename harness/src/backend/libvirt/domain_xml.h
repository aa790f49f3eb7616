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
  /// Serial console: "pty" (the QEMU driver, local or remote: bootgate reads
  /// it through libvirt's own console stream, virDomainOpenConsole, so no
  /// port or socket is opened for it); "unix" binds a socket at
  /// `console_path` (the test:/// driver, which has no console streams).
  std::string console = "pty";
  std::string console_path;
  /// The UEFI variable store's path on the hypervisor host; empty:
  /// `<run_dir>/OVMF_VARS.fd` (local hosts).
  std::string nvram_path;
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
/// `qemu+ssh://user:pw@host/system` -> `qemu+ssh://user@host/system`.
std::string StripUriPassword(const std::string& uri);
/// The host of a URI ("" for local URIs such as qemu:///system).
std::string UriHost(const std::string& uri);
/// The parts of a libvirt URI (its host, and what an SSH tunnel to that
/// host needs): `qemu+ssh://user@host:2222/system?keyfile=/k&no_verify=1`.
struct UriParts {
  std::string transport;  ///< "ssh", "libssh", "libssh2", "" (none), "tcp"...
  std::string user, host;
  int port = 0;           ///< 0: the ssh default
  std::map<std::string, std::string> params;  ///< decoded query parameters
};
UriParts ParseUri(const std::string& uri);

/// The OpenSSH command line (for a ProxyCommand, run by /bin/sh) that opens a
/// direct-tcpip channel through the hypervisor host of `uri` to
/// `target_host`:`target_port` on that host: the same ssh binary (`command=`),
/// user, port, key (`keyfile=`), host-key policy (`no_verify=`,
/// `known_hosts=`) libvirt's own transport uses. Empty for URIs without an
/// SSH transport. Every argument is shell-quoted.
std::string SshTunnelCommand(const std::string& uri, const std::string& target_host,
                             int target_port);

/// libvirt's encoded version (major*1e6 + minor*1e3 + micro) -> "7.2.22".
std::string FormatLibvirtVersion(unsigned long version);

}  // namespace bootgate
