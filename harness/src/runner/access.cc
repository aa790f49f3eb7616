#include "runner/access.h"

#include <signal.h>

#include "runner/serial_shell.h"
#include "util/error.h"

namespace bootgate {

EarlySsh::EarlySsh(const BootedSystem& booted, const RunRequest& run, const RunSetup& setup,
                   const RunServices& services)
    : services_(services) {
  const Scenario& s = *run.scenario;
  TimePoint t0 = booted.vm.guest->started_at();
  double ready_timeout = s.access.ready_timeout_s > 0 ? s.access.ready_timeout_s : s.boot.timeout_s;
  SshTarget target;
  target.port = booted.vm.ssh_host_port;
  target.proxy_command = booted.vm.guest->ssh_proxy_command();
  target.user = s.access.user;
  target.key = &*setup.key;
  target.password = s.access.password;
  Duration attempt = FromSeconds(s.access.connect_timeout_s);
  thread_ = std::thread([this, target, attempt, t0, ready_timeout] {
    std::unique_ptr<SshSession> session;
    std::exception_ptr error;
    double ready_s = 0;
    try {
      session = ConnectWithRetry(*services_.ssh, target, attempt, t0 + FromSeconds(ready_timeout),
                                 *services_.clock, &stop_, nullptr, [this] { return !login_seen_; });
      ready_s = ToSeconds(services_.clock->Now() - t0);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mu_);
    session_ = std::move(session);
    error_ = error;
    ready_s_ = ready_s;
    done_ = true;
    cv_.notify_all();
  });
}

EarlySsh::~EarlySsh() {
  stop_.Cancel(SIGTERM);
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<SshSession> EarlySsh::Take(double* ready_s) {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return done_; })) {
    if (services_.cancel && services_.cancel->cancelled()) {
      stop_.Cancel(services_.cancel->signal());
      services_.cancel->ThrowIfCancelled();
    }
  }
  if (error_) std::rethrow_exception(error_);
  *ready_s = ready_s_;
  return std::move(session_);
}

std::optional<double> EarlySsh::ReadyS() {
  std::lock_guard lock(mu_);
  if (done_ && session_) return ready_s_;
  return std::nullopt;
}

std::unique_ptr<EarlySsh> StartSsh(const BootedSystem& booted, const RunRequest& run,
                                   const RunSetup& setup, const RunServices& services) {
  if (!setup.wants_ssh) return nullptr;
  return std::make_unique<EarlySsh>(booted, run, setup, services);
}

AccessOutcome OpenAccess(BootedSystem& booted, EarlySsh* ssh, const RunRequest& run,
                         const RunSetup& setup, const RunServices& services) {
  const Scenario& s = *run.scenario;
  const Clock& clock = *services.clock;
  TimePoint t0 = booted.vm.guest->started_at();
  AccessOutcome out;
  if (ssh) {
    if (services.progress)
      services.progress->Update(run.Label(), "ssh", ToSeconds(clock.Now() - t0), std::nullopt);
    ssh->LoginSeen();
    try {
      double ready_s = 0;
      auto session = ssh->Take(&ready_s);
      out.ssh_ready_s = ready_s;
      out.host_key_sha256 = session->host_key_sha256();
      out.channel = std::move(session);
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      if (s.access.method == "auto" && !s.access.password.empty()) {
        out.warnings.push_back(std::string("SSH failed, used the serial console instead: ") + e.what());
      } else if (dynamic_cast<const SshAuthError*>(&e)) {
        throw Error("ssh", std::string("authentication failed: ") + e.what());
      } else {
        throw Stop{Verdict::kFail, "ssh-unreachable", std::string("SSH did not become ready: ") + e.what()};
      }
    }
  }
  if (!out.channel && setup.wants_access && !s.access.password.empty()) {
    auto shell = std::make_unique<SerialShell>(booted.vm.console.get(), services.clock, services.cancel,
                                               s.access.user, s.access.password, s.access.shell_prompt);
    if (services.progress)
      services.progress->Update(run.Label(), "serial login", ToSeconds(clock.Now() - t0), std::nullopt);
    shell->Login(std::chrono::seconds(60));
    out.channel = std::move(shell);
  }
  return out;
}

}  // namespace bootgate
