// Pipeline stage 5, connect: a way into the booted guest. SSH with the run's
// key (retried until the guest's ready timeout), or the serial console with
// the scenario's password when SSH is off or (method "auto") fails.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runner/boot.h"
#include "runner/run_context.h"
#include "runner/run_setup.h"
#include "ssh/command_channel.h"

namespace bootgate {

struct AccessOutcome {
  std::unique_ptr<CommandChannel> channel;  ///< null: no way in (access off)
  std::optional<double> ssh_ready_s;        ///< t0 to the first SSH session
  std::string host_key_sha256;
  std::vector<std::string> warnings;
  std::string ChannelName() const { return channel ? channel->name() : "none"; }
};

/// Connects as the scenario says. Throws Stop (ssh-unreachable), Error
/// (authentication refused) or Interrupted.
AccessOutcome OpenAccess(BootedSystem& booted, const RunRequest& run, const RunSetup& setup,
                         const RunServices& services);

}  // namespace bootgate
