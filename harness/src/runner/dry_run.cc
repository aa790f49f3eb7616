#include "runner/dry_run.h"

#include "runner/boot.h"
#include "runner/install.h"
#include "runner/run_setup.h"
#include "util/fs.h"

namespace bootgate {

DryRunResult DryRunScenario(const RunRequest& run, const RunServices& services,
                            const RunOptions& options) {
  const Scenario& s = *run.scenario;
  AccelChoice accel;
  std::string requested =
      run.forced_accel.empty() ? run.AccelRequested(options) : run.forced_accel;
  if (requested == "kvm") {
    accel = {"kvm", "KVM requested (not probed in a dry run)"};
  } else {
    accel = {"tcg", requested == "auto"
                        ? "auto: KVM is not probed in a dry run (the probe "
                          "boots VMs); shown with TCG"
                        : "TCG requested"};
  }
  RunOptions keep = options;
  keep.keep = true;  // the command lines name files in the workspace
  RunSetup setup = SetUpRun(run, accel, services, keep);
  DryRunResult result;
  result.out_dir = setup.out_dir;
  result.workspace = setup.workspace->path();
  result.notes.push_back("accelerator: " + accel.accel + " (" + accel.note +
                         ")");

  std::string argv_name, argv_text;
  auto add_phase = [&](const std::string& phase, const BootRequest& req) {
    BootPreview p = services.backend->Preview(req);
    argv_name = p.file_name;
    argv_text += (p.file_name == "qemu.argv" ? "# " + phase + "\n"
                                             : "<!-- " + phase + " -->\n") +
                 p.text;
    if (!argv_text.empty() && argv_text.back() != '\n') argv_text += "\n";
  };
  std::optional<InstallPreview> install;
  if (s.install.enabled) {
    install = PreviewInstall(run, setup, services);
    if (!install->config.empty()) {
      std::string path = setup.out_dir + "/install.config";
      WriteFileAtomic(path, install->config, kSecretFileMode);
      result.files.push_back(path);
    }
    if (!install->plan.installer.empty())
      result.notes.push_back("installer: " + install->plan.installer);
    if (!install->plan.installer_facts.empty())
      result.notes.push_back("installer code: " +
                             install->plan.installer_facts);
    result.notes.push_back("kickstart format: " + install->plan.format);
    result.notes.push_back("install completion: " +
                           install->plan.completion_rule);
    for (const auto& w : install->outcome.warnings)
      result.notes.push_back("warning: " + w);
    add_phase("install", install->request);
  }
  std::string system_disk;
  add_phase("boot",
            PrepareBoot(run, setup, install ? &install->outcome : nullptr,
                        services, &system_disk));
  std::string path = setup.out_dir + "/" + argv_name;
  WriteFileAtomic(path, argv_text, kSecretFileMode);
  result.files.push_back(path);
  return result;
}

}  // namespace bootgate
