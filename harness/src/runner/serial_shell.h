// The serial fallback: logs in on the guest's serial console with a user and
// password and runs commands there, for images that refuse SSH (Photon denies
// root over SSH by default). Same CommandChannel as SSH, so sampling and
// checks do not care which one they got.
#pragma once

#include <string>

#include "console/console.h"
#include "ssh/command_channel.h"

namespace bootgate {

class SerialShell : public CommandChannel {
 public:
  SerialShell(Console* console, const Clock* clock, const CancelToken* cancel,
              std::string user, std::string password, std::string prompt_regex);
  /// Answers the login prompt (already on screen) and waits for a shell
  /// prompt. Throws Error ("login incorrect", timeout...) without ever
  /// printing the password.
  void Login(Duration timeout);
  ExecResult Exec(const std::string& command, Duration timeout,
                  size_t max_output_bytes = 1 << 20) override;
  std::string name() const override { return "serial"; }

 private:
  Console* console_;
  const Clock* clock_;
  const CancelToken* cancel_;
  std::string user_, password_, prompt_regex_;
  int next_id_ = 1;
};

}  // namespace bootgate
