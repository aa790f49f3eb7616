// Scratch space of one VM run: a directory under the state dir holding the
// overlay, seed volume, UEFI vars and an owner record, locked with flock for
// as long as its bootgate lives. A directory whose lock is free belongs to a
// dead bootgate: CleanLeftovers() kills its VM and removes it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "util/fs.h"
#include "util/paths.h"  // DefaultStateDir, DefaultCacheDir

namespace bootgate {

class Workspace {
 public:
  /// Creates and locks `<state_dir>/<name>`.
  Workspace(const std::string& state_dir, const std::string& name);
  /// Removes the directory (unless Keep()) and releases the lock.
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::string& path() const { return path_; }
  /// Records what must be killed if this bootgate dies (pid, domain).
  void RecordOwner(int vm_pid, const std::string& domain,
                   const std::string& connect_uri);
  void Keep() { keep_ = true; }
  bool kept() const { return keep_; }

 private:
  std::string path_;
  int lock_fd_ = -1;
  bool keep_ = false;
};

/// One thing CleanLeftovers removed.
struct Leftover {
  std::string dir;
  int vm_pid = 0;
  std::string domain;
  std::string action;  ///< what was done, for the user
  /// Not ours (another user's directory, or a state dir that is not
  /// private): nothing was read from it or done to it; `action` says why.
  bool skipped = false;
};

/// Why a libvirt URI recorded in a leftover's owner.json must not be opened
/// ("" if it may): only URIs bootgate itself would write pass, i.e. no
/// transport that runs a program (ext), no `command=` or `netcat=`, no
/// unknown parameter, and `keyfile=`/`socket=`/`known_hosts=`/`pkipath=`
/// only naming files of this user.
std::string LeftoverUriProblem(const std::string& uri);

/// Finds workspaces of dead bootgate processes under `state_dir`, kills their
/// QEMU (only if its command line still names the workspace, so a recycled
/// pid is never hit), destroys their libvirt domain via `destroy_domain` and
/// removes them. Nothing is read from `state_dir` unless it is a private
/// directory of this user, nor from a workspace that is not; each such one
/// is returned with `skipped` set (a warning for the user).
std::vector<Leftover> CleanLeftovers(
    const std::string& state_dir,
    const std::function<void(const std::string& uri, const std::string& domain)>&
        destroy_domain = nullptr);

}  // namespace bootgate
