// Pipeline stage 5, connect: a way into the booted guest. SSH with the run's
// key (retried until the guest's ready timeout), or the serial console with
// the scenario's password when SSH is off or (method "auto") fails.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include "runner/boot.h"
#include "runner/run_context.h"
#include "runner/run_setup.h"
#include "ssh/command_channel.h"
#include "ssh/ssh_client.h"
#include "util/cancel.h"

namespace bootgate {

/// SSH attempts from the moment the VM starts, on their own thread, so that
/// ssh_ready_s is measured rather than bounded below by the login prompt (an
/// image whose sshd is up before its getty shows it). Until the login prompt
/// an authentication refusal is retried too (the guest may not have
/// installed the key yet). Destroying it stops the attempts.
class EarlySsh {
 public:
  EarlySsh(const BootedSystem& booted, const RunRequest& run, const RunSetup& setup,
           const RunServices& services);
  ~EarlySsh();
  EarlySsh(const EarlySsh&) = delete;
  EarlySsh& operator=(const EarlySsh&) = delete;
  /// The login prompt arrived: from now on a refusal is final.
  void LoginSeen() { login_seen_ = true; }
  /// Waits for the first session; sets `ready_s` (seconds after t0) and
  /// returns it, or rethrows what ended the attempts. Interrupted when the
  /// run is cancelled meanwhile.
  std::unique_ptr<SshSession> Take(double* ready_s);
  /// Seconds after t0 at which a session was established, once it was;
  /// never blocks.
  std::optional<double> ReadyS();

 private:
  const RunServices& services_;
  CancelToken stop_;
  std::atomic<bool> login_seen_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::unique_ptr<SshSession> session_;
  std::exception_ptr error_;
  double ready_s_ = 0;
  std::thread thread_;
};

/// Starts EarlySsh when the scenario logs in over SSH; else null.
std::unique_ptr<EarlySsh> StartSsh(const BootedSystem& booted, const RunRequest& run,
                                   const RunSetup& setup, const RunServices& services);

struct AccessOutcome {
  std::unique_ptr<CommandChannel> channel;  ///< null: no way in (access off)
  std::optional<double> ssh_ready_s;        ///< t0 to the first SSH session
  std::string host_key_sha256;
  std::vector<std::string> warnings;
  std::string ChannelName() const { return channel ? channel->name() : "none"; }
};

/// Connects as the scenario says. Throws Stop (ssh-unreachable), Error
/// (authentication refused) or Interrupted.
AccessOutcome OpenAccess(BootedSystem& booted, EarlySsh* ssh, const RunRequest& run,
                         const RunSetup& setup, const RunServices& services);

}  // namespace bootgate
