// Process seam: bootgate starts QEMU, qemu-img, xorriso... only through a
// ProcessLauncher, always with an argument vector (never a shell), so that no
// scenario string can reach a shell and tests can replace the launcher.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/cancel.h"
#include "util/clock.h"
#include "util/resource_registry.h"

namespace bootgate {

/// How a process ended.
struct ExitStatus {
  bool exited = false;  ///< true: exited with `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;
  bool ok() const { return exited && code == 0; }
  /// "exited with status 1" / "killed by signal 9 (SIGKILL)".
  std::string Describe() const;
};

struct SpawnOptions {
  /// Options with only an argument vector set.
  static SpawnOptions Of(std::vector<std::string> argv) {
    SpawnOptions o;
    o.argv = std::move(argv);
    return o;
  }
  std::vector<std::string> argv;  ///< argv[0] is looked up in PATH
  bool pipe_stdin = false;        ///< else /dev/null
  bool pipe_stdout = false;       ///< else stdout_path or /dev/null
  bool pipe_stderr = false;       ///< else stderr_path or /dev/null
  std::string stdout_path;        ///< file to append stdout to
  std::string stderr_path;        ///< file to append stderr to
  std::vector<int> keep_fds;      ///< extra fds the child inherits as-is
  /// The child gets SIGKILL when the thread that spawned it dies, so a
  /// SIGKILLed bootgate leaves no VM behind.
  bool kill_with_parent = true;
};

/// A running child. Destroying it kills (SIGKILL) and reaps it if it still
/// runs: an owned process never outlives its owner.
class ChildProcess {
 public:
  virtual ~ChildProcess() = default;
  virtual pid_t pid() const = 0;
  /// Pipe ends (owned by the ChildProcess), or -1 when not piped.
  virtual int stdin_fd() const = 0;
  virtual int stdout_fd() const = 0;
  virtual int stderr_fd() const = 0;
  /// Non-blocking: the exit status if the child has ended.
  virtual std::optional<ExitStatus> TryWait() = 0;
  /// Waits up to `timeout`; nullopt if still running.
  virtual std::optional<ExitStatus> WaitFor(Duration timeout) = 0;
  /// Sends a signal (no-op if already reaped).
  virtual void Signal(int sig) = 0;
  /// SIGTERM, wait up to `grace`, then SIGKILL, to the child's whole process
/// group; returns how the child ended.
  virtual ExitStatus Terminate(Duration grace) = 0;
};

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  /// Starts a process; throws Error naming argv[0] if it cannot start.
  virtual std::unique_ptr<ChildProcess> Spawn(const SpawnOptions& options) = 0;
};

/// fork + execvp, with close-on-exec hygiene and PR_SET_PDEATHSIG. Each
/// child leads its own process group, which is in `registry` (when given)
/// from the fork until the child is reaped, so a forced exit kills it and
/// everything it started.
class PosixProcessLauncher : public ProcessLauncher {
 public:
  explicit PosixProcessLauncher(ResourceRegistry* registry = nullptr)
      : registry_(registry) {}
  std::unique_ptr<ChildProcess> Spawn(const SpawnOptions& options) override;

 private:
  ResourceRegistry* registry_;
};

/// Result of RunCommand.
struct CommandOutput {
  ExitStatus status;
  std::string stdout_text;  ///< bounded to `max_output_bytes`
  std::string stderr_text;  ///< bounded to `max_output_bytes`
  bool timed_out = false;
};

/// Runs a helper command (qemu-img, xorriso, an image recipe...) to
/// completion, capturing its output. After `timeout`, or when `cancel`
/// fires, it and every process it started (its process group) are killed;
/// cancellation then throws Interrupted. Throws Error if it cannot start.
CommandOutput RunCommand(ProcessLauncher& launcher,
                         const std::vector<std::string>& argv,
                         Duration timeout, size_t max_output_bytes = 1 << 20,
                         const CancelToken* cancel = nullptr);

/// Joins argv for display, quoting where needed. For messages only.
std::string JoinArgv(const std::vector<std::string>& argv);

/// True if `name` is an executable in PATH (or a path to one).
bool FindExecutable(const std::string& name, std::string* resolved = nullptr);

}  // namespace bootgate
