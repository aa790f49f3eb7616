#include "runner/install_reuse.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "runner/image_prep.h"
#include "util/error.h"

namespace bootgate {
namespace {

namespace fs = std::filesystem;

std::string KeyFileOf(const std::string& disk) { return disk + ".key"; }

std::string SafeName(std::string s) {
  for (char& c : s)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' &&
        c != '_')
      c = '.';
  return s;
}

}  // namespace

InstallOutcome ReuseInstall(const RunRequest& run, RunSetup* setup,
                            const RunServices& services) {
  InstallOutcome out;
  if (!fs::exists(run.installed_disk))
    throw Error("install " + run.install_id,
                "the installed disk " + run.installed_disk +
                    " is gone; cannot boot it again");
  out.target_disk = setup->workspace->path() + "/installed-overlay.qcow2";
  CreateOverlay(*services.launcher, run.installed_disk, "qcow2",
                out.target_disk);
  // The installed system trusts the key its install was given.
  if (fs::exists(KeyFileOf(run.installed_disk))) {
    setup->key = SshKeyPair::LoadPrivateKey(KeyFileOf(run.installed_disk));
    setup->public_key = setup->key->PublicKeyLine("bootgate-" + setup->vm_name);
  }
  out.completion =
      "booted install " + run.install_id + " through a fresh overlay";
  return out;
}

void KeepInstall(const RunRequest& run, const RunSetup& setup,
                 const RunServices& services, InstallOutcome* outcome) {
  const std::string& keep = run.keep_installed_disk_at;
  std::error_code ec;
  fs::rename(outcome->target_disk, keep, ec);
  if (ec) {
    fs::copy_file(outcome->target_disk, keep,
                  fs::copy_options::overwrite_existing, ec);
    if (ec)
      throw Error(
          "install " + run.install_id,
          "cannot keep the installed disk at " + keep + ": " + ec.message());
    fs::remove(outcome->target_disk, ec);
  }
  if (setup.key) setup.key->WritePrivateKey(KeyFileOf(keep));
  outcome->target_disk = setup.workspace->path() + "/installed-overlay.qcow2";
  CreateOverlay(*services.launcher, keep, "qcow2", outcome->target_disk);
}

GroupInstalls::GroupInstalls(int boots_per_install, std::string state_dir,
                             std::string group, bool keep)
    : k_(std::max(1, boots_per_install)),
      state_dir_(std::move(state_dir)),
      group_(SafeName(std::move(group))),
      keep_(keep) {}

GroupInstalls::~GroupInstalls() {
  if (disks_ && keep_) disks_->Keep();
}

void GroupInstalls::Prepare(RunRequest* request) {
  if (!request->scenario->install.enabled) return;
  if (k_ <= 1) {
    request->install_id = request->run_subdir;
    ++installs_;
    return;
  }
  if (!current_disk_.empty() && boots_left_ > 0) {
    request->installed_disk = current_disk_;
    request->install_id = current_id_;
    --boots_left_;
    return;
  }
  if (!disks_)
    disks_ = std::make_unique<Workspace>(
        state_dir_, "installs-" + group_ + "-" + std::to_string(getpid()));
  ++installs_;
  request->install_id = group_ + ".install" + std::to_string(installs_);
  request->keep_installed_disk_at =
      disks_->path() + "/" + request->install_id + ".qcow2";
}

void GroupInstalls::Finished(const RunRequest& request) {
  if (request.keep_installed_disk_at.empty()) return;
  // A disk that was kept is booted again; an install that failed is not.
  std::error_code ec;
  if (!current_disk_.empty() && !keep_) {
    fs::remove(current_disk_, ec);
    fs::remove(KeyFileOf(current_disk_), ec);
  }
  if (fs::exists(request.keep_installed_disk_at, ec)) {
    current_disk_ = request.keep_installed_disk_at;
    current_id_ = request.install_id;
    boots_left_ = k_ - 1;
  } else {
    current_disk_.clear();
    boots_left_ = 0;
  }
}

}  // namespace bootgate
