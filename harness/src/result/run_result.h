// One VM run as the pipeline assembles it from its stages' values: what was
// booted, the timeline, the metrics and samples, the checks and budgets.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "result/budget_result.h"
#include "result/check_result.h"
#include "result/explanation.h"
#include "result/timeline.h"
#include "result/verdict.h"

namespace bootgate {

/// One phase of a run that boots a VM (install, boot).
struct VmPhaseInfo {
  std::string name;               ///< "install" | "boot"
  std::string console_log;        ///< path relative to the report dir
  std::vector<std::string> argv;  ///< redacted command line, for reproducing
  std::string exit;               ///< how the VM ended, if it did
  /// t0 (just before the VM process was started) as wall-clock Unix
  /// seconds, microsecond resolution; every `*_s` of this phase counts from
  /// it. 0 if unknown.
  double t0_unix_s = 0;
};

/// What the judge made of a run within its scenario x profile group.
enum class RunRole {
  kCounted,     ///< the final attempt of an iteration: its verdict counts
  kWarmup,      ///< the final attempt of a warm-up: its failure fails the
                ///< group, its figures feed nothing
  kSuperseded,  ///< an attempt a later one replaced (--retries, KVM->TCG)
};
std::string ToString(RunRole role);  ///< "counted" | "warmup" | "superseded"
RunRole RunRoleFromString(const std::string& s);  ///< throws Error

/// One VM run: one scenario x profile x iteration (x attempt).
struct RunResult {
  std::string scenario;
  std::string scenario_file;
  /// The scenario's own `labels` (stored in the history beside the
  /// suite's --label ones, selectable as label.K).
  std::map<std::string, std::string> labels;
  std::string profile = "qemu-kvm";
  std::string backend = "qemu";
  std::string connect_uri;         ///< libvirt, without credentials
  std::string hypervisor_version;  ///< "QEMU 7.2.x" / libvirt's
  std::string accelerator;         ///< "kvm" | "tcg" (what really ran)
  std::string accel_note;          ///< why (probe result, fallback)
  std::string accel_requested = "auto";  ///< "auto" | "kvm" | "tcg"
  int iteration = 1;
  int attempt = 1;
  bool warmup = false;
  bool passed_after_retry = false;
  Verdict verdict = Verdict::kError;
  std::string reason;         ///< one sentence
  std::string failure_class;  ///< "kernel-panic", "timeout", "silence"...
  std::string phase;          ///< phase the run ended in
  std::map<std::string, double> metrics;  ///< boot_s, install_s, ram_mib...
  std::map<std::string, double> details;  ///< mem_total_mib, disk_host_mib...
  std::map<std::string, std::vector<double>> samples;  ///< ram_mib -> [..]
  std::vector<BudgetResult> budgets;
  std::vector<CheckResult> checks;
  /// The guest's own attribution of boot, RAM and disk (absent: not
  /// collected, e.g. turned off, no access channel or no samples).
  std::optional<Explanation> explain;
  std::vector<PhaseResult> phases;
  std::vector<Milestone> milestones;
  std::vector<VmPhaseInfo> vm_phases;
  std::vector<std::string> console_tail;  ///< last lines, sanitised
  std::vector<std::string> warnings;
  std::map<std::string, std::string> profile_requested;  ///< field -> value
  std::map<std::string, std::string> profile_applied;
  /// The installer the install phase detected and how ("photon-os-installer
  /// 2.3 (from the initrd's /usr/lib/...: ...)"), and how its completion was
  /// detected.
  std::string installer;
  std::string install_completion;
  /// The install whose disk this run booted (scenarios with an install):
  /// its own ("<scenario>.<profile>.iter3") by default, a shared one
  /// ("<scenario>.<profile>.install1") with --boots-per-install K > 1.
  std::string install_id;
  std::string access_channel;  ///< "ssh" | "serial" | "none"
  int ssh_port = 0;
  std::string host_key_sha256;
  std::string disk_judged;  ///< "guest df /" | "host qcow2 allocated"
  std::string image;        ///< primary image path
  std::string image_sha256;
  std::string started_at;  ///< RFC 3339
  double wall_s = 0;       ///< how long the whole run took
  int concurrent_vms = 0;  ///< most other VM runs beside this one at once
  int vm_cpus = 0;         ///< the VM's size, as the scenario asked
  int vm_memory_mib = 0;
  std::string run_dir;     ///< report subdirectory, relative
  /// Set by the judge (budget/judge_suite.h JudgeSuite), read by every
  /// output: the run's role in its group, the verdict it counts as there
  /// (its own, except a counted run that failed only its own per-run
  /// budgets counts as kPass: the group's judged statistic decides) and, for
  /// such a run, the judge's note saying so.
  RunRole role = RunRole::kCounted;
  Verdict counts_as = Verdict::kError;
  std::string judge_note;
};

/// True if `run` is kFail only because of its own per-run budgets (no check
/// failed or errored, no failure class but "budget"). Such a run is a note,
/// not a failure: its group's judged statistic decides (budget/Aggregate).
bool FailedOnlyOnOwnBudgets(const RunResult& run);

}  // namespace bootgate
