#include "util/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "util/error.h"

namespace bootgate {
namespace {

ExitStatus FromWaitStatus(int ws) {
  ExitStatus s;
  if (WIFEXITED(ws)) {
    s.exited = true;
    s.code = WEXITSTATUS(ws);
  } else if (WIFSIGNALED(ws)) {
    s.signal = WTERMSIG(ws);
  }
  return s;
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

class PosixChild : public ChildProcess {
 public:
  PosixChild(pid_t pid, int in, int out, int err,
             ResourceRegistry::Registration reg)
      : pid_(pid), in_(in), out_(out), err_(err), reg_(std::move(reg)) {}
  // Every child leads its own process group (setpgid before exec), so a
  // signal to -pid_ reaches what it started too (mmdebstrap's apt, a
  // recipe's background jobs): nothing is orphaned.
  ~PosixChild() override {
    if (!status_) {
      kill(-pid_, SIGKILL);
      Reap(true);
    }
    CloseFd(in_);
    CloseFd(out_);
    CloseFd(err_);
  }
  pid_t pid() const override { return pid_; }
  int stdin_fd() const override { return in_; }
  int stdout_fd() const override { return out_; }
  int stderr_fd() const override { return err_; }

  std::optional<ExitStatus> TryWait() override {
    if (!status_) Reap(false);
    return status_;
  }

  std::optional<ExitStatus> WaitFor(Duration timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto step = std::chrono::microseconds(200);
    while (!TryWait()) {
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(step);
      step = std::min<std::chrono::microseconds>(step * 2,
                                                 std::chrono::milliseconds(10));
    }
    return status_;
  }

  void Signal(int sig) override {
    if (!TryWait()) kill(pid_, sig);
  }

  ExitStatus Terminate(Duration grace) override {
    if (!TryWait()) {
      kill(-pid_, SIGTERM);
      if (!WaitFor(grace)) {
        kill(-pid_, SIGKILL);
        Reap(true);
      }
    }
    return *status_;
  }

 private:
  // Reaps the child once it has ended (waiting for that if `block`). While
  // the ended child is not yet reaped its pid, and so its process group id,
  // cannot be reused: that is when whatever it left in its group is killed
  // and it leaves the registry, so that no later signal can reach a stranger.
  void Reap(bool block) {
    siginfo_t si{};
    int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
    int r;
    while ((r = waitid(P_PID, pid_, &si, flags)) < 0 && errno == EINTR) {
    }
    if (r == 0 && si.si_pid == 0) return;  // still running
    if (r == 0) kill(-pid_, SIGKILL);
    reg_ = {};
    int ws = 0;
    pid_t got;
    while ((got = waitpid(pid_, &ws, 0)) < 0 && errno == EINTR) {
    }
    // ECHILD: a forced exit's kill action reaped it on another thread.
    status_ = got == pid_ ? FromWaitStatus(ws) : ExitStatus{false, 0, SIGKILL};
  }

 private:
  pid_t pid_;
  int in_, out_, err_;
  std::optional<ExitStatus> status_;
  ResourceRegistry::Registration reg_;
};

}  // namespace

std::string ExitStatus::Describe() const {
  if (exited) return "exited with status " + std::to_string(code);
  const char* name = sigabbrev_np(signal);
  return "killed by signal " + std::to_string(signal) +
         (name ? std::string(" (SIG") + name + ")" : "");
}

bool FindExecutable(const std::string& name, std::string* resolved) {
  auto ok = [&](const std::string& p) {
    struct stat st{};
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(p.c_str(), X_OK) == 0) {
      if (resolved) *resolved = p;
      return true;
    }
    return false;
  };
  if (name.find('/') != std::string::npos) return ok(name);
  const char* path = getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  p += ":/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (!dir.empty() && ok(dir + "/" + name)) return true;
    start = end + 1;
  }
  return false;
}

std::unique_ptr<ChildProcess> PosixProcessLauncher::Spawn(
    const SpawnOptions& options) {
  if (options.argv.empty()) throw Error("cannot start a process: empty argv");
  std::string exe;
  if (!FindExecutable(options.argv[0], &exe)) {
    throw Error(options.argv[0],
                "program not found in PATH; is its package installed? "
                "(ci/install-deps.sh installs everything bootgate needs)");
  }
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, exec_err[2];
  auto make_pipe = [](int p[2]) {
    if (pipe2(p, O_CLOEXEC) != 0) throw Error(ErrnoMessage("pipe", errno));
  };
  if (options.pipe_stdin) make_pipe(in);
  if (options.pipe_stdout) make_pipe(out);
  if (options.pipe_stderr) make_pipe(err);
  make_pipe(exec_err);

  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) throw Error(ErrnoMessage("fork", errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    if (options.kill_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
    }
    setpgid(0, 0);  // a terminal's ^C goes to bootgate, which stops the VM
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    signal(SIGPIPE, SIG_DFL);
    auto redirect = [](int fd, int target) {
      if (fd >= 0 && fd != target) dup2(fd, target);
    };
    int devnull = open("/dev/null", O_RDWR);
    redirect(options.pipe_stdin ? in[0] : devnull, 0);
    int o = options.pipe_stdout ? out[1]
            : options.stdout_path.empty()
                ? devnull
                : open(options.stdout_path.c_str(),
                       O_WRONLY | O_CREAT | O_APPEND, 0644);
    redirect(o, 1);
    int e = options.pipe_stderr ? err[1]
            : options.stderr_path.empty()
                ? devnull
                : open(options.stderr_path.c_str(),
                       O_WRONLY | O_CREAT | O_APPEND, 0644);
    redirect(e, 2);
    // The child gets fds 0-2 and keep_fds, nothing else: not /dev/null or
    // the log files opened above, not whatever bootgate's own parent leaked
    // to it. (mmdebstrap, for one, fails when its pipes land above fd 9.)
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 4096; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    for (int fd : options.keep_fds) {
      int flags = fcntl(fd, F_GETFD);
      if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    execv(exe.c_str(), argv.data());
    int code = errno;
    (void)!write(exec_err[1], &code, sizeof code);
    _exit(127);
  }
  close(exec_err[1]);
  // Registered before anything can fail: from here the child is owned.
  ResourceRegistry::Registration reg;
  if (registry_)
    reg = registry_->Add(
        "process group " + std::to_string(pid) + " (" + options.argv[0] + ")",
        [pid] { KillProcessGroupNow(pid, std::chrono::seconds(2)); });
  int code = 0;
  ssize_t n;
  while ((n = read(exec_err[0], &code, sizeof code)) < 0 && errno == EINTR) {
  }
  close(exec_err[0]);
  if (in[0] >= 0) close(in[0]);
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (n > 0) {
    reg = {};  // before the reap frees its pid
    int ws;
    waitpid(pid, &ws, 0);
    CloseFd(in[1]);
    CloseFd(out[0]);
    CloseFd(err[0]);
    throw Error(exe, ErrnoMessage("cannot execute", code));
  }
  return std::make_unique<PosixChild>(pid, in[1], out[0], err[0],
                                      std::move(reg));
}

CommandOutput RunCommand(ProcessLauncher& launcher,
                         const std::vector<std::string>& argv,
                         Duration timeout, size_t max_output_bytes,
                         const CancelToken* cancel) {
  SpawnOptions opts;
  opts.argv = argv;
  opts.pipe_stdout = true;
  opts.pipe_stderr = true;
  auto child = launcher.Spawn(opts);
  CommandOutput result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{child->stdout_fd(), POLLIN, 0},
                   {child->stderr_fd(), POLLIN, 0}};
  std::string* sinks[2] = {&result.stdout_text, &result.stderr_text};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    if (cancel && cancel->cancelled()) {
      // Ctrl-C while a helper runs (a recipe can take minutes): stop it and
      // everything it started, then unwind.
      child->Terminate(std::chrono::seconds(2));
      cancel->ThrowIfCancelled();
    }
    // Short slices: the cancel token is polled while the command runs.
    int r = poll(fds, 2, static_cast<int>(std::min<long>(left.count(), 100)));
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        fds[i].fd = -1;
        --open_fds;
      } else if (sinks[i]->size() < max_output_bytes) {
        sinks[i]->append(buf, std::min<size_t>(got, max_output_bytes -
                                                        sinks[i]->size()));
      }
    }
  }
  if (result.timed_out) {
    result.status = child->Terminate(std::chrono::seconds(2));
  } else {
    auto left = deadline - std::chrono::steady_clock::now();
    auto s = child->WaitFor(std::max<Duration>(left, std::chrono::seconds(1)));
    if (!s) {
      result.timed_out = true;
      s = child->Terminate(std::chrono::seconds(2));
    }
    result.status = *s;
  }
  return result;
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?;&|<>(){}") ==
                                   std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) {
        if (c == '\'')
          out += "'\\''";
        else
          out += c;
      }
      out += '\'';
    }
  }
  return out;
}

}  // namespace bootgate
