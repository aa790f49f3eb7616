// Install once, boot many (--boots-per-install K, install.boots_per_install):
// a scenario x profile group installs once per K boots and each boot starts
// from a fresh copy-on-write qcow2 overlay of the installed disk, so the
// installed disk itself is never written by a boot. The default, K = 1,
// installs for every boot as before (install_s budgets need one install per
// sample).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "result/run_result.h"
#include "runner/install.h"
#include "runner/run_context.h"
#include "runner/run_setup.h"
#include "runner/workspace.h"

namespace bootgate {

/// The install stage of a run whose request names an earlier install
/// (RunRequest::installed_disk): no installer VM, a new overlay of that
/// disk in the run's workspace as the disk to boot. install_s is left unset
/// (install statistics come from the installs only). Throws Error when the
/// overlay cannot be made.
/// The run's SSH key becomes the one the install was given (saved beside
/// the kept disk), since the installed system trusts only that one.
InstallOutcome ReuseInstall(const RunRequest& run, RunSetup* setup,
                            const RunServices& services);

/// After a run installed with RunRequest::keep_installed_disk_at set: moves
/// the installed disk there (it outlives the run's workspace) and points
/// `outcome` at a fresh overlay of it in the workspace, so this run boots
/// the way the group's later runs will. The run's SSH private key is saved
/// beside the kept disk for them. Throws Error.
void KeepInstall(const RunRequest& run, const RunSetup& setup,
                 const RunServices& services, InstallOutcome* outcome);

/// Which run of one group installs and which boots an earlier install. Use
/// one per group, calling Prepare before and Finished after each attempt,
/// in order. The kept disks live in a locked workspace removed with this
/// object (or by CleanLeftovers if bootgate dies).
class GroupInstalls {
 public:
  /// `boots_per_install` >= 1; `group` names the install ids
  /// ("reference-install/qemu-kvm" -> "reference-install.qemu-kvm.install1").
  GroupInstalls(int boots_per_install, std::string state_dir, std::string group,
                bool keep);
  ~GroupInstalls();
  GroupInstalls(const GroupInstalls&) = delete;
  GroupInstalls& operator=(const GroupInstalls&) = delete;

  /// Sets request->install_id, and with K > 1 either keep_installed_disk_at
  /// (this run installs: the first run, every K-th after, and the run after
  /// an install that failed) or installed_disk (this run boots an earlier
  /// install). With K = 1 the id is the run's own (its report subfolder).
  void Prepare(RunRequest* request);
  /// Records whether an installing run left a disk to reuse.
  void Finished(const RunRequest& request);

  int installs() const { return installs_; }

 private:
  int k_;
  std::string state_dir_, group_;
  bool keep_;
  std::unique_ptr<Workspace> disks_;  ///< created with the first install
  std::string current_disk_, current_id_;
  int boots_left_ = 0;
  int installs_ = 0;
};

}  // namespace bootgate
