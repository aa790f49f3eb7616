#include "runner/install.h"

#include <sys/stat.h>

#include <algorithm>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "runner/config_server.h"
#include "runner/image_prep.h"
#include "runner/vm_session.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/escape.h"
#include "util/password_hash.h"
#include "util/text.h"

namespace bootgate {

std::string RenderInstallConfig(const std::string& template_text,
                                const std::string& format,
                                const std::map<std::string, std::string>& vars,
                                const std::string& public_key,
                                const std::string& template_name) {
  std::map<std::string, std::string> values;
  bool json = format.rfind("photon-", 0) == 0;
  // In JSON templates values are escaped for use inside a string literal.
  for (const auto& [k, v] : vars) values[k] = json ? JsonEscape(v) : v;
  values["public_key"] = json ? JsonEscape(public_key) : public_key;
  // Shipped templates send {"crypted": true, "text": "{{password_crypted}}"}:
  // a salted SHA-512 crypt hash, never the clear text (issue 25).
  if (!values.count("password_crypted"))
    values["password_crypted"] = Sha512CryptHash(vars.count("password") ? vars.at("password") : "");
  // photon-os-installer up to 2.7 appends public_key to authorized_keys as a
  // string; 2.8's m_updatesshconfig asserts an object with "key" and
  // "reason" (2.9 too). Templates use {{public_key_json}} to get the right
  // shape.
  if (json && PublicKeyShapeOfFormat(format) == PublicKeyShape::kKeyAndReason) {
    auto reason = vars.find("public_key_reason");
    values["public_key_json"] =
        nlohmann::json({{"key", public_key},
                        {"reason", reason != vars.end() ? reason->second
                                                        : "bootgate: key of this measurement run only"}})
            .dump();
  } else {
    values["public_key_json"] = nlohmann::json(public_key).dump();
  }
  std::string out = FillTemplate(template_text, values, template_name);
  if (json) {
    auto parsed = nlohmann::json::parse(out, nullptr, false);
    if (parsed.is_discarded())
      throw Error(template_name, "the rendered configuration is not valid JSON; check the template's quoting");
  }
  return out;
}

InstallPlan PlanInstall(const InstallSpec& spec,
                        const InstallerFindings& found) {
  InstallPlan plan;
  plan.format = spec.config_format;
  plan.complete = spec.complete;
  plan.marker = spec.complete_pattern;
  plan.fail_patterns = spec.fail_patterns;
  std::optional<InstallerTraits> traits;
  if (found.initrd) {
    traits = PhotonInstallerTraits(*found.initrd);
    const PhotonInstaller& in = *found.initrd;
    plan.installer = in.Describe();
    std::string lists;
    for (const auto& f : in.package_lists)
      lists += (lists.empty() ? "" : ", ") + f;
    plan.installer_facts =
        "public_key as " +
        std::string(in.public_key == PublicKeyShape::kKeyAndReason
                        ? "an object {key, reason}"
                        : "a string") +
        "; bootmode default " +
        (in.bootmode_default.empty() ? "unknown" : in.bootmode_default) + "; " +
        std::to_string(in.known_keys.size()) +
        " known kickstart keys; end line " +
        (in.end_marker.empty() ? "none" : "\"" + in.end_marker + "\"") +
        "; /installer holds " + (lists.empty() ? "no .json file" : lists);
  }
  auto need_detected = [&](const std::string& field) {
    if (traits) return;
    std::string formats;
    for (const auto& f : PhotonFormats())
      formats += (formats.empty() ? "" : ", ") + f;
    std::string cause =
        found.initrd_name.empty()
            ? "no initrd was read"
            : "its initrd " + found.initrd_name + ": " + found.initrd_why_not;
    if (found.rpm)
      cause += "; RPMS/ carries " + found.rpm->rpm +
               ", but an RPM on the media is not the installer that boots, so "
               "it cannot tell alone";
    throw Error(
        spec.media.iso.empty() ? "install" : spec.media.iso,
        "install." + field +
            " is \"auto\", but the installer cannot be told from the ISO (" +
            cause + "); set install." + field + " explicitly" +
            (field == "config.format" ? " (" + formats + ")"
                                      : " (reset for photon-os-installer)"));
  };
  if (!spec.config_template.empty() && plan.format == "auto") {
    need_detected("config.format");
    plan.format = traits->format;
  }
  if (plan.complete == "auto") {
    need_detected("complete");
    // Every photon-os-installer ends an unattended install with
    // `shutdown -r now` (the ISO's bootphotoninstaller script): under QEMU's
    // -no-reboot a guest reset. Its end marker, where it prints one, is a
    // cross-check.
    plan.complete = "reset";
    if (plan.marker.empty()) plan.marker = traits->end_marker;
  }
  if (traits) {
    bool has_shell = false;
    for (const auto& f : plan.fail_patterns)
      has_shell = has_shell || f.name == "installer-shell";
    if (!has_shell)
      plan.fail_patterns.push_back(
          {"installer-shell", traits->failure_shell_regex});
  }
  // The keys and package lists the kickstart is checked against: the
  // initrd's own code where it was read, else the upstream tag the forced
  // format stands for.
  if (found.initrd && plan.format.rfind("photon-", 0) == 0) {
    plan.known_keys = found.initrd->known_keys;
    plan.keys_source = "photon-os-installer " + found.initrd->VersionText() +
                       "'s /" + found.initrd->package_dir + "/installer.py";
    plan.package_lists = found.initrd->package_lists;
  } else if (const auto* keys = KnownKeysOfFormat(plan.format)) {
    plan.known_keys = *keys;
    plan.keys_source = "format " + plan.format + " (photon-os-installer " +
                       plan.format.substr(7) + "'s installer.py)";
  }
  if (plan.complete == "pattern")
    plan.completion_rule = "console pattern /" + plan.marker + "/";
  else
    plan.completion_rule = (plan.complete == "reset" ? "guest reset" : "guest power-off") +
                           std::string(plan.marker.empty() ? "" : ", cross-checked by /" + plan.marker + "/");
  return plan;
}

void CheckInstallConfig(const std::string& rendered, const InstallPlan& plan,
                        const std::string& template_name) {
  if (plan.known_keys.empty() && !plan.package_lists) return;
  auto j = nlohmann::json::parse(rendered, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(template_name,
                "the rendered configuration is not a JSON object");
  if (!plan.known_keys.empty())
    for (const auto& [key, value] : j.items())
      if (!plan.known_keys.count(key)) {
        std::string known;
        for (const auto& k : plan.known_keys)
          known += (known.empty() ? "" : ", ") + k;
        throw Error(template_name,
                    "the kickstart has key \"" + key + "\", which " +
                        plan.keys_source + " does not know (its known_keys: " +
                        known + "); the installer would refuse it");
      }
  if (plan.package_lists && j.contains("packagelist_file")) {
    if (!j["packagelist_file"].is_string())
      throw Error(template_name, "packagelist_file must be a string");
    std::string want = j["packagelist_file"].get<std::string>();
    if (!want.empty() && want.front() != '/' &&
        std::find(plan.package_lists->begin(), plan.package_lists->end(),
                  want) == plan.package_lists->end()) {
      std::string have;
      for (const auto& f : *plan.package_lists)
        have += (have.empty() ? "" : ", ") + f;
      throw Error(template_name,
                  "packagelist_file is \"" + want +
                      "\", but the installer's initrd holds no /installer/" +
                      want +
                      " (it resolves the name in /installer, which holds: " +
                      (have.empty() ? "no .json file" : have) + ")");
    }
  }
}

std::string ResolvePackageList(const std::string& wanted, const InstallPlan& plan, const std::string& where) {
  std::vector<std::string> choices;
  std::stringstream in(wanted);
  for (std::string c; std::getline(in, c, '|');)
    if (!c.empty()) choices.push_back(c);
  if (choices.empty()) throw Error(where, "config.vars.packagelist_file is empty");
  if (!plan.package_lists) return choices.front();
  for (const auto& c : choices)
    if (c.front() == '/' ||
        std::find(plan.package_lists->begin(), plan.package_lists->end(), c) != plan.package_lists->end())
      return c;
  std::string have;
  for (const auto& f : *plan.package_lists) have += (have.empty() ? "" : ", ") + f;
  throw Error(where, "config.vars.packagelist_file wants " + wanted + ", but the installer's initrd holds no /installer/" +
                         (choices.size() == 1 ? choices.front() : "file of these") +
                         " (it resolves the name in /installer, which holds: " +
                         (have.empty() ? "no .json file" : have) + ")");
}

namespace {

// The guest address QEMU forwards to the kickstart server's socket.
constexpr char kKickstartGuestAddr[] = "10.0.2.100";

// The configuration server's refusals, as warnings.
void NoteRefusedRequests(const ConfigServer& server, std::vector<std::string>* warnings) {
  for (const auto& q : server.requests())
    if (q.status != 200)
      warnings->push_back("config server: " + q.method + " " + q.path + " -> " + std::to_string(q.status));
}

// Everything the installer VM needs, made before it starts.
struct PreparedInstall {
  BootRequest req;
  InstallPlan plan;
  std::string config;  ///< the rendered kickstart, as served ("" if none)
  std::unique_ptr<ConfigServer> server;
};

PreparedInstall PrepareInstall(const RunRequest& run, const RunSetup& setup,
                               const RunServices& services, InstallOutcome* out) {
  const Scenario& s = *run.scenario;
  const InstallSpec& in = s.install;
  PreparedInstall p;
  if (services.recipes) services.recipes->Ensure(in.media.recipe);
  else RunRecipe(*services.launcher, in.media.recipe);
  if (!in.media.iso.empty()) {
    if (!LooksLikeIso(in.media.iso))
      throw Error(in.media.iso, "the installer media is not an ISO 9660 image");
    struct stat st{};
    if (stat(in.media.iso.c_str(), &st) == 0)
      out->image_mib = static_cast<double>(st.st_size) / (1024.0 * 1024.0);
  }
  const BootRequest& base = setup.base;
  BootRequest& req = p.req;
  req = base;
  if (in.extract_kernel) {
    std::string kernel = base.run_dir + "/installer-vmlinuz";
    std::string initrd = base.run_dir + "/installer-initrd";
    ExtractFromIso(*services.launcher, in.media.iso, in.iso_kernel_path,
                   kernel);
    ExtractFromIso(*services.launcher, in.media.iso, in.iso_initrd_path,
                   initrd);
    req.kernel = kernel;
    req.initrd = initrd;
  } else if (!in.media.kernel.empty()) {
    req.kernel = in.media.kernel;
    req.initrd = in.media.initrd;
  }
  // Which installer: told by the code in its initrd (Photon installs
  // photon-os-installer there); RPMS/ is read as a cross-check only.
  bool photon = in.config_format == "auto" ||
                in.config_format.rfind("photon-", 0) == 0 ||
                in.complete == "auto";
  InstallerFindings found;
  if (photon && (!req.initrd.empty() || !in.media.iso.empty()))
    found = FindPhotonInstaller(
        *services.launcher, in.media.iso, req.initrd,
        in.extract_kernel ? in.iso_initrd_path : req.initrd, &out->warnings);
  p.plan = PlanInstall(in, found);
  out->installer = p.plan.installer;
  if (found.initrd && in.config_format != "auto" &&
      !in.config_template.empty() &&
      PublicKeyShapeOfFormat(in.config_format) != found.initrd->public_key)
    out->warnings.push_back(
        "install.config.format is " + in.config_format + ", but the initrd's " +
        found.initrd->Describe() + " takes public_key as " +
        (found.initrd->public_key == PublicKeyShape::kKeyAndReason
             ? "an object with key and reason"
             : "a string"));
  req.drives.clear();
  req.name = base.name + "-install";
  out->target_disk = base.run_dir + "/target.qcow2";
  CreateBlankDisk(*services.launcher, out->target_disk, in.disk_size_mib);
  // The installer needs the network for HTTP delivery even without SSH.
  if (req.ssh_host_port == 0) req.ssh_host_port = PickPort(services);

  // Unattended configuration, rendered from the scenario and the run's key.
  std::map<std::string, std::string> subst;
  if (!in.config_template.empty()) {
    std::map<std::string, std::string> vars = in.config_vars;
    if (!vars.count("hostname")) vars["hostname"] = "bootgate";
    if (!vars.count("password")) vars["password"] = s.access.password;
    if (!vars.count("disk")) vars["disk"] = "/dev/vda";
    if (!vars.count("user")) vars["user"] = s.access.user;
    if (!vars.count("linux_flavor")) vars["linux_flavor"] = "linux";
    if (!vars.count("bootmode")) vars["bootmode"] = "bios";
    // Photon's own ISO build puts packages_minimal.json in /installer; ISOs
    // from photon-os-installer's isoBuilder.py (2.4 on) packages.json.
    // Resolved only where the template asks for it; a name written in the
    // template is checked after rendering.
    std::string template_text = ReadFile(in.config_template);
    std::string lists =
        vars.count("packagelist_file") ? vars["packagelist_file"] : "packages_minimal.json|packages.json";
    vars["packagelist_file"] = template_text.find("{{packagelist_file}}") == std::string::npos
                                   ? lists.substr(0, lists.find('|'))
                                   : ResolvePackageList(lists, p.plan, in.config_template);
    p.config = RenderInstallConfig(template_text, p.plan.format,
                                   vars, setup.public_key, in.config_template);
    CheckInstallConfig(p.config, p.plan, in.config_template);
    bool http = in.config_delivery == "http";
    if (http && services.backend && services.backend->name() == "libvirt") {
      // libvirt's QEMU runs as another account (qemu:///system) or on
      // another host: it cannot reach a socket in this user's private
      // workspace. The kickstart goes on a second CD-ROM instead (on a
      // remote host a 0600 volume in the guest's own pool).
      http = false;
      out->warnings.push_back(
          "install.config.delivery \"http\" on the libvirt backend: the kickstart is delivered on a "
          "second CD-ROM (ks=/dev/sr1:/ks.json) instead, which only the guest can read");
    }
    if (http) {
      // The guest fetches http://10.0.2.100/ks.json; QEMU carries that one
      // address (guestfwd) to a unix socket in the private workspace. No TCP
      // port is open on the host and no secret is on a command line: no
      // other local user can connect.
      ConfigServerOptions so;
      so.unix_socket = base.run_dir + "/ks.sock";
      p.server = std::make_unique<ConfigServer>(std::map<std::string, std::string>{{"/ks.json", p.config}}, so);
      req.guest_forwards.push_back({kKickstartGuestAddr, 80, so.unix_socket});
      subst["ks_url"] = std::string("http://") + kKickstartGuestAddr + "/ks.json";
      subst["ks"] = "ks=" + subst["ks_url"];
    } else {
      std::string dir = base.run_dir + "/ks";
      fs::create_directories(dir);
      WriteFileAtomic(dir + "/ks.json", p.config, kSecretFileMode);
      std::string iso = base.run_dir + "/ks.iso";
      CommandOutput o = RunCommand(*services.launcher,
                                   {"xorriso", "-as", "mkisofs", "-quiet", "-V", "kscfg", "-J", "-r",
                                    "-o", iso, dir + "/ks.json"},
                                   std::chrono::seconds(60));
      if (!o.status.ok()) throw Error("install", "cannot build the kickstart volume: " + o.stderr_text);
      req.drives.push_back({iso, "raw", true, true, -1, "config"});
      subst["ks"] = "ks=/dev/sr1:/ks.json";
      subst["ks_url"] = "/dev/sr1:/ks.json";
    }
  }

  if (!req.kernel.empty()) {
    std::string append = in.append.empty() ? in.media.append : in.append;
    append = FillTemplate(append, subst, "install.append");
    if (!subst.empty() && append.find("ks=") == std::string::npos) append += " " + subst["ks"];
    req.append = append;
  }
  if (!in.media.iso.empty())
    req.drives.insert(req.drives.begin(),
                      {in.media.iso, "raw", true, true, req.kernel.empty() ? 0 : -1, "installer"});
  // With -kernel, QEMU's linuxboot option ROM holds boot index 0.
  req.drives.push_back({out->target_disk, "qcow2", false, false, req.kernel.empty() ? 1 : -1, "target"});
  return p;
}

// The first console line since t0 that `marker` matches, if any.
std::optional<ConsoleLine> FindLine(const Console& console, const std::string& marker) {
  Pattern pattern = Pattern::Compile("complete", marker);
  for (const auto& line : console.LinesSince(0))
    if (MatchesLine(pattern, line.text)) return line;
  return std::nullopt;
}

void Install(const RunRequest& run, const RunSetup& setup, const RunServices& services,
             const RunOptions& options, InstallOutcome* out) {
  const Scenario& s = *run.scenario;
  const InstallSpec& in = s.install;
  PreparedInstall p = PrepareInstall(run, setup, services, out);
  const InstallPlan& plan = p.plan;

  VmSession vm;
  ConsoleOptions copts;
  copts.echo = options.echo_console;
  copts.echo_prefix = "  install| ";
  out->phase = BootIntoSession(vm, p.req, "install", setup.out_dir,
                               run.run_subdir, "install-console", copts,
                               services, setup.workspace.get());
  out->profile_applied = vm.guest->ProfileApplied();
  if (services.progress && !plan.installer.empty())
    services.progress->Note(run.Label(), plan.installer + ": kickstart " + plan.format +
                                             ", completion by " + plan.completion_rule);
  ConsoleWait wait;
  wait.label = run.Label();
  wait.phase = "install";
  wait.fails = plan.fail_patterns;
  wait.timeout_s = in.timeout_s;
  wait.silence_s = in.silence_s;
  wait.budget_s = s.budgets.Limit("install_s", run.profile, p.req.accel);
  try {
    if (plan.complete == "pattern") {
      wait.target = Pattern::Compile("complete", plan.marker);
      out->install_s = WaitForConsole(vm, wait, services);
      out->completion = plan.completion_rule;
      // Let the installer finish flushing and power off on its own.
      TimePoint until = services.clock->Now() + std::chrono::seconds(60);
      while (!vm.guest->Ended() && services.clock->Now() < until) {
        if (services.cancel) services.cancel->ThrowIfCancelled();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (!vm.guest->Ended())
        out->warnings.push_back("the installer printed its completion marker but did not power off within 60 s; stopped it");
    } else {
      wait.vm_exit_is_success = true;
      double ended_s = WaitForConsole(vm, wait, services);
      std::string want = plan.complete == "reset" ? "guest-reset" : "guest-shutdown";
      std::string seen;
      for (const auto& e : vm.guest->Events()) {
        if (e.name == "SHUTDOWN") {
          seen = e.detail;
          ended_s = e.t_s;
        }
      }
      if (seen != want)
        throw Stop{Verdict::kFail, "install-failed",
                   "the installer VM ended (" + (seen.empty() ? *vm.guest->Ended() : seen) +
                       ") but completion is detected by " + want};
      out->install_s = ended_s;
      out->completion = plan.completion_rule;
      if (!plan.marker.empty()) {
        // The reset is the signal; a version that prints an end marker must
        // have printed it first, or the reset was something else.
        auto line = FindLine(*vm.console, plan.marker);
        if (!line)
          throw Stop{Verdict::kFail, "install-unconfirmed",
                     "the installer VM ended by " + want + " without printing /" + plan.marker +
                         "/, which this installer prints at the end of every successful install"};
        out->completion += " (marker at " + Fmt1(line->t_s) + " s)";
      }
    }
  } catch (...) {
    out->console_tail = vm.console->Tail(30);
    if (p.server) NoteRefusedRequests(*p.server, &out->warnings);
    vm.console->Stop();
    out->phase->exit = vm.guest->Ended().value_or("destroyed by bootgate");
    throw;
  }
  if (p.server) {
    NoteRefusedRequests(*p.server, &out->warnings);
    bool fetched = false;
    for (const auto& q : p.server->requests()) fetched = fetched || q.status == 200;
    if (!fetched) out->warnings.push_back("the installer never fetched its configuration over HTTP");
  }
  vm.console->Stop();
  out->phase->exit = vm.guest->Ended().value_or("stopped by bootgate after completion");
}

}  // namespace

InstallOutcome RunInstall(const RunRequest& run, const RunSetup& setup,
                          const RunServices& services, const RunOptions& options) {
  InstallOutcome out;
  try {
    Install(run, setup, services, options, &out);
  } catch (...) {
    out.failure = std::current_exception();
  }
  return out;
}

InstallPreview PreviewInstall(const RunRequest& run, const RunSetup& setup,
                              const RunServices& services) {
  InstallPreview preview;
  PreparedInstall p = PrepareInstall(run, setup, services, &preview.outcome);
  preview.request = p.req;
  preview.config = p.config;
  preview.plan = p.plan;
  return preview;
}

}  // namespace bootgate
