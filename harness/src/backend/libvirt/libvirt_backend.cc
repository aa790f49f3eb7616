#include "backend/libvirt/libvirt_backend.h"

#include <libvirt/virterror.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "backend/libvirt/console_stream.h"
#include "backend/libvirt/libvirt_handles.h"
#include "backend/libvirt/remote_volumes.h"

#include "util/error.h"
#include "util/ports.h"

namespace bootgate {
namespace {

// libvirt's default event loop is process-wide by libvirt's design: it must be
// registered once before the first connection, and one thread must run it.
// The thread lives as long as the process.
void EnsureEventLoop() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Errors are reported through exceptions, not printed by libvirt.
    virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
    if (virEventRegisterDefaultImpl() < 0)
      throw Error("libvirt", "cannot register the default event loop: " + LastLibvirtError());
    std::thread([] {
      while (virEventRunDefaultImpl() == 0) {
      }
    }).detach();
  });
}

bool IsLocalQemuUri(const std::string& uri) {
  return uri.rfind("qemu:", 0) == 0 && UriHost(uri).empty();
}

std::string Redact(std::string s, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = 0; (pos = s.find(secret, pos)) != std::string::npos; pos += 8)
      s.replace(pos, secret.size(), "********");
  }
  return s;
}

// Connects to the console socket libvirt bound for QEMU; retries briefly
// because the listener may appear a moment after the domain is created.
int ConnectUnix(const std::string& path, Duration timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    throw Error(path, "the console socket path is longer than " +
                          std::to_string(sizeof addr.sun_path - 1) +
                          " bytes; use a shorter BOOTGATE_STATE_DIR");
  std::copy(path.begin(), path.end(), addr.sun_path);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error(path, ErrnoMessage("cannot create a socket", errno));
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    int err = errno;
    close(fd);
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error(path, ErrnoMessage("cannot connect to the domain's serial console socket", err));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Undefines with the NVRAM store; drivers without that flag get a plain
// undefine. Returns false with libvirt's error set on failure.
bool Undefine(virDomainPtr dom) {
  if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM) == 0) return true;
  virErrorPtr e = virGetLastError();
  if (e && e->code == VIR_ERR_INVALID_ARG) return virDomainUndefine(dom) == 0;
  return false;
}

std::string EventName(int event) {
  switch (event) {
    case VIR_DOMAIN_EVENT_DEFINED: return "DEFINED";
    case VIR_DOMAIN_EVENT_UNDEFINED: return "UNDEFINED";
    case VIR_DOMAIN_EVENT_STARTED: return "START";
    case VIR_DOMAIN_EVENT_SUSPENDED: return "STOP";
    case VIR_DOMAIN_EVENT_RESUMED: return "RESUME";
    case VIR_DOMAIN_EVENT_STOPPED: return "STOPPED";
    case VIR_DOMAIN_EVENT_SHUTDOWN: return "SHUTDOWN";
    case VIR_DOMAIN_EVENT_PMSUSPENDED: return "PMSUSPENDED";
    case VIR_DOMAIN_EVENT_CRASHED: return "GUEST_PANICKED";
    default: return "EVENT" + std::to_string(event);
  }
}

std::string EventDetail(int event, int detail) {
  switch (event) {
    case VIR_DOMAIN_EVENT_STOPPED:
      switch (detail) {
        case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: return "shutdown";
        case VIR_DOMAIN_EVENT_STOPPED_DESTROYED: return "destroyed";
        case VIR_DOMAIN_EVENT_STOPPED_CRASHED: return "crashed";
        case VIR_DOMAIN_EVENT_STOPPED_MIGRATED: return "migrated";
        case VIR_DOMAIN_EVENT_STOPPED_SAVED: return "saved";
        case VIR_DOMAIN_EVENT_STOPPED_FAILED: return "failed";
        default: return "stopped";
      }
    case VIR_DOMAIN_EVENT_SHUTDOWN:
      // With on_reboot=destroy a guest reset also arrives as a guest-initiated
      // shutdown: libvirt does not tell the two apart.
      switch (detail) {
        case VIR_DOMAIN_EVENT_SHUTDOWN_GUEST: return "guest-shutdown";
        case VIR_DOMAIN_EVENT_SHUTDOWN_HOST: return "host-signal";
        default: return "finished";
      }
    case VIR_DOMAIN_EVENT_CRASHED:
      return detail == VIR_DOMAIN_EVENT_CRASHED_PANICKED ? "panicked" : "crashed";
    case VIR_DOMAIN_EVENT_SUSPENDED: return "paused";
    case VIR_DOMAIN_EVENT_STARTED: return "booted";
    default: return std::to_string(detail);
  }
}

}  // namespace

// Shared between a LibvirtDomain and libvirt's event thread.
struct DomainEventLog {
  const Clock* clock;
  std::mutex mu;
  std::vector<std::pair<TimePoint, GuestEvent>> events;
  std::optional<std::string> stopped;
};

// Domain name -> its log; owned by the connection and by libvirt's callback
// registration (freed by whichever lets go last).
struct EventDispatch {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<DomainEventLog>> logs;
};

namespace {

int OnLifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void* opaque) {
  auto& dispatch = **static_cast<std::shared_ptr<EventDispatch>*>(opaque);
  const char* name = virDomainGetName(dom);
  if (!name) return 0;
  std::shared_ptr<DomainEventLog> log;
  {
    std::lock_guard lock(dispatch.mu);
    auto it = dispatch.logs.find(name);
    if (it == dispatch.logs.end()) return 0;
    log = it->second;
  }
  TimePoint now = log->clock->Now();
  std::lock_guard lock(log->mu);
  GuestEvent e{EventName(event), EventDetail(event, detail), 0};
  log->events.push_back({now, e});
  if (event == VIR_DOMAIN_EVENT_STOPPED && !log->stopped) {
    std::string how = "domain stopped (" + e.detail + ")";
    for (const auto& [t, prev] : log->events) {
      if (prev.name == "SHUTDOWN") how = "guest shut down (" + prev.detail + "), " + how;
      if (prev.name == "GUEST_PANICKED") how = "guest panicked, " + how;
    }
    log->stopped = how;
  }
  return 0;
}

void FreeDispatch(void* opaque) { delete static_cast<std::shared_ptr<EventDispatch>*>(opaque); }

}  // namespace

// ---- LibvirtConnection ----

LibvirtConnection::LibvirtConnection(const std::string& uri) : uri_(uri) {
  EnsureEventLoop();
  conn_ = virConnectOpen(uri.c_str());
  if (!conn_)
    throw Error(StripUriCredentials(uri),
                "cannot connect to libvirt: " + LastLibvirtError() +
                    (uri.rfind("qemu:///system", 0) == 0
                         ? " (is libvirtd running? ci/start-libvirtd.sh starts it)"
                         : ""));
  // Remote connections die silently without keepalives; local ones refuse
  // them, which is fine.
  if (!UriHost(uri).empty()) virConnectSetKeepAlive(conn_, 5, 3);
  dispatch_ = std::make_shared<EventDispatch>();
  auto* opaque = new std::shared_ptr<EventDispatch>(dispatch_);
  callback_id_ = virConnectDomainEventRegisterAny(conn_, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                  VIR_DOMAIN_EVENT_CALLBACK(OnLifecycle), opaque,
                                                  FreeDispatch);
  if (callback_id_ < 0) {
    std::string err = LastLibvirtError();
    delete opaque;
    virConnectClose(conn_);
    throw Error(StripUriCredentials(uri), "cannot subscribe to libvirt domain events: " + err);
  }
}

LibvirtConnection::~LibvirtConnection() {
  if (callback_id_ >= 0) virConnectDomainEventDeregisterAny(conn_, callback_id_);
  if (conn_) virConnectClose(conn_);
}

bool LibvirtConnection::Subscribe(const std::string& name, std::shared_ptr<DomainEventLog> log) {
  std::lock_guard lock(dispatch_->mu);
  return dispatch_->logs.emplace(name, std::move(log)).second;
}

void LibvirtConnection::Unsubscribe(const std::string& name,
                                    const std::shared_ptr<DomainEventLog>& log) {
  std::lock_guard lock(dispatch_->mu);
  auto it = dispatch_->logs.find(name);
  if (it != dispatch_->logs.end() && it->second == log) dispatch_->logs.erase(it);
}

std::string LibvirtConnection::HypervisorVersion() const {
  const char* type = virConnectGetType(conn_);
  unsigned long hv = 0, lib = 0;
  std::string out = type ? type : "hypervisor";
  if (virConnectGetVersion(conn_, &hv) == 0 && hv > 0) out += " " + FormatLibvirtVersion(hv);
  if (virConnectGetLibVersion(conn_, &lib) == 0) out += " via libvirt " + FormatLibvirtVersion(lib);
  if (!UriHost(uri_).empty()) {
    if (char* host = virConnectGetHostname(conn_)) {
      out += std::string(" on ") + host;
      free(host);
    }
  }
  return out;
}

// ---- LibvirtDomain ----

LibvirtDomain::LibvirtDomain(std::shared_ptr<LibvirtConnection> conn,
                             const std::string& name, const std::string& xml,
                             const Clock* clock, ResourceRegistry* registry)
    : conn_(std::move(conn)), name_(name), clock_(clock) {
  log_ = std::make_shared<DomainEventLog>();
  log_->clock = clock_;
  // Subscribed before creation so that no early event is missed; a name
  // already in use on this connection is refused before libvirt is asked.
  if (!conn_->Subscribe(name_, log_))
    throw Error(name_, "libvirt could not create the domain: this bootgate already runs a "
                       "domain with that name");
  t0_ = clock_->Now();
  dom_ = virDomainCreateXML(conn_->get(), xml.c_str(), VIR_DOMAIN_START_PAUSED);
  virErrorPtr e = dom_ ? nullptr : virGetLastError();
  if (e && e->code == VIR_ERR_INVALID_ARG && e->message &&
      std::string(e->message).find("unsupported flags") != std::string::npos) {
    // Drivers without START_PAUSED (test:///) start it running; pause it at
    // once. The QEMU driver supports the flag, so no console byte is lost
    // there.
    dom_ = virDomainCreateXML(conn_->get(), xml.c_str(), 0);
    if (dom_ && virDomainSuspend(dom_) < 0) {
      std::string err = LastLibvirtError();
      virDomainDestroy(dom_);
      virDomainFree(dom_);
      dom_ = nullptr;
      conn_->Unsubscribe(name_, log_);
      throw Error(name_, "libvirt could not pause the new domain: " + err);
    }
  }
  if (!dom_) {
    std::string err = LastLibvirtError();
    conn_->Unsubscribe(name_, log_);
    throw Error(name_, "libvirt could not create the domain: " + err);
  }
  if (registry) {
    // The forced exit's kill uses a handle of its own and never the domain
    // lock: an owner blocked in a libvirt call holds that lock.
    virDomainRef(dom_);
    kill_dom_ = dom_;
    reg_ = registry->Add(
        "libvirt domain " + name_, [dom = kill_dom_] { virDomainDestroy(dom); }, /*may_block=*/true);
  }
}

LibvirtDomain::~LibvirtDomain() {
  Destroy();
  reg_ = {};  // after Destroy: a forced exit's kill may run until then
  if (kill_dom_) virDomainFree(kill_dom_);
  conn_->Unsubscribe(name_, log_);
}

TimePoint LibvirtDomain::Resume() {
  std::lock_guard lock(mu_);
  if (!dom_) throw Error(name_, "the domain is gone");
  if (virDomainResume(dom_) < 0)
    throw Error(name_, "libvirt could not start the paused domain: " + LastLibvirtError());
  return t0_;
}

std::optional<std::string> LibvirtDomain::Ended() {
  {
    std::lock_guard lock(log_->mu);
    if (log_->stopped) return log_->stopped;
  }
  std::lock_guard lock(mu_);
  if (!dom_) return std::string("destroyed by bootgate");
  // Events can be lost with a dropped connection: ask now and then.
  TimePoint now = clock_->Now();
  if (now - last_poll_ < std::chrono::milliseconds(500)) return std::nullopt;
  last_poll_ = now;
  int state = 0, reason = 0;
  if (virDomainGetState(dom_, &state, &reason, 0) < 0) {
    virErrorPtr e = virGetLastError();
    if (e && e->code == VIR_ERR_NO_DOMAIN) return std::string("domain vanished from libvirt");
    return std::nullopt;
  }
  if (state == VIR_DOMAIN_SHUTOFF) return std::string("domain shut off");
  if (state == VIR_DOMAIN_CRASHED) return std::string("domain crashed");
  return std::nullopt;
}

std::vector<GuestEvent> LibvirtDomain::Events() const {
  TimePoint t0;
  {
    std::lock_guard lock(mu_);
    t0 = t0_;
  }
  std::lock_guard lock(log_->mu);
  std::vector<GuestEvent> out;
  for (auto [t, e] : log_->events) {
    e.t_s = ToSeconds(t - t0);
    out.push_back(e);
  }
  return out;
}

std::unique_ptr<ByteStream> LibvirtDomain::OpenConsole() {
  std::lock_guard lock(mu_);
  if (!dom_) throw Error(name_, "the domain is gone");
  return std::make_unique<LibvirtConsoleStream>(conn_->get(), dom_, name_);
}

bool LibvirtDomain::RequestShutdown() {
  std::lock_guard lock(mu_);
  return dom_ && virDomainShutdown(dom_) == 0;
}

void LibvirtDomain::Destroy() {
  std::lock_guard lock(mu_);
  if (!dom_) return;
  // A transient domain disappears when destroyed; one that something made
  // persistent meanwhile must also be undefined (with its NVRAM).
  int persistent = virDomainIsPersistent(dom_);
  if (virDomainIsActive(dom_) == 1) virDomainDestroy(dom_);
  if (persistent == 1) Undefine(dom_);
  virDomainFree(dom_);
  dom_ = nullptr;
}

bool DestroyDomainIfExists(LibvirtConnection& conn, const std::string& name) {
  if (name.rfind("bootgate-", 0) != 0)
    throw Error(name, "refusing to destroy a libvirt domain whose name does not start with bootgate-");
  virDomainPtr dom = virDomainLookupByName(conn.get(), name.c_str());
  if (!dom) return false;
  int persistent = virDomainIsPersistent(dom);
  bool ok = true;
  std::string err;
  if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
    ok = false;
    err = LastLibvirtError();
  }
  if (persistent == 1 && !Undefine(dom) && ok) {
    ok = false;
    err = LastLibvirtError();
  }
  virDomainFree(dom);
  if (!ok) throw Error(name, "libvirt could not destroy the domain: " + err);
  return true;
}

// ---- the Guest ----

namespace {

class LibvirtGuest : public Guest {
 public:
  LibvirtGuest(std::shared_ptr<LibvirtConnection> conn, const Clock* clock,
               const BootRequest& req, LibvirtOptions options, ResourceRegistry* registry,
               ProcessLauncher* launcher)
      : conn_(conn) {
    const bool remote = !UriHost(conn->uri()).empty();
    BootRequest placed = req;
    if (remote) {
      if (req.ssh_host_port > 0) {
        proxy_command_ = SshTunnelCommand(conn->uri(), "127.0.0.1", req.ssh_host_port);
        if (proxy_command_.empty())
          throw Error(StripUriCredentials(conn->uri()),
                      "the guest's SSH forward is on the hypervisor host, which bootgate "
                      "reaches only through an SSH transport: use a qemu+ssh:// URI");
      }
      // The hypervisor host sees none of this host's files: each one the
      // domain names goes into a pool there, for this guest only.
      volumes_ = std::make_unique<RemoteVolumes>(conn->get(), req.name, launcher, req.run_dir);
      int i = 0;
      for (auto& d : placed.drives) {
        std::string volume = (d.role.empty() ? "drive" : d.role) + "-" + std::to_string(i++) +
                             (d.cdrom ? ".iso" : d.format == "qcow2" ? ".qcow2" : ".img");
        std::string local = d.path;
        d.path = volumes_->Upload(local, d.format, volume);
        // The installer's target disk is what the next phase boots.
        if (d.role == "target" && !d.readonly && !d.cdrom) downloads_.push_back({volume, local});
      }
      if (!placed.kernel.empty()) placed.kernel = volumes_->Upload(req.kernel, "raw", "kernel");
      if (!placed.initrd.empty()) placed.initrd = volumes_->Upload(req.initrd, "raw", "initrd");
      options.nvram_path = volumes_->dir() + "/OVMF_VARS.fd";
    }
    DomainPlan plan = BuildDomain(placed, options);
    applied_ = plan.applied;
    warnings_ = plan.warnings;
    if (remote)
      warnings_.push_back("remote libvirt host " + UriHost(conn->uri()) + ": " +
                          std::to_string(volumes_->uploaded_bytes() >> 20) +
                          " MiB uploaded into pool " + req.name +
                          (proxy_command_.empty() ? "" : "; guest SSH tunnelled through the host"));
    description_ = {Redact(plan.xml, req.secrets)};
    version_ = conn->HypervisorVersion();
    domain_ = std::make_unique<LibvirtDomain>(conn, req.name, plan.xml, clock, registry);
    // The domain is paused: open the console first so that no byte of the
    // boot is lost, then let it run. t0 is the domain's creation (see
    // LibvirtDomain::Resume).
    if (options.console == "pty")
      console_ = domain_->OpenConsole();
    else
      console_ = std::make_unique<FdByteStream>(
          ConnectUnix(options.console_path, std::chrono::seconds(10)), -1, true);
    t0_ = domain_->Resume();
  }

  ~LibvirtGuest() override {
    Destroy();
    console_.reset();  // its stream ends with the domain
    for (const auto& [volume, local] : downloads_) {
      try {
        volumes_->Download(volume, local);
      } catch (const Error&) {
        // A stale local copy must not pass for the installed disk: the next
        // phase then fails on the missing file, naming it.
        unlink(local.c_str());
      }
    }
  }

  ByteStream& console() override { return *console_; }
  TimePoint started_at() const override { return t0_; }
  std::optional<std::string> Ended() override { return domain_->Ended(); }
  std::vector<GuestEvent> Events() override { return domain_->Events(); }
  std::vector<double> DebugPortMarks() override { return {}; }
  void Destroy() override { domain_->Destroy(); }
  void Shutdown(Duration grace) override {
    if (domain_->RequestShutdown()) {
      auto until = std::chrono::steady_clock::now() + grace;
      while (!domain_->Ended() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Destroy();
  }
  std::vector<std::string> Describe() const override { return description_; }
  std::map<std::string, std::string> ProfileApplied() const override { return applied_; }
  std::vector<std::string> Warnings() const override { return warnings_; }
  std::string HypervisorVersion() const override { return version_; }
  int pid() const override { return 0; }
  std::string domain_name() const override { return domain_->name(); }
  std::string ssh_proxy_command() const override { return proxy_command_; }

 private:
  std::shared_ptr<LibvirtConnection> conn_;
  std::unique_ptr<RemoteVolumes> volumes_;  // remote hosts only
  std::unique_ptr<LibvirtDomain> domain_;
  std::unique_ptr<ByteStream> console_;
  std::vector<std::pair<std::string, std::string>> downloads_;  // volume, local path
  std::string proxy_command_;
  TimePoint t0_;
  std::map<std::string, std::string> applied_;
  std::vector<std::string> warnings_;
  std::vector<std::string> description_;
  std::string version_;
};

}  // namespace

// ---- LibvirtBackend ----

LibvirtBackend::LibvirtBackend(std::string uri, ProcessLauncher* launcher,
                               const Clock* clock, AccelResolver* accel,
                               ResourceRegistry* registry)
    : launcher_(launcher), clock_(clock), accel_(accel), registry_(registry) {
  if (uri.empty()) uri = "qemu:///system";
  conn_ = std::make_shared<LibvirtConnection>(uri);
}

std::string LibvirtBackend::connect_uri() const { return StripUriCredentials(conn_->uri()); }

std::string LibvirtBackend::cleanup_uri() const { return StripUriPassword(conn_->uri()); }

LibvirtOptions LibvirtBackend::OptionsFor(const BootRequest& request) const {
  const std::string& uri = conn_->uri();
  LibvirtOptions opt;
  if (uri.rfind("test:", 0) == 0) opt.driver = "test";
  // The QEMU driver's console is a pty read through libvirt (local and
  // remote alike); the test driver has no console streams.
  if (opt.driver == "test") {
    opt.console = "unix";
    opt.console_path = request.run_dir + "/console.sock";
  }
  // Local: QEMU runs as bootgate's own user and nothing is relabelled, so it
  // reads exactly what bootgate reads (like the qemu backend). Remote: the
  // host's own policy applies to the volumes bootgate uploads.
  if (IsLocalQemuUri(uri))
    opt.dac_label = "+" + std::to_string(getuid()) + ":+" + std::to_string(getgid());
  return opt;
}

std::unique_ptr<Guest> LibvirtBackend::Boot(const BootRequest& request) {
  try {
    return std::make_unique<LibvirtGuest>(conn_, clock_, request, OptionsFor(request),
                                          registry_, launcher_);
  } catch (const PortInUse&) {
    throw;
  } catch (const Error& e) {
    // libvirt quotes QEMU's stderr when the domain cannot start.
    if (IsHostForwardBindFailure(e.what())) throw PortInUse(e.what());
    throw;
  }
}

BootPreview LibvirtBackend::Preview(const BootRequest& request) const {
  return {"domain.xml", Redact(BuildDomainXml(request, OptionsFor(request)), request.secrets)};
}

std::pair<std::string, std::string> LibvirtBackend::ResolveAccel(const std::string& requested) {
  if (requested == "tcg") return {"tcg", "TCG requested by the scenario or --accel"};
  const std::string& uri = conn_->uri();
  if (!IsLocalQemuUri(uri)) {
    if (requested == "kvm") return {"kvm", "KVM requested; not probed on " + StripUriCredentials(uri)};
    return {"tcg", "cannot probe KVM through " + StripUriCredentials(uri) +
                       "; using TCG (set accel \"kvm\" to use it)"};
  }
  return accel_->Resolve(requested);
}

void LibvirtBackend::ReportAccelBroken(const std::string& accel, const std::string& evidence) {
  if (accel == "kvm" && IsLocalQemuUri(conn_->uri())) accel_->ReportBroken(evidence);
}

}  // namespace bootgate
