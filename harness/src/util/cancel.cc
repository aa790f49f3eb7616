#include "util/cancel.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <thread>

#include "util/error.h"

namespace bootgate {
namespace {
// The one place a signal handler can reach: set by SignalRouter only.
std::atomic<CancelToken*> g_token{nullptr};
struct sigaction g_old[3];
const int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

void OnSignal(int sig) {
  if (CancelToken* t = g_token.load()) t->Cancel(sig);
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

SignalRouter::SignalRouter(CancelToken* token) {
  g_token.store(token);
  struct sigaction sa{};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &g_old[i]);
  signal(SIGPIPE, SIG_IGN);
}

SignalRouter::~SignalRouter() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
  g_token.store(nullptr);
}

}  // namespace bootgate
