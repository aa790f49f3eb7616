#include "util/resource_registry.h"

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace bootgate {

ResourceRegistry::Registration::Registration(Registration&& other) noexcept
    : registry_(other.registry_), id_(other.id_) {
  other.registry_ = nullptr;
}

ResourceRegistry::Registration& ResourceRegistry::Registration::operator=(
    Registration&& other) noexcept {
  if (this != &other) {
    if (registry_) registry_->Remove(id_);
    registry_ = other.registry_;
    id_ = other.id_;
    other.registry_ = nullptr;
  }
  return *this;
}

ResourceRegistry::Registration::~Registration() {
  if (registry_) registry_->Remove(id_);
}

ResourceRegistry::Registration ResourceRegistry::Add(std::string what,
                                                     std::function<void()> kill,
                                                     bool may_block) {
  std::lock_guard lock(mu_);
  if (forced_) {
    // The forced exit is under way: nothing new may outlive it. (This is
    // the owner's thread, not the one that exits: it may wait.)
    kill();
    return {};
  }
  long id = next_id_++;
  live_[id] = {std::move(what), std::move(kill), may_block};
  return Registration(this, id);
}

void ResourceRegistry::Remove(long id) {
  std::lock_guard lock(mu_);
  live_.erase(id);
}

std::vector<std::string> ResourceRegistry::ForceKillAll(Duration block_wait) {
  // Recursive: a kill action may end an owner on this thread (a test's), and
  // the owner then unregisters here.
  std::lock_guard lock(mu_);
  forced_ = true;
  std::vector<std::string> killed;
  std::map<long, Entry> live = std::move(live_);
  live_.clear();
  // A kill that asks libvirtd runs on its own thread: a hung daemon, or an
  // owner blocked in a libvirt call, must not hold the forced exit.
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    int left = 0;
  };
  auto pending = std::make_shared<Pending>();
  std::vector<std::pair<std::string, std::shared_ptr<std::atomic<bool>>>>
      blocking;
  for (auto it = live.rbegin(); it != live.rend(); ++it) {
    if (!it->second.may_block) {
      it->second.kill();
      killed.push_back(it->second.what);
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    blocking.emplace_back(it->second.what, done);
    {
      std::lock_guard p(pending->mu);
      ++pending->left;
    }
    std::thread([kill = std::move(it->second.kill), done, pending] {
      kill();
      *done = true;
      std::lock_guard p(pending->mu);
      --pending->left;
      pending->cv.notify_all();
    }).detach();
  }
  {
    std::unique_lock p(pending->mu);
    pending->cv.wait_for(p, block_wait, [&] { return pending->left == 0; });
  }
  for (const auto& [what, done] : blocking)
    killed.push_back(
        *done
            ? what
            : what + " (still being destroyed; `bootgate clean` finishes it)");
  return killed;
}

size_t ResourceRegistry::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

namespace {
// True while a process of group `pgid` runs. Killed members whose parent died
// with them are zombies until init reaps them: those do not count.
bool GroupHasLiveMembers(pid_t pgid) {
  if (kill(-pgid, 0) != 0 && errno == ESRCH) return false;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    // "pid (comm) S ppid pgrp ...": comm may hold anything but ends at the
    // last ')'.
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (!(rest >> state >> ppid >> pgrp)) continue;
    if (pgrp == pgid && state != 'Z' && state != 'X') return true;
  }
  return false;
}
}  // namespace

bool KillProcessGroupNow(pid_t leader, Duration wait) {
  if (leader <= 0) return true;
  kill(-leader, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    // The leader is our child: reaped here (or by its owner), it stops
    // counting as a member of its group.
    int ws = 0;
    while (waitpid(leader, &ws, WNOHANG) < 0 && errno == EINTR) {
    }
    if (!GroupHasLiveMembers(leader)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    kill(-leader, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace bootgate
