// The libvirt backend: each Guest is a transient libvirt domain whose XML is
// built from the hardware Profile (domain_xml.h). The serial console is read
// through libvirt's console stream (console_stream.h), opened while the
// domain is still paused; on a remote host (qemu+ssh://) the files the domain
// needs are uploaded into a per-guest pool (remote_volumes.h) and the guest's
// SSH is reached through the host's SSH (Guest::ssh_proxy_command).
// Lifecycle events arrive through libvirt's event loop. The domain, its
// pool and its console are destroyed with its Guest on every path.
#pragma once

#include <libvirt/libvirt.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/qemu/accel_resolver.h"
#include "backend/libvirt/domain_xml.h"
#include "util/process.h"

namespace bootgate {

struct DomainEventLog;
struct EventDispatch;

/// An open libvirt connection. Opening one first starts libvirt's default
/// event loop (once per process) so domain events are delivered; one
/// lifecycle subscription per connection feeds every domain's event log
/// (libvirt refuses the same callback twice on a connection).
class LibvirtConnection {
 public:
  /// Opens `uri`; throws Error naming the URI if libvirt refuses.
  explicit LibvirtConnection(const std::string& uri);
  ~LibvirtConnection();
  LibvirtConnection(const LibvirtConnection&) = delete;
  LibvirtConnection& operator=(const LibvirtConnection&) = delete;

  virConnectPtr get() const { return conn_; }
  const std::string& uri() const { return uri_; }
  /// "QEMU 7.2.22 via libvirt 9.0.0".
  std::string HypervisorVersion() const;
  /// Routes lifecycle events of the domain called `name` to `log`; false if
  /// that name is already subscribed on this connection.
  bool Subscribe(const std::string& name, std::shared_ptr<DomainEventLog> log);
  /// Ends `log`'s subscription (not another log's under the same name).
  void Unsubscribe(const std::string& name, const std::shared_ptr<DomainEventLog>& log);

 private:
  std::string uri_;
  virConnectPtr conn_ = nullptr;
  std::shared_ptr<EventDispatch> dispatch_;
  int callback_id_ = -1;
};


/// A transient domain created from XML. The destructor destroys it (and
/// undefines it if something made it persistent); lifecycle events are
/// recorded with their receive time.
class LibvirtDomain {
 public:
  /// Creates the domain paused; throws Error with libvirt's message. While
  /// it exists it is in `registry` (may be null), so a forced exit destroys it.
  LibvirtDomain(std::shared_ptr<LibvirtConnection> conn,
                const std::string& name, const std::string& xml,
                const Clock* clock, ResourceRegistry* registry = nullptr);
  ~LibvirtDomain();
  LibvirtDomain(const LibvirtDomain&) = delete;
  LibvirtDomain& operator=(const LibvirtDomain&) = delete;

  const std::string& name() const { return name_; }
  /// Lets the paused domain run. t0 stays the moment bootgate asked libvirt
  /// to create the domain, as the QEMU backend's t0 is the moment it forks
  /// QEMU: on both, t0 is when the hypervisor is asked to start the VM.
  /// Returns t0.
  TimePoint Resume();
  /// Set when a "stopped" event was seen (or the domain is gone).
  std::optional<std::string> Ended();
  /// Events, with t_s relative to t0.
  std::vector<GuestEvent> Events() const;
  /// The domain's serial console through libvirt (virDomainOpenConsole);
  /// call while it is paused so no byte is lost. Throws Error.
  std::unique_ptr<ByteStream> OpenConsole();
  /// Asks the guest to power off (ACPI); false if libvirt refused.
  bool RequestShutdown();
  /// Destroys (and undefines if persistent) the domain; idempotent.
  void Destroy();

 private:
  std::shared_ptr<LibvirtConnection> conn_;
  std::string name_;
  const Clock* clock_;
  std::shared_ptr<DomainEventLog> log_;
  mutable std::mutex mu_;
  virDomainPtr dom_ = nullptr;  // guarded by mu_; null once destroyed
  virDomainPtr kill_dom_ = nullptr;  // the forced exit's own reference
  TimePoint t0_{};
  TimePoint last_poll_{};
  ResourceRegistry::Registration reg_;
};

/// Destroys the domain called `name` on `conn` if it exists, and undefines it
/// if persistent. Only touches names starting with "bootgate-". Returns true
/// if such a domain existed.
bool DestroyDomainIfExists(LibvirtConnection& conn, const std::string& name);

class LibvirtBackend : public Backend {
 public:
  /// Connects to `uri` (default qemu:///system when empty). `accel` decides
  /// KVM for local URIs (a remote host cannot be probed from here). Every
  /// domain is in `registry` (may be null) while it exists.
  LibvirtBackend(std::string uri, ProcessLauncher* launcher, const Clock* clock,
                 AccelResolver* accel, ResourceRegistry* registry = nullptr);
  std::string name() const override { return "libvirt"; }
  std::string connect_uri() const override;
  std::string cleanup_uri() const override;
  std::unique_ptr<Guest> Boot(const BootRequest& request) override;
  BootPreview Preview(const BootRequest& request) const override;
  std::pair<std::string, std::string> ResolveAccel(const std::string& requested) override;
  void ReportAccelBroken(const std::string& accel, const std::string& evidence) override;

 private:
  LibvirtOptions OptionsFor(const BootRequest& request) const;
  std::shared_ptr<LibvirtConnection> conn_;
  ProcessLauncher* launcher_;
  const Clock* clock_;
  AccelResolver* accel_;
  ResourceRegistry* registry_;
};

}  // namespace bootgate
