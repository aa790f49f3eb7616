// Stage 2 of the pipeline: boot. A Backend turns a BootRequest (scenario,
// hardware profile, accelerator, drives) into a running Guest whose serial
// console is a ByteStream. Guest is RAII: destroying it destroys the VM on
// every path. Backends: qemu/ (a child QEMU process) and libvirt/.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scenario/profile.h"
#include "scenario/scenario.h"
#include "util/byte_stream.h"
#include "util/clock.h"
#include "util/error.h"

namespace bootgate {

/// A disk or CD-ROM attached to the VM.
struct Drive {
  std::string path;
  std::string format = "raw";  ///< "qcow2" | "raw"
  bool cdrom = false;
  bool readonly = false;
  int boot_index = -1;  ///< -1: not a boot device
  std::string role;     ///< "system", "installer", "seed", "target"
};

struct BootRequest {
  std::string name;     ///< unique per run, e.g. "bootgate-ref-1a2b3c"
  std::string run_dir;  ///< private scratch dir (sockets, overlays, vars)
  Profile profile;
  std::string accel;    ///< "kvm" | "tcg" (already resolved)
  int cpus = 1;
  int memory_mib = 512;
  std::vector<Drive> drives;
  std::string kernel, initrd, append;  ///< direct kernel boot when set
  int ssh_host_port = 0;   ///< 0: no network forward
  int guest_ssh_port = 22;
  /// User networking: "restricted" (QEMU's restrict=on: the guest reaches
  /// nothing but `guest_forwards`, and only the SSH forward reaches it) or
  /// "nat" (the guest reaches the outside world and this host's loopback as
  /// 10.0.2.2).
  std::string network = "restricted";
  /// A TCP address the guest connects to, carried to a unix socket on this
  /// host (QEMU guestfwd): the kickstart channel.
  struct GuestForward {
    std::string guest_addr;  ///< e.g. "10.0.2.100"
    int guest_port = 0;
    std::string unix_socket;  ///< in the private workspace
  };
  std::vector<GuestForward> guest_forwards;
  bool debug_port = false;  ///< isa-debugcon on 0x402
  std::vector<std::string> extra_args;
  std::vector<std::string> secrets;  ///< redacted from argv in reports
};

/// A lifecycle event seen by the backend (QMP or libvirt events).
struct GuestEvent {
  std::string name;    ///< "SHUTDOWN", "RESET", "GUEST_PANICKED", "STOP"
  std::string detail;  ///< e.g. reason "guest-reset"
  double t_s = 0;      ///< after t0
};

/// A running VM. The destructor destroys it (and removes what it created in
/// run_dir that is not kept).
class Guest {
 public:
  virtual ~Guest() = default;
  /// The serial console (ttyS0).
  virtual ByteStream& console() = 0;
  /// t0: when the VM process (or domain) was started, monotonic.
  virtual TimePoint started_at() const = 0;
  /// If the VM has ended: how ("exited with status 0", "guest-reset"...).
  virtual std::optional<std::string> Ended() = 0;
  /// Events seen so far (QMP / libvirt), in order.
  virtual std::vector<GuestEvent> Events() = 0;
  /// Receive times (after t0) of bytes written to the debug port.
  virtual std::vector<double> DebugPortMarks() = 0;
  /// Stops the VM now (idempotent).
  virtual void Destroy() = 0;
  /// Asks the guest to power off (ACPI), then destroys it after `grace`.
  virtual void Shutdown(Duration grace) = 0;
  /// Redacted command line or domain XML, for the report.
  virtual std::vector<std::string> Describe() const = 0;
  /// What the profile asked for vs what was applied; warnings for the gap.
  virtual std::map<std::string, std::string> ProfileApplied() const = 0;
  virtual std::vector<std::string> Warnings() const = 0;
  virtual std::string HypervisorVersion() const = 0;
  /// Process id of the VM (QEMU), or 0; recorded for leftover clean-up.
  virtual int pid() const = 0;
  /// libvirt domain name, or "" (QEMU backend); recorded for leftover
  /// clean-up.
  virtual std::string domain_name() const { return ""; }
  /// A shell command whose stdin/stdout reach the guest's SSH forward when
  /// the forward is on another host (a remote libvirt host: an `ssh -W`
  /// through that host), or "" when the forward is on this host's loopback.
  virtual std::string ssh_proxy_command() const { return ""; }
};

/// What a backend would start for a BootRequest, for --dry-run.
struct BootPreview {
  std::string file_name;  ///< "qemu.argv" | "domain.xml"
  std::string text;       ///< its content (secrets redacted)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  ///< "qemu" | "libvirt"
  /// URI for the report (no credentials), empty for qemu.
  virtual std::string connect_uri() const { return ""; }
  /// URI a later `bootgate clean` reconnects with to destroy a dead run's
  /// VM: connect_uri() with the user kept (ssh needs it), never a password.
  virtual std::string cleanup_uri() const { return connect_uri(); }
  /// Starts the VM; throws Error (could not measure) if it cannot.
  virtual std::unique_ptr<Guest> Boot(const BootRequest& request) = 0;
  /// What Boot(request) would start, without starting anything: QEMU's
  /// argument vector one per line, or libvirt's domain XML. Pure.
  virtual BootPreview Preview(const BootRequest& request) const = 0;
  /// Resolves "auto" to "kvm" or "tcg" by a real probe; returns the choice
  /// and a note saying why.
  virtual std::pair<std::string, std::string> ResolveAccel(
      const std::string& requested) = 0;
  /// A run under `accel` showed it does not work on this host (a KVM guest
  /// silent before its kernel printed anything): later "auto" choices avoid
  /// it, and the host's cached verdict is replaced.
  virtual void ReportAccelBroken(const std::string& accel, const std::string& evidence) {
    (void)accel;
    (void)evidence;
  }
};

/// Thrown by Backend::Boot when the SSH forward's host port was taken by the
/// time the hypervisor bound it (by a parallel run or any other program):
/// the bind that matters is the hypervisor's, so the caller retries with
/// another port.
class PortInUse : public Error {
 public:
  using Error::Error;
};

/// True if a hypervisor's error text says its user-mode network could not
/// bind the host side of a port forward (QEMU: "Could not set up host
/// forwarding rule 'tcp:127.0.0.1:P-:22'", also quoted by libvirt).
bool IsHostForwardBindFailure(const std::string& hypervisor_error);

/// The profile fields as strings, for "requested vs applied" in reports.
std::map<std::string, std::string> ProfileFields(const Profile& p);

}  // namespace bootgate
