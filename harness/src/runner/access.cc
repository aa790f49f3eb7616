#include "runner/access.h"

#include "runner/serial_shell.h"
#include "util/error.h"

namespace bootgate {

AccessOutcome OpenAccess(BootedSystem& booted, const RunRequest& run, const RunSetup& setup,
                         const RunServices& services) {
  const Scenario& s = *run.scenario;
  const Clock& clock = *services.clock;
  TimePoint t0 = booted.vm.guest->started_at();
  AccessOutcome out;
  double ready_timeout = s.access.ready_timeout_s > 0 ? s.access.ready_timeout_s : s.boot.timeout_s;
  if (setup.wants_ssh) {
    if (services.progress)
      services.progress->Update(run.Label(), "ssh", ToSeconds(clock.Now() - t0), std::nullopt);
    SshTarget target;
    target.port = setup.base.ssh_host_port;
    target.user = s.access.user;
    target.key = &*setup.key;
    target.password = s.access.password;
    try {
      auto session = ConnectWithRetry(*services.ssh, target, FromSeconds(s.access.connect_timeout_s),
                                      t0 + FromSeconds(ready_timeout), clock, services.cancel);
      out.ssh_ready_s = ToSeconds(clock.Now() - t0);
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
