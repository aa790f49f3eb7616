// The live external resources a forced exit must not leave behind: child
// process groups (QEMU, image recipes and what they started) and libvirt
// domains. Each RAII owner registers its resource for exactly as long as it
// exists; on a second Ctrl-C the signal watcher (util/cancel.h) kills them
// all synchronously and the process exits without unwinding.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "util/clock.h"

namespace bootgate {

class ResourceRegistry {
 public:
  /// Unregisters its resource when destroyed; move-only; empty by default.
  class Registration {
   public:
    Registration() = default;
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

   private:
    friend class ResourceRegistry;
    Registration(ResourceRegistry* registry, long id)
        : registry_(registry), id_(id) {}
    ResourceRegistry* registry_ = nullptr;
    long id_ = 0;
  };

  /// Registers a resource described by `what` ("process group 123 (qemu-...)")
  /// and the action that destroys it at once. `kill` runs on another thread
  /// than the owner's, while the owner may still use the resource; it must not
  /// take a lock the owner holds while it destroys its Registration. After
  /// ForceKillAll, a new resource is killed as it is registered.
  /// `may_block`: the action asks another service (libvirtd) and may hang
  /// with it; a forced exit then never waits on it for longer than its
  /// bound.
  [[nodiscard]] Registration Add(std::string what, std::function<void()> kill,
                                 bool may_block = false);

  /// Runs every registered kill action, newest first (a VM before the
  /// workspace it runs in), and returns what was killed. Actions that may
  /// block run on their own threads, waited for up to `block_wait` in all;
  /// those still running then are named "... (still being destroyed)".
  /// Blocks owners that unregister meanwhile, so no resource is freed under
  /// its kill action.
  std::vector<std::string> ForceKillAll(Duration block_wait = std::chrono::seconds(2));

  /// How many resources are registered now.
  size_t size() const;

 private:
  struct Entry {
    std::string what;
    std::function<void()> kill;
    bool may_block = false;
  };
  void Remove(long id);

  mutable std::recursive_mutex mu_;
  std::map<long, Entry> live_;
  long next_id_ = 1;
  bool forced_ = false;
};

/// SIGKILLs the process group led by our child `leader`, reaps the leader
/// (if no other thread did) and waits up to `wait` until no process of the
/// group is left. Returns true if the group is gone.
bool KillProcessGroupNow(pid_t leader, Duration wait);

}  // namespace bootgate
