// The seam every post-login step (sampling, checks) runs guest commands
// through. Implemented over SSH (ssh/ssh_client.h) and over the serial-console
// shell; FakeCommandChannel scripts it for unit tests. A channel runs one
// command at a time through the guest's shell and bounds what it keeps.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/clock.h"
#include "util/regex.h"

namespace bootgate {

/// What one command produced.
struct ExecResult {
  int exit_status = -1;  ///< -1: unknown (e.g. killed by a signal)
  std::string stdout_text;
  std::string stderr_text;
  bool truncated = false;  ///< stdout or stderr went past max_output_bytes
  double duration_s = 0;
};

class CommandChannel {
 public:
  virtual ~CommandChannel() = default;
  /// Runs `command` through the guest's shell and waits for it to end.
  /// stdout and stderr are each bounded to `max_output_bytes` (the rest is
  /// read and discarded, and `truncated` is set). Throws Error on timeout or
  /// a dropped connection; the message says which and names the command.
  virtual ExecResult Exec(const std::string& command, Duration timeout,
                          size_t max_output_bytes = 1 << 20) = 0;
  /// "ssh" | "serial" (or whatever a fake was told).
  virtual std::string name() const = 0;
};

/// Quotes `text` as one POSIX shell word: wrapped in single quotes, each
/// embedded single quote written as '\''. Safe for any byte string.
std::string ShellQuote(std::string_view text);

/// A scripted CommandChannel for unit tests. Each Exec is recorded, then
/// answered by the first exact-match script for the command, else by the first
/// regex script (RE2, searched) in the order added. A script either
/// returns its ExecResult (stdout/stderr bounded to max_output_bytes like a
/// real channel) or throws Error with its message. An unscripted command
/// throws Error naming it.
class FakeCommandChannel : public CommandChannel {
 public:
  struct Call {
    std::string command;
    Duration timeout{};
    size_t max_output_bytes = 0;
  };

  explicit FakeCommandChannel(std::string name = "ssh")
      : name_(std::move(name)) {}

  /// Answers `command` (exact) with `result`.
  void OnExact(const std::string& command, ExecResult result);
  /// Answers commands matching `pattern` (RE2, search) with `result`.
  void OnRegex(const std::string& pattern, ExecResult result);
  /// Makes `command` (exact) throw Error(error_message).
  void FailExact(const std::string& command, std::string error_message);
  /// Makes commands matching `pattern` throw Error(error_message).
  void FailRegex(const std::string& pattern, std::string error_message);

  ExecResult Exec(const std::string& command, Duration timeout,
                  size_t max_output_bytes = 1 << 20) override;
  std::string name() const override { return name_; }

  const std::vector<Call>& calls() const { return calls_; }

 private:
  struct Script {
    bool exact = true;
    std::string key;
    std::optional<Regex> re;
    ExecResult result;
    bool fail = false;
    std::string error_message;
  };
  void Add(Script s);

  std::string name_;
  std::vector<Script> scripts_;
  std::vector<Call> calls_;
};

}  // namespace bootgate
