#include "runner/boot.h"

#include <thread>

#include "runner/access.h"
#include "runner/image_prep.h"
#include "util/error.h"
#include "util/text.h"

namespace bootgate {
namespace {

// What the VM boots from, and the kernel command line when booted directly.
void AddSystemDrives(const Scenario& s, const RunSetup& setup, const InstallOutcome* installed,
                     const RunServices& services, BootRequest* req, std::string* system_disk) {
  if (installed) {
    req->drives.push_back({installed->target_disk, "qcow2", false, false, 0, "system"});
    *system_disk = installed->target_disk;
  } else if (!s.image.iso.empty()) {
    if (!LooksLikeIso(s.image.iso))
      throw Error(s.image.iso, "this file is not an ISO 9660 image (no CD001 descriptor); use {\"disk\": ...} for disk images");
    req->drives.push_back({s.image.iso, "raw", true, true, 0, "system"});
  } else if (!s.image.disk.empty()) {
    std::string fmt = s.image.disk_format.empty() ? DetectDiskFormat(s.image.disk) : s.image.disk_format;
    std::string overlay = setup.workspace->path() + "/overlay.qcow2";
    CreateOverlay(*services.launcher, s.image.disk, fmt, overlay);
    req->drives.push_back({overlay, "qcow2", false, false, 0, "system"});
    *system_disk = overlay;
  } else {
    req->kernel = s.image.kernel;
    req->initrd = s.image.initrd;
    req->append = s.image.append;
  }
  if (!s.boot.extra_append.empty() && !req->kernel.empty()) req->append += " " + s.boot.extra_append;
}

// The run's key reaches the guest by NoCloud seed or kernel argument.
void AddCredentials(const Scenario& s, const RunSetup& setup, const RunServices& services,
                    BootRequest* req) {
  if (setup.wants_ssh && s.access.seed == "nocloud") {
    std::string seed = setup.workspace->path() + "/seed.iso";
    MakeNoCloudSeed(*services.launcher, {"", s.access.user, {setup.public_key}, setup.vm_name},
                    setup.workspace->path(), seed);
    req->drives.push_back({seed, "raw", false, true, -1, "seed"});
  } else if (setup.wants_ssh && s.access.seed == "kernel-arg" && !req->kernel.empty()) {
    req->append += " bootgate.sshkey=" + Base64(setup.public_key);
  }
  if (req->debug_port && !req->kernel.empty()) req->append += " bootgate.debugport=1";
}

}  // namespace

BootRequest PrepareBoot(const RunRequest& run, const RunSetup& setup,
                        const InstallOutcome* installed, const RunServices& services,
                        std::string* system_disk) {
  const Scenario& s = *run.scenario;
  BootRequest req = setup.base;
  req.drives.clear();
  AddSystemDrives(s, setup, installed, services, &req, system_disk);
  AddCredentials(s, setup, services, &req);
  return req;
}

std::unique_ptr<BootedSystem> BootSystem(const RunRequest& run, const RunSetup& setup,
                                         const InstallOutcome* installed,
                                         const RunServices& services,
                                         const RunOptions& options) {
  const Scenario& s = *run.scenario;
  auto booted = std::make_unique<BootedSystem>();
  BootRequest req = PrepareBoot(run, setup, installed, services, &booted->system_disk);

  VmSession& vm = booted->vm;
  ConsoleOptions copts;
  copts.milestones = s.boot.phase_markers;
  copts.echo = options.echo_console;
  copts.echo_prefix = "  | ";
  booted->phase = BootIntoSession(vm, req, "boot", setup.out_dir, run.run_subdir, "console", copts,
                                  services, setup.workspace.get());
  booted->hypervisor_version = vm.guest->HypervisorVersion();
  booted->profile_applied = vm.guest->ProfileApplied();
  booted->warnings = vm.guest->Warnings();
  if (services.progress)
    services.progress->Note(run.Label(), "booting (" + req.accel + ", " + run.profile +
                                             "); console log: " + setup.out_dir + "/console.log.part");
  return booted;
}

LoginOutcome WaitForLogin(BootedSystem& booted, const RunRequest& run, const RunSetup& setup,
                          const RunServices& services, EarlySsh* ssh) {
  const Scenario& s = *run.scenario;
  ConsoleWait wait;
  wait.label = run.Label();
  wait.phase = "boot";
  wait.target = Pattern::Compile("login", s.boot.login_pattern);
  wait.fails = s.boot.fail_patterns;
  wait.timeout_s = s.boot.timeout_s;
  wait.silence_s = s.boot.silence_s;
  wait.budget_s = s.budgets.Limit("boot_s", run.profile, booted.vm.accel);
  if (ssh) wait.ssh_ready_s = [ssh] { return ssh->ReadyS(); };
  LoginOutcome out;
  out.boot_s = WaitForConsole(booted.vm, wait, services);
  if (setup.base.debug_port) {
    Guest& guest = *booted.vm.guest;
    // The guest writes the mark just before its login prompt; give the
    // debug-port pipe a moment to deliver it.
    for (int i = 0; i < 20 && guest.DebugPortMarks().empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // Firmware (SeaBIOS) logs to 0x402 too: the guest's mark is the last
    // byte written before the login prompt.
    for (double t : guest.DebugPortMarks())
      if (t <= out.boot_s) out.debug_port_s = t;
    if (!out.debug_port_s)
      out.warnings.push_back("boot.marker is debug-port but the guest wrote nothing to port 0x402 before its login prompt");
  }
  return out;
}

}  // namespace bootgate
