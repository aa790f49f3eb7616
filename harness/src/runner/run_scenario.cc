#include "runner/run_scenario.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "budget/budget.h"
#include "console/console.h"
#include "console/phases.h"
#include "console/printk_check.h"
#include "metrics/checks.h"
#include "util/redact.h"
#include "metrics/sampler.h"
#include "runner/image_prep.h"
#include "runner/install.h"
#include "runner/serial_shell.h"
#include "runner/vm_session.h"
#include "runner/workspace.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/text.h"

namespace bootgate {
namespace {
constexpr size_t kTailLines = 30;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

RunResult RunScenario(const Scenario& s, const std::string& profile_name,
                      int iteration, const std::string& run_subdir,
                      RunContext& ctx) {
  RunResult r;
  r.scenario = s.name;
  r.scenario_file = s.file;
  r.profile = profile_name;
  r.backend = ctx.backend->name();
  r.connect_uri = ctx.backend->connect_uri();
  r.iteration = iteration;
  r.run_dir = run_subdir;
  r.started_at = ctx.clock->WallTimeRfc3339();
  r.image = s.image.PrimaryPath();
  const std::string label = s.name + "/" + profile_name + "#" + std::to_string(iteration);
  TimePoint run_start = ctx.clock->Now();
  std::string out_dir = ctx.report_dir + "/" + run_subdir;
  std::vector<std::string> secrets = {s.access.password};
  if (s.install.config_vars.count("password")) secrets.push_back(s.install.config_vars.at("password"));

  VmSession vm;
  std::unique_ptr<Workspace> ws;
  std::unique_ptr<CommandChannel> channel;
  try {
    // ---- load: profile, accelerator, workspace, image ----
    auto prof = ctx.profiles.find(profile_name);
    if (prof == ctx.profiles.end())
      throw Error(s.file, "profile '" + profile_name + "' does not exist; `bootgate profiles` lists the known ones");
    auto [accel, accel_note] = ctx.backend->ResolveAccel(
        ctx.accel_override.empty() ? s.vm.accel : ctx.accel_override);
    r.accelerator = accel;
    r.accel_note = accel_note;
    r.profile_requested = ProfileFields(prof->second);
    fs::create_directories(out_dir);
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%06x", static_cast<unsigned>(rand()) & 0xffffff);
    std::string vm_name = "bootgate-" + s.name.substr(0, 32) + "-" + std::to_string(getpid()) + "-" + suffix;
    ws = std::make_unique<Workspace>(ctx.state_dir, vm_name);
    if (ctx.keep) ws->Keep();
    if (ctx.recipes) ctx.recipes->Ensure(s.image.recipe);
    else RunRecipe(*ctx.launcher, s.image.recipe);

    BootRequest req;
    req.name = vm_name;
    req.run_dir = ws->path();
    req.profile = prof->second;
    req.accel = accel;
    req.cpus = s.vm.cpus;
    req.memory_mib = s.vm.memory_mib;
    req.extra_args = s.vm.extra_args;
    req.secrets = secrets;
    req.debug_port = s.boot.marker == "debug-port";

    // ---- credentials: an ephemeral key delivered by NoCloud seed or kernel arg ----
    bool wants_access = s.access.method != "none" && (s.access_given || s.sample_enabled);
    bool wants_ssh = wants_access && s.access.method != "serial";
    std::optional<SshKeyPair> key;
    if (wants_ssh) {
      key = s.access.key_file.empty() ? SshKeyPair::GenerateEd25519()
                                      : SshKeyPair::LoadPrivateKey(s.access.key_file);
      req.ssh_host_port = PickFreeLoopbackPort();
      req.guest_ssh_port = s.access.guest_port;
      r.ssh_port = req.ssh_host_port;
    }
    std::string pubkey = key ? key->PublicKeyLine("bootgate-" + vm_name) : "";

    // ---- install (optional): time the installer, then boot what it wrote ----
    std::string system_disk;
    if (s.install.enabled) {
      InstallOutcome inst = RunInstallPhase(s, req, pubkey, out_dir, label, ctx, &r);
      system_disk = inst.target_disk;
    }

    // ---- boot ----
    req.drives.clear();
    if (!system_disk.empty()) {
      req.drives.push_back({system_disk, "qcow2", false, false, 0, "system"});
    } else if (!s.image.iso.empty()) {
      if (!LooksLikeIso(s.image.iso))
        throw Error(s.image.iso, "this file is not an ISO 9660 image (no CD001 descriptor); use {\"disk\": ...} for disk images");
      req.drives.push_back({s.image.iso, "raw", true, true, 0, "system"});
    } else if (!s.image.disk.empty()) {
      std::string fmt = s.image.disk_format.empty() ? DetectDiskFormat(s.image.disk) : s.image.disk_format;
      std::string overlay = ws->path() + "/overlay.qcow2";
      CreateOverlay(*ctx.launcher, s.image.disk, fmt, overlay);
      req.drives.push_back({overlay, "qcow2", false, false, 0, "system"});
      system_disk = overlay;
    } else {
      req.kernel = s.image.kernel;
      req.initrd = s.image.initrd;
      req.append = s.image.append;
    }
    if (!s.boot.extra_append.empty() && !req.kernel.empty())
      req.append += " " + s.boot.extra_append;
    if (wants_ssh && s.access.seed == "nocloud") {
      std::string seed = ws->path() + "/seed.iso";
      MakeNoCloudSeed(*ctx.launcher, {"", s.access.user, {pubkey}, vm_name}, ws->path(), seed);
      req.drives.push_back({seed, "raw", false, true, -1, "seed"});
    } else if (wants_ssh && s.access.seed == "kernel-arg" && !req.kernel.empty()) {
      req.append += " bootgate.sshkey=" + Base64(pubkey);
    }
    if (req.debug_port && !req.kernel.empty()) req.append += " bootgate.debugport=1";

    std::optional<double> boot_budget = s.budgets.Limit("boot_s", profile_name, accel);
    vm.guest = ctx.backend->Boot(req);
    ws->RecordOwner(vm.guest->pid(), vm.guest->domain_name(), r.connect_uri);
    r.hypervisor_version = vm.guest->HypervisorVersion();
    r.profile_applied = vm.guest->ProfileApplied();
    for (const auto& w : vm.guest->Warnings()) r.warnings.push_back(w);
    r.vm_phases.push_back({"boot", run_subdir + "/console.log", vm.guest->Describe(), "",
                         WallTimeUnixAt(*ctx.clock, vm.guest->started_at())});
    ConsoleOptions copts;
    copts.milestones = s.boot.phase_markers;
    copts.log_path = out_dir + "/console.log";
    copts.timed_log_path = out_dir + "/console.timed.log";
    copts.echo = ctx.echo_console;
    copts.echo_prefix = "  | ";
    copts.secrets = secrets;
    vm.console = std::make_unique<Console>(&vm.guest->console(), ctx.clock,
                                           vm.guest->started_at(), copts);
    vm.console->Start();
    if (ctx.progress)
      ctx.progress->Note(label, "booting (" + accel + ", " + profile_name + "); console log: " + copts.log_path + ".part");

    // ---- wait for login ----
    double boot_s = WaitForConsole(vm, label, "boot", Pattern::Compile("login", s.boot.login_pattern),
                                   s.boot.fail_patterns, s.boot.timeout_s, s.boot.silence_s,
                                   boot_budget, ctx, false, nullptr);
    r.metrics["boot_s"] = boot_s;
    if (req.debug_port) {
      // The guest writes the mark just before its login prompt; give the
      // debug-port pipe a moment to deliver it.
      for (int i = 0; i < 20 && vm.guest->DebugPortMarks().empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      // Firmware (SeaBIOS) logs to 0x402 too: the guest's mark is the last
      // byte written before the login prompt.
      auto marks = vm.guest->DebugPortMarks();
      std::optional<double> mark;
      for (double t : marks)
        if (t <= boot_s) mark = t;
      if (!mark)
        r.warnings.push_back("boot.marker is debug-port but the guest wrote nothing to port 0x402 before its login prompt");
      else
        r.metrics["debug_port_s"] = *mark;
    }

    // ---- connect ----
    double ready_timeout = s.access.ready_timeout_s > 0 ? s.access.ready_timeout_s : s.boot.timeout_s;
    if (wants_ssh) {
      if (ctx.progress) ctx.progress->Update(label, "ssh", ToSeconds(ctx.clock->Now() - vm.guest->started_at()), std::nullopt);
      SshTarget target;
      target.port = req.ssh_host_port;
      target.user = s.access.user;
      target.key = &*key;
      target.password = s.access.password;
      try {
        auto session = ConnectWithRetry(*ctx.ssh, target, FromSeconds(s.access.connect_timeout_s),
                                        vm.guest->started_at() + FromSeconds(ready_timeout),
                                        *ctx.clock, ctx.cancel);
        r.metrics["ssh_ready_s"] = ToSeconds(ctx.clock->Now() - vm.guest->started_at());
        r.host_key_sha256 = session->host_key_sha256();
        channel = std::move(session);
      } catch (const Interrupted&) {
        throw;
      } catch (const Error& e) {
        if (s.access.method == "auto" && !s.access.password.empty()) {
          r.warnings.push_back(std::string("SSH failed, used the serial console instead: ") + e.what());
        } else if (dynamic_cast<const SshAuthError*>(&e)) {
          throw Error("ssh", std::string("authentication failed: ") + e.what());
        } else {
          throw Stop{Verdict::kFail, "ssh-unreachable", std::string("SSH did not become ready: ") + e.what()};
        }
      }
    }
    if (!channel && wants_access && !s.access.password.empty()) {
      auto shell = std::make_unique<SerialShell>(vm.console.get(), ctx.clock, ctx.cancel,
                                                 s.access.user, s.access.password, s.access.shell_prompt);
      if (ctx.progress) ctx.progress->Update(label, "serial login", ToSeconds(ctx.clock->Now() - vm.guest->started_at()), std::nullopt);
      shell->Login(std::chrono::seconds(60));
      channel = std::move(shell);
    }
    r.access_channel = channel ? channel->name() : "none";

    // ---- sample ----
    if (channel && s.sample_enabled) {
      if (ctx.progress) ctx.progress->Update(label, "settle", 0, std::nullopt);
      SleepCancellable(FromSeconds(s.sample.settle_s), *ctx.clock, ctx.cancel);
      std::vector<double> ram, disk;
      for (int i = 0; i < s.sample.count; ++i) {
        if (i > 0) SleepCancellable(FromSeconds(s.sample.interval_s), *ctx.clock, ctx.cancel);
        if (ctx.progress) ctx.progress->Update(label, "sample " + std::to_string(i + 1) + "/" + std::to_string(s.sample.count), 0, std::nullopt);
        GuestSample g = TakeSample(*channel, s.sample.disk_mount, std::chrono::seconds(30));
        ram.push_back(g.mem.used_mib());
        disk.push_back(g.disk.used_mib);
        r.details["mem_total_mib"] = g.mem.total_mib;
        r.details["mem_free_mib"] = g.mem.free_mib;
        r.details["mem_available_mib"] = g.mem.available_mib;
        r.details["mem_buffers_mib"] = g.mem.buffers_mib;
        r.details["mem_cached_mib"] = g.mem.cached_mib;
        r.details["disk_size_mib"] = g.disk.size_mib;
      }
      r.samples["ram_mib"] = ram;
      r.samples["disk_mib"] = disk;
      r.metrics["ram_mib"] = Median(ram);
      r.details["ram_mib_min"] = *std::min_element(ram.begin(), ram.end());
      r.details["ram_mib_max"] = *std::max_element(ram.begin(), ram.end());
      r.details["disk_guest_mib"] = Median(disk);
      r.metrics["disk_mib"] = Median(disk);
      r.disk_judged = "guest: df -P -k " + s.sample.disk_mount + " used";
      if (!system_disk.empty()) {
        r.details["disk_host_allocated_mib"] = AllocatedMib(*ctx.launcher, system_disk);
        if (s.sample.disk_judged == "host") {
          r.metrics["disk_mib"] = r.details["disk_host_allocated_mib"];
          r.disk_judged = "host: qemu-img actual-size of the VM's disk";
        }
      }
    }

    // ---- check ----
    for (const auto& check : s.checks) {
      if (!channel) {
        r.checks.push_back({check.name, check.run, Verdict::kError,
                            "no way into the guest (SSH off and no password for the serial console)",
                            -1, "", 0, "none"});
        continue;
      }
      if (ctx.progress) ctx.progress->Update(label, "check " + check.name, 0, std::nullopt);
      // {{profile.<field>}} in a check's patterns expects this profile's value.
      CheckResult c;
      try {
        c = RunCheck(*channel, ExpandCheckForProfile(check, r.profile_requested));
      } catch (const Interrupted&) {
        throw;
      } catch (const Error& e) {
        c = {check.name, check.run, Verdict::kError, e.what(), -1, "", 0, ""};
      }
      c.channel = channel->name();
      c.output_excerpt = Redact(c.output_excerpt, secrets);
      r.checks.push_back(c);
    }

    r.verdict = Verdict::kPass;  // ran to the end; judged below
  } catch (const Stop& stop) {
    r.verdict = stop.verdict;
    r.failure_class = stop.failure_class;
    r.reason = stop.reason;
  } catch (const Interrupted& e) {
    r.verdict = Verdict::kInterrupted;
    r.failure_class = "interrupted";
    r.reason = e.what();
  } catch (const std::exception& e) {
    r.verdict = Verdict::kError;
    r.failure_class = "could-not-measure";
    r.reason = e.what();
  }

  // Metrics and phases are recorded whatever the verdict: a failed run keeps
  // what it measured.
  r.budgets = EvaluateBudgets(s.budgets, r.metrics, profile_name, r.accelerator);
  // ---- judge ---- one pure function decides (budget/budget.h JudgeRun).
  ApplyJudgement(
      JudgeRun(r.checks, r.budgets, {r.verdict, r.failure_class, r.reason}),
      &r);
  if (vm.console) {
    r.milestones = vm.console->milestones();
    r.console_tail = vm.console->Tail(kTailLines);
    if (r.metrics.count("boot_s")) {
      std::optional<double> ssh;
      if (r.metrics.count("ssh_ready_s")) ssh = r.metrics["ssh_ready_s"];
      r.phases = ExtractPhases(r.milestones, r.metrics["boot_s"], ssh);
      for (const auto& p : r.phases) r.metrics["phase_" + p.name + "_s"] = p.duration_s();
      // Kernel printk stamps, where the guest prints them, cross-check the
      // host's receive times.
      if (auto pk = CrossCheckPrintk(vm.console->LinesSince(0), r.metrics["boot_s"])) {
        r.details["printk_offset_s"] = pk->offset_s;
        r.details["printk_skew_ms"] = pk->skew_ms;
        r.details["printk_max_delay_ms"] = pk->max_delay_ms;
        r.details["printk_lines"] = pk->lines;
        std::string warning = PrintkSkewWarning(*pk);
        if (!warning.empty()) r.warnings.push_back(warning);
      }
    }
  }
  for (auto& line : r.console_tail) line = Redact(line, secrets);
  for (auto& m : r.milestones) m.line = Redact(m.line, secrets);
  r.reason = Redact(r.reason, secrets);
  channel.reset();
  if (vm.guest) {
    auto ended = vm.guest->Ended();
    if (!r.vm_phases.empty()) r.vm_phases.back().exit = ended ? *ended : "destroyed by bootgate";
  }
  vm.console.reset();  // finalises console.log before the VM dies
  if (vm.guest) vm.guest->Destroy();
  vm.guest.reset();
  if (ws && ws->kept() && ctx.progress)
    ctx.progress->Note(label, "kept " + ws->path() + " (--keep); remove it with: rm -rf " + ws->path());
  ws.reset();
  if (r.verdict == Verdict::kPass && r.reason.empty()) r.reason = "all budgets and checks passed";
  r.wall_s = ToSeconds(ctx.clock->Now() - run_start);
  if (ctx.progress) ctx.progress->Done(label);
  return r;
}

}  // namespace bootgate
