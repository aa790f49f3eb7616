#include "util/cancel.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <thread>
#include <vector>

#include "util/error.h"

namespace bootgate {
namespace {
// The one thing a signal handler can reach: the write end of the running
// SignalRouter's self-pipe (-1 when none runs).
std::atomic<int> g_pipe_write{-1};
struct sigaction g_old[3];
const int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

void OnSignal(int sig) {
  int saved = errno;
  int fd = g_pipe_write.load();
  unsigned char b = static_cast<unsigned char>(sig);
  if (fd >= 0) (void)!write(fd, &b, 1);
  errno = saved;
}

void Say(const std::string& s) {
  std::string line = "bootgate: " + s + "\n";
  (void)!write(2, line.data(), line.size());
}
}  // namespace

void SleepCancellable(Duration d, const Clock& clock, const CancelToken* cancel) {
  TimePoint end = clock.Now() + d;
  while (clock.Now() < end) {
    if (cancel) cancel->ThrowIfCancelled();
    std::this_thread::sleep_for(
        std::min<Duration>(end - clock.Now(), std::chrono::milliseconds(50)));
  }
}

void CancelToken::ThrowIfCancelled() const {
  if (cancelled()) throw Interrupted(SignalName());
}

std::string CancelToken::SignalName() const {
  int sig = signal();
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

SignalRouter::SignalRouter(CancelToken* token, ResourceRegistry* registry,
                           Duration force_window)
    : token_(token), registry_(registry), force_window_(force_window) {
  if (pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw Error(ErrnoMessage("cannot create the signal pipe", errno));
  watcher_ = std::thread([this] { Watch(); });
  g_pipe_write.store(pipe_[1]);
  struct sigaction sa{};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &g_old[i]);
  signal(SIGPIPE, SIG_IGN);
}

SignalRouter::~SignalRouter() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
  g_pipe_write.store(-1);
  // Byte 0 is no signal: it tells the watcher to stop.
  unsigned char stop = 0;
  (void)!write(pipe_[1], &stop, 1);
  watcher_.join();
  close(pipe_[0]);
  close(pipe_[1]);
}

void SignalRouter::Watch() {
  std::optional<std::chrono::steady_clock::time_point> last;
  while (true) {
    pollfd p{pipe_[0], POLLIN, 0};
    if (poll(&p, 1, -1) < 0) continue;  // EINTR
    unsigned char b = 0;
    while (read(pipe_[0], &b, 1) == 1) {
      if (b == 0) return;
      int sig = b;
      auto now = std::chrono::steady_clock::now();
      if (last && now - *last <= force_window_) ForceExit(sig);
      last = now;
      token_->Cancel(sig);
      Say(std::string("SIG") + sigabbrev_np(sig) +
          ": stopping cleanly (send it again within " +
          std::to_string(static_cast<int>(ToSeconds(force_window_))) +
          " s to force the exit)");
    }
  }
}

void SignalRouter::ForceExit(int sig) {
  std::vector<std::string> killed;
  if (registry_) killed = registry_->ForceKillAll();
  std::string what;
  for (const auto& k : killed) what += (what.empty() ? "" : ", ") + k;
  Say(std::string("SIG") + sigabbrev_np(sig) + " again: forced exit" +
      (killed.empty() ? std::string(" (nothing was running)")
                      : " after killing " + what) +
      "; no report is written; scratch files left behind are removed by the "
      "next "
      "`bootgate run` or by `bootgate clean`");
  _exit(128 + sig);
}

}  // namespace bootgate
