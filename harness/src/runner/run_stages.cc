#include "runner/run_stages.h"

#include <algorithm>

#include "budget/budget.h"
#include "console/phases.h"
#include "console/printk_check.h"
#include "metrics/explain/kernel_stamps.h"
#include "util/error.h"
#include "util/redact.h"

namespace bootgate {
namespace {

constexpr size_t kTailLines = 30;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void Append(std::vector<std::string>* to, const std::vector<std::string>& from) {
  to->insert(to->end(), from.begin(), from.end());
}

// RAM and disk from the samples, and which disk figure is judged.
void RecordSamples(const SampleSeries& s, const SampleSpec& spec,
                   const std::optional<HostDiskUsage>& host_disk, RunResult* r) {
  if (s.ram_mib.empty()) return;
  const GuestSample& g = s.last;
  r->details["mem_total_mib"] = g.mem.total_mib;
  r->details["mem_free_mib"] = g.mem.free_mib;
  r->details["mem_available_mib"] = g.mem.available_mib;
  r->details["mem_buffers_mib"] = g.mem.buffers_mib;
  r->details["mem_cached_mib"] = g.mem.cached_mib;
  r->details["disk_size_mib"] = g.disk.size_mib;
  r->samples["ram_mib"] = s.ram_mib;
  r->samples["disk_mib"] = s.disk_mib;
  r->metrics["ram_mib"] = Median(s.ram_mib);
  r->details["ram_mib_min"] = *std::min_element(s.ram_mib.begin(), s.ram_mib.end());
  r->details["ram_mib_max"] = *std::max_element(s.ram_mib.begin(), s.ram_mib.end());
  r->details["disk_guest_mib"] = Median(s.disk_mib);
  r->metrics["disk_mib"] = Median(s.disk_mib);
  r->disk_judged = "guest: df -P -k " + spec.disk_mount + " used";
  if (host_disk) {
    // The whole chain: with image.disk the VM writes to a throwaway overlay
    // of a few MiB; the disk it boots is the base beneath it.
    r->details["disk_host_allocated_mib"] = host_disk->total_mib;
    r->details["disk_host_base_mib"] = host_disk->base_mib;
    r->details["disk_host_overlay_mib"] = host_disk->overlay_mib;
    if (spec.disk_judged == "host") {
      r->metrics["disk_mib"] = host_disk->total_mib;
      r->disk_judged = host_disk->chain_length > 1
                           ? "host: qemu-img actual-size of the VM's disk and its backing chain (base + overlay growth)"
                           : "host: qemu-img actual-size of the VM's disk";
    }
  }
}

// Boot phases from the console's milestones, and the printk cross-check.
void RecordConsole(const Console& console, RunResult* r) {
  r->milestones = console.milestones();
  r->console_tail = console.Tail(kTailLines);
  if (!r->metrics.count("boot_s")) return;
  std::optional<double> ssh;
  if (r->metrics.count("ssh_ready_s")) ssh = r->metrics["ssh_ready_s"];
  r->phases = ExtractPhases(r->milestones, r->metrics["boot_s"], ssh);
  for (const auto& p : r->phases) r->metrics["phase_" + p.name + "_s"] = p.duration_s();
  // Kernel printk stamps, where the guest prints them, cross-check the
  // host's receive times.
  if (auto pk = CrossCheckPrintk(console.LinesSince(0), r->metrics["boot_s"])) {
    r->details["printk_offset_s"] = pk->offset_s;
    r->details["printk_skew_ms"] = pk->skew_ms;
    r->details["printk_max_delay_ms"] = pk->max_delay_ms;
    r->details["printk_lines"] = pk->lines;
    std::string warning = PrintkSkewWarning(*pk);
    if (!warning.empty()) r->warnings.push_back(warning);
  }
}

// The guest's attribution, with the kernel's own clock at init start and at
// the login prompt where the console carries printk stamps (any kernel, also
// without systemd).
void RecordExplanation(const Explanation& ex, const Console* console,
                       RunResult* r) {
  r->explain = ex;
  if (!console || !r->metrics.count("boot_s")) return;
  std::optional<double> offset;
  if (auto it = r->details.find("printk_offset_s"); it != r->details.end())
    offset = it->second;
  KernelBootStamps k = ExtractKernelBootStamps(console->LinesSince(0),
                                               r->metrics["boot_s"], offset);
  if (!k.init_start_kernel_s && !k.login_prompt_kernel_s) return;
  if (!r->explain->boot) r->explain->boot.emplace();
  r->explain->boot->init_start_kernel_s = k.init_start_kernel_s;
  r->explain->boot->login_prompt_kernel_s = k.login_prompt_kernel_s;
}

// The run's verdict: one pure function decides (budget/budget.h JudgeRun);
// a failed check or budget stays a fail beside an error.
void Judge(const std::optional<Stop>& stop, RunResult* r) {
  const RunEnd end =
      stop ? RunEnd{stop->verdict, stop->failure_class, stop->reason} : RunEnd{};
  ApplyJudgement(JudgeRun(r->checks, r->budgets, end), r);
}

}  // namespace

Stop StopForCurrentException() {
  try {
    throw;
  } catch (const Stop& stop) {
    return stop;
  } catch (const Interrupted& e) {
    return {Verdict::kInterrupted, "interrupted", e.what()};
  } catch (const std::exception& e) {
    return {Verdict::kError, "could-not-measure", e.what()};
  }
}

RunResult AssembleRunResult(const RunRequest& run, const RunServices& services,
                            const RunOptions& options, const RunStages& st) {
  const Scenario& s = *run.scenario;
  RunResult r;
  r.scenario = s.name;
  r.scenario_file = s.file;
  r.profile = run.profile;
  r.backend = services.backend->name();
  r.connect_uri = services.backend->connect_uri();
  r.iteration = run.iteration;
  r.run_dir = run.run_subdir;
  r.started_at = st.started_at;
  r.image = s.image.PrimaryPath();
  r.accel_requested = run.AccelRequested(options);
  r.vm_cpus = s.vm.cpus;
  r.vm_memory_mib = s.vm.memory_mib;
  if (st.accel) {
    r.accelerator = st.accel->accel;
    r.accel_note = st.accel->note;
  }
  if (st.setup) {
    r.profile_requested = st.setup->profile_fields;
    r.ssh_port = st.setup->base.ssh_host_port;
  }
  if (const InstallOutcome* in = st.install ? &*st.install : nullptr) {
    if (in->image_mib) r.metrics["image_mib"] = *in->image_mib;
    if (in->phase) r.vm_phases.push_back(*in->phase);
    Append(&r.warnings, in->warnings);
    r.installer = in->installer;
    r.install_completion = in->completion;
    if (in->install_s) {
      r.metrics["install_s"] = *in->install_s;
      r.milestones.push_back({"install-complete", *in->install_s, in->completion});
    }
    if (in->failure) r.console_tail = in->console_tail;
    r.profile_applied = in->profile_applied;  // the booted system's replaces it
  }
  if (st.booted) {
    r.hypervisor_version = st.booted->hypervisor_version;
    r.profile_applied = st.booted->profile_applied;
    Append(&r.warnings, st.booted->warnings);
    r.vm_phases.push_back(st.booted->phase);
    if (st.booted->vm.ssh_host_port) r.ssh_port = st.booted->vm.ssh_host_port;
    for (int taken : st.booted->vm.ports_taken)
      r.warnings.push_back(
          "SSH forward port " + std::to_string(taken) +
          " was taken when QEMU bound it; the VM was started again on another");
    auto ended = st.booted->vm.guest->Ended();
    r.vm_phases.back().exit = ended ? *ended : "destroyed by bootgate";
  }
  if (st.login) {
    r.metrics["boot_s"] = st.login->boot_s;
    if (st.login->debug_port_s) r.metrics["debug_port_s"] = *st.login->debug_port_s;
    Append(&r.warnings, st.login->warnings);
  }
  if (st.access) {
    if (st.access->ssh_ready_s) r.metrics["ssh_ready_s"] = *st.access->ssh_ready_s;
    r.host_key_sha256 = st.access->host_key_sha256;
    Append(&r.warnings, st.access->warnings);
  }
  r.access_channel = st.access ? st.access->ChannelName() : "none";
  if (st.samples) RecordSamples(*st.samples, s.sample, st.host_disk, &r);
  r.checks = st.checks;
  // Metrics are judged whatever the verdict: a failed run keeps what it
  // measured.
  r.budgets = EvaluateBudgets(s.budgets, r.metrics, run.profile, r.accelerator);
  Judge(st.stop, &r);
  if (st.booted && st.booted->vm.console) RecordConsole(*st.booted->vm.console, &r);
  if (st.explain)
    RecordExplanation(*st.explain,
                      st.booted ? st.booted->vm.console.get() : nullptr, &r);

  std::vector<std::string> secrets = ScenarioSecrets(s);
  for (auto& line : r.console_tail) line = Redact(line, secrets);
  for (auto& m : r.milestones) m.line = Redact(m.line, secrets);
  r.reason = Redact(r.reason, secrets);
  if (r.explain)
    for (auto& note : r.explain->notes) note = Redact(note, secrets);
  return r;
}

}  // namespace bootgate
