#include "runner/workspace.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "util/error.h"

namespace bootgate {

Workspace::Workspace(const std::string& state_dir, const std::string& name) {
  std::error_code ec;
  // The state dir may be /tmp/bootgate-<uid>, a name another local user can
  // take first: it must be ours and private before anything goes in.
  EnsurePrivateDirectory(state_dir);
  path_ = state_dir + "/" + name;
  if (mkdir(path_.c_str(), 0700) != 0)
    throw Error(path_, ErrnoMessage("cannot create the run's scratch directory", errno));
  lock_fd_ = open((path_ + "/lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    fs::remove_all(path_, ec);
    throw Error(path_, ErrnoMessage("cannot lock the run's scratch directory", errno));
  }
  RecordOwner(0, "", "");
}

Workspace::~Workspace() {
  std::error_code ec;
  if (!keep_) {
    fs::remove_all(path_, ec);
  } else {
    // Kept on purpose (--keep): leftover clean-up must not take it.
    try {
      WriteFileAtomic(path_ + "/kept", "kept by --keep; remove with: rm -rf " + path_ + "\n");
    } catch (const Error&) {
    }
  }
  if (lock_fd_ >= 0) close(lock_fd_);
}

void Workspace::RecordOwner(int vm_pid, const std::string& domain,
                            const std::string& connect_uri) {
  nlohmann::json j = {{"bootgate_pid", getpid()},
                      {"vm_pid", vm_pid},
                      {"domain", domain},
                      {"connect", connect_uri},
                      {"dir", path_}};
  WriteFileAtomic(path_ + "/owner.json", j.dump());
}

std::vector<Leftover> CleanLeftovers(
    const std::string& state_dir,
    const std::function<void(const std::string&, const std::string&)>&
        destroy_domain) {
  std::vector<Leftover> out;
  std::error_code ec;
  if (!fs::is_directory(state_dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(state_dir, ec)) {
    if (!entry.is_directory()) continue;
    std::string dir = entry.path().string();
    if (fs::exists(dir + "/kept", ec)) continue;  // --keep: the user's now
    int fd = open((dir + "/lock").c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;  // not a workspace (or being created)
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);  // its bootgate is alive
      continue;
    }
    Leftover l;
    l.dir = dir;
    nlohmann::json owner;
    try {
      owner = nlohmann::json::parse(ReadFile(dir + "/owner.json"));
    } catch (...) {
    }
    if (owner.is_object()) {
      l.vm_pid = owner.value("vm_pid", 0);
      l.domain = owner.value("domain", "");
    }
    std::vector<std::string> actions;
    if (l.vm_pid > 0) {
      // Only a process whose command line names this workspace is ours.
      std::string cmdline;
      try {
        cmdline = ReadFile("/proc/" + std::to_string(l.vm_pid) + "/cmdline");
      } catch (const Error&) {
      }
      if (!cmdline.empty() && cmdline.find(dir) != std::string::npos) {
        kill(l.vm_pid, SIGKILL);
        for (int i = 0; i < 50 && fs::exists("/proc/" + std::to_string(l.vm_pid), ec); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        actions.push_back("killed VM process " + std::to_string(l.vm_pid));
      }
    }
    if (!l.domain.empty() && destroy_domain) {
      try {
        destroy_domain(owner.value("connect", ""), l.domain);
        actions.push_back("destroyed libvirt domain " + l.domain);
      } catch (const std::exception& e) {
        actions.push_back("could not destroy libvirt domain " + l.domain + ": " + e.what());
      }
    }
    fs::remove_all(dir, ec);
    actions.push_back("removed " + dir);
    for (const auto& a : actions) l.action += (l.action.empty() ? "" : "; ") + a;
    close(fd);
    out.push_back(l);
  }
  return out;
}

}  // namespace bootgate
