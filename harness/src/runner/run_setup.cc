#include "runner/run_setup.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {

int PickPort(const RunServices& services) {
  return services.ports ? services.ports->Pick() : PickFreeLoopbackPort();
}

std::string RunRequest::Label() const {
  return scenario->name + "/" + profile + "#" + std::to_string(iteration);
}

std::string RunRequest::AccelRequested(const RunOptions& options) const {
  return options.accel_override.empty() ? scenario->vm.accel : options.accel_override;
}

std::vector<std::string> ScenarioSecrets(const Scenario& s) {
  std::vector<std::string> secrets = {s.access.password};
  if (s.install.config_vars.count("password"))
    secrets.push_back(s.install.config_vars.at("password"));
  return secrets;
}

AccelChoice ChooseAccel(const RunRequest& run, const RunServices& services,
                        const RunOptions& options) {
  auto [accel, note] = services.backend->ResolveAccel(
      run.forced_accel.empty() ? run.AccelRequested(options) : run.forced_accel);
  return {accel, note};
}

RunSetup SetUpRun(const RunRequest& run, const AccelChoice& accel,
                  const RunServices& services, const RunOptions& options) {
  const Scenario& s = *run.scenario;
  auto prof = options.profiles.find(run.profile);
  if (prof == options.profiles.end())
    throw Error(s.file, "profile '" + run.profile +
                            "' does not exist; `bootgate profiles` lists the known ones");
  RunSetup setup;
  // The scenario's vm.cdrom_bus overrides the profile's: the VM gets (and the
  // report's profile_requested shows) the combination.
  Profile profile = prof->second;
  if (s.vm.cdrom_bus != "profile") {
    if (std::string why = CdromBusConflict(profile, s.vm.cdrom_bus);
        !why.empty())
      throw Error(s.file, "/vm/cdrom_bus: " + why);
    profile.cdrom_bus = s.vm.cdrom_bus;
  }
  setup.profile_fields = ProfileFields(profile);
  setup.out_dir = options.report_dir + "/" + run.run_subdir;
  fs::create_directories(setup.out_dir);
  // Random, not rand(): unseeded, every bootgate process drew the same
  // suffix, so two hosts' runs with the same pid collided on a shared
  // (remote) libvirt host.
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06x", std::random_device{}() & 0xffffffu);
  setup.vm_name = "bootgate-" + s.name.substr(0, 32) + "-" + std::to_string(getpid()) + "-" + suffix;
  setup.workspace = std::make_unique<Workspace>(options.state_dir, setup.vm_name);
  if (options.keep) setup.workspace->Keep();
  if (services.recipes)
    services.recipes->Ensure(s.image.recipe);
  else
    RunRecipe(*services.launcher, s.image.recipe);

  BootRequest& req = setup.base;
  req.name = setup.vm_name;
  req.run_dir = setup.workspace->path();
  req.profile = profile;
  req.accel = accel.accel;
  req.cpus = s.vm.cpus;
  req.memory_mib = s.vm.memory_mib;
  req.extra_args = s.vm.extra_args;
  req.network = s.vm.network;
  req.secrets = ScenarioSecrets(s);
  req.debug_port = s.boot.marker == "debug-port";

  // An ephemeral key, delivered later by NoCloud seed or kernel argument.
  setup.wants_access = s.access.method != "none" && (s.access_given || s.sample_enabled);
  setup.wants_ssh = setup.wants_access && s.access.method != "serial";
  if (setup.wants_ssh) {
    setup.key = s.access.key_file.empty() ? SshKeyPair::GenerateEd25519()
                                          : SshKeyPair::LoadPrivateKey(s.access.key_file);
    req.ssh_host_port = PickPort(services);
    req.guest_ssh_port = s.access.guest_port;
    setup.public_key = setup.key->PublicKeyLine("bootgate-" + setup.vm_name);
  }
  return setup;
}

}  // namespace bootgate
