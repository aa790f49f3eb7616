#include "backend/qemu/qemu_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "backend/qemu/qmp.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/redact.h"
#include "util/regex.h"

namespace bootgate {
namespace {

class QemuGuest : public Guest {
 public:
  QemuGuest(ProcessLauncher* launcher, const Clock* clock,
            const BootRequest& req, const QemuHost& host_in)
      : clock_(clock) {
    QemuHost host = host_in;
    int qmp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) != 0)
      throw Error(req.name, ErrnoMessage("cannot create the QMP socket", errno));
    int dbg[2] = {-1, -1};
    if (req.debug_port && pipe2(dbg, O_CLOEXEC) != 0) {
      close(qmp[0]);
      close(qmp[1]);
      throw Error(req.name, ErrnoMessage("cannot create the debug-port pipe", errno));
    }
    host.qmp_fd = qmp[1];
    host.debugcon_fd = dbg[1];
    QemuCommand cmd = BuildQemuCommand(req, host);
    warnings_ = cmd.warnings;
    applied_ = cmd.applied;
    for (const auto& a : cmd.argv) argv_.push_back(Redact(a, req.secrets));
    if (!cmd.ovmf_vars_copy.empty()) {
      std::error_code ec;
      fs::copy_file(host.ovmf_vars_template, cmd.ovmf_vars_copy,
                    fs::copy_options::overwrite_existing, ec);
      if (ec) {
        close(qmp[0]);
        close(qmp[1]);
        throw Error(host.ovmf_vars_template,
                    "cannot copy the UEFI variable store (is package ovmf "
                    "installed?): " + ec.message());
      }
    }
    stderr_path_ = req.run_dir + "/qemu.stderr";
    // A retried start (its port was taken) must not quote the last one.
    std::error_code no_file;
    fs::remove(stderr_path_, no_file);
    SpawnOptions opts;
    opts.argv = cmd.argv;
    opts.pipe_stdin = true;
    opts.pipe_stdout = true;
    opts.stderr_path = stderr_path_;
    opts.keep_fds = {qmp[1]};
    if (dbg[1] >= 0) opts.keep_fds.push_back(dbg[1]);
    // t0: the moment the VM process starts.
    t0_ = clock_->Now();
    try {
      child_ = launcher->Spawn(opts);
    } catch (...) {
      close(qmp[0]);
      close(qmp[1]);
      if (dbg[0] >= 0) close(dbg[0]);
      if (dbg[1] >= 0) close(dbg[1]);
      throw;
    }
    close(qmp[1]);
    if (dbg[1] >= 0) close(dbg[1]);
    debug_fd_ = dbg[0];
    // Read and stamped from now on, also while the QMP handshake runs.
    console_ = std::make_unique<StampingByteStream>(
        std::make_unique<FdByteStream>(child_->stdout_fd(), child_->stdin_fd()), clock_);
    qmp_ = std::make_unique<QmpClient>(qmp[0], clock_, t0_);
    if (debug_fd_ >= 0) debug_reader_ = std::thread([this] { ReadDebugPort(); });
    try {
      qmp_->Handshake(std::chrono::seconds(20));
    } catch (const Error& e) {
      auto status = child_->WaitFor(std::chrono::milliseconds(500));
      std::string err = StderrText();
      Destroy();
      std::string why =
          "QEMU did not start" +
          (status ? " (" + status->Describe() + ")" : "") +
          (err.empty() ? std::string(": ") + e.what() : ": " + err);
      if (IsHostForwardBindFailure(err)) throw PortInUse(req.name, why);
      throw Error(req.name, why);
    }
    version_ = qmp_->version();
  }

  ~QemuGuest() override { Destroy(); }

  ByteStream& console() override { return *console_; }
  TimePoint started_at() const override { return t0_; }

  std::optional<std::string> Ended() override {
    std::lock_guard lock(mu_);
    if (!child_) return destroyed_ ? std::optional<std::string>("destroyed by bootgate") : std::nullopt;
    auto st = child_->TryWait();
    if (!st) return std::nullopt;
    std::string how = "QEMU " + st->Describe();
    for (const auto& e : qmp_->Events()) {
      if (e.name == "SHUTDOWN") how = "guest shut down (" + e.detail + "), QEMU " + st->Describe();
      if (e.name == "GUEST_PANICKED") how = "guest panicked (pvpanic), QEMU " + st->Describe();
    }
    std::string err = StderrText();
    if (!st->ok() && !err.empty()) how += ": " + err;
    return how;
  }

  std::vector<GuestEvent> Events() override { return qmp_->Events(); }

  std::vector<double> DebugPortMarks() override {
    std::lock_guard lock(mu_);
    return marks_;
  }

  void Destroy() override {
    std::unique_ptr<ChildProcess> child;
    {
      std::lock_guard lock(mu_);
      child = std::move(child_);
      destroyed_ = true;
    }
    // The console's reader stops before the process (and its pipes) go.
    if (console_) console_->StopReading();
    if (child) child->Terminate(std::chrono::milliseconds(1500));
    if (debug_reader_.joinable()) debug_reader_.join();
    if (debug_fd_ >= 0) {
      close(debug_fd_);
      debug_fd_ = -1;
    }
  }

  void Shutdown(Duration grace) override {
    try {
      qmp_->Execute("system_powerdown", nlohmann::json::object(), std::chrono::seconds(2));
    } catch (const Error&) {
      // Already gone or not answering: Destroy below handles both.
    }
    ChildProcess* c;
    {
      std::lock_guard lock(mu_);
      c = child_.get();
    }
    if (c) c->WaitFor(grace);
    Destroy();
  }

  std::vector<std::string> Describe() const override { return argv_; }
  std::map<std::string, std::string> ProfileApplied() const override { return applied_; }
  std::vector<std::string> Warnings() const override { return warnings_; }
  std::string HypervisorVersion() const override {
    return version_.empty() ? "QEMU" : "QEMU " + version_;
  }
  int pid() const override {
    std::lock_guard lock(mu_);
    return child_ ? child_->pid() : 0;
  }

 private:
  std::string StderrText() const {
    try {
      std::string s = ReadFile(stderr_path_);
      // Keep the last few lines; QEMU states the cause last.
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      if (s.size() > 600) s = "..." + s.substr(s.size() - 600);
      std::replace(s.begin(), s.end(), '\n', ' ');
      return s;
    } catch (const Error&) {
      return "";
    }
  }

  void ReadDebugPort() {
    char buf[256];
    while (true) {
      pollfd p{debug_fd_, POLLIN, 0};
      int r = poll(&p, 1, 100);
      {
        std::lock_guard lock(mu_);
        if (destroyed_ && r <= 0) return;
      }
      if (r <= 0) continue;
      ssize_t n = read(debug_fd_, buf, sizeof buf);
      if (n <= 0) return;
      double t = ToSeconds(clock_->Now() - t0_);
      std::lock_guard lock(mu_);
      // SeaBIOS logs several KiB to 0x402 before the guest's own mark, so
      // the newest marks are kept, not the first ones.
      for (ssize_t i = 0; i < n; ++i) marks_.push_back(t);
      if (marks_.size() > 1000) marks_.erase(marks_.begin(), marks_.end() - 1000);
    }
  }

  const Clock* clock_;
  mutable std::mutex mu_;
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<StampingByteStream> console_;
  std::unique_ptr<QmpClient> qmp_;
  TimePoint t0_;
  std::vector<std::string> argv_;
  std::vector<std::string> warnings_;
  std::map<std::string, std::string> applied_;
  std::string stderr_path_;
  std::string version_;
  int debug_fd_ = -1;
  std::thread debug_reader_;
  std::vector<double> marks_;
  bool destroyed_ = false;
};

}  // namespace

std::string ParseQemuVersion(const std::string& out) {
  static const Regex kVersion(R"(version (\d+\.\d+\.\d+))", "QEMU version");
  auto m = kVersion.Find(out);
  return m ? std::string((*m)[1]) : "";
}

QemuBackend::QemuBackend(ProcessLauncher* launcher, const Clock* clock,
                         QemuHost host, AccelResolver* accel)
    : launcher_(launcher), clock_(clock), host_(std::move(host)), accel_(accel) {}

std::unique_ptr<Guest> QemuBackend::Boot(const BootRequest& request) {
  return std::make_unique<QemuGuest>(launcher_, clock_, request, host_);
}

BootPreview QemuBackend::Preview(const BootRequest& request) const {
  QemuCommand cmd = BuildQemuCommand(request, host_);
  BootPreview preview{"qemu.argv", ""};
  for (const auto& a : cmd.argv) preview.text += Redact(a, request.secrets) + "\n";
  return preview;
}

std::pair<std::string, std::string> QemuBackend::ResolveAccel(
    const std::string& requested) {
  return accel_->Resolve(requested);
}

void QemuBackend::ReportAccelBroken(const std::string& accel,
                                    const std::string& evidence) {
  if (accel == "kvm") accel_->ReportBroken(evidence);
}

}  // namespace bootgate
