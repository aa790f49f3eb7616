// The one plain result struct every reporter reads (JSON, JUnit, Markdown,
// HTML, Prometheus) and the history stores. Produced by RunScenario and the
// suite runner; contains data only, no behaviour beyond small helpers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bootgate {

/// A verdict is data, not an error. kError means "could not measure".
enum class Verdict { kPass, kFail, kError, kInterrupted, kInconclusive, kSkipped };
std::string ToString(Verdict v);  ///< "pass", "fail", "error", ...
Verdict VerdictFromString(const std::string& s);  ///< throws Error

/// One console line with its host receive time (seconds after t0).
struct ConsoleLine {
  double t_s = 0;
  std::string text;  ///< sanitised for display
};

/// A budget judged against a metric.
struct BudgetResult {
  std::string metric;   ///< "boot_s"
  double value = 0;     ///< the judged value (statistic over iterations)
  double limit = 0;
  std::string statistic = "value";  ///< "value" (one run) | "median" | "p95"...
  Verdict verdict = Verdict::kPass;  ///< kPass | kFail | kInconclusive
  double margin = 0;    ///< limit - value (positive: headroom)
  double margin_pct = 0;
  std::string note;     ///< e.g. "budget inside the 95% CI of the median"
};

struct CheckResult {
  std::string name;
  std::string command;
  Verdict verdict = Verdict::kPass;
  std::string reason;         ///< why it failed
  int exit_status = -1;
  std::string output_excerpt;  ///< bounded, sanitised
  double duration_s = 0;
  std::string channel;  ///< "ssh" | "serial"
};

struct PhaseResult {
  std::string name;  ///< "firmware", "bootloader", "kernel", "initramfs", "userspace", "ssh"
  double start_s = 0;
  double end_s = 0;
  double duration_s() const { return end_s - start_s; }
};

/// A timed milestone seen on the console (for timelines).
struct Milestone {
  std::string name;
  double t_s = 0;
  std::string line;
};

/// One phase of a run that boots a VM (install, boot).
struct VmPhaseInfo {
  std::string name;  ///< "install" | "boot"
  std::string console_log;  ///< path relative to the report dir
  std::vector<std::string> argv;  ///< redacted command line, for reproducing
  std::string exit;  ///< how the VM ended, if it did
  /// t0 (just before the VM process was started) as wall-clock Unix
  /// seconds, microsecond resolution; every `*_s` of this phase counts from
  /// it. 0 if unknown.
  double t0_unix_s = 0;
};

/// Summary statistics of one metric over iterations.
struct Stats {
  int n = 0;
  double min = 0, median = 0, p95 = 0, max = 0, mean = 0, stdev = 0, cov = 0;
  /// Exact order-statistics (binomial) CI of the median; [min, max] when
  /// n < 6, where no 95% interval exists.
  double ci_low = 0, ci_high = 0;
  /// Real coverage of [ci_low, ci_high] (0.96875 at n = 6, 0.75 at n = 3).
  double ci_level = 0;
};

/// One VM run: one scenario x profile x iteration (x attempt).
struct RunResult {
  std::string scenario;
  std::string scenario_file;
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
  std::string reason;          ///< one sentence
  std::string failure_class;   ///< "kernel-panic", "timeout", "silence"...
  std::string phase;           ///< phase the run ended in
  std::map<std::string, double> metrics;  ///< boot_s, install_s, ram_mib...
  std::map<std::string, double> details;  ///< mem_total_mib, disk_host_mib...
  std::map<std::string, std::vector<double>> samples;  ///< ram_mib -> [..]
  std::vector<BudgetResult> budgets;
  std::vector<CheckResult> checks;
  std::vector<PhaseResult> phases;
  std::vector<Milestone> milestones;
  std::vector<VmPhaseInfo> vm_phases;
  std::vector<std::string> console_tail;  ///< last lines, sanitised
  std::vector<std::string> warnings;
  std::map<std::string, std::string> profile_requested;  ///< field -> value
  std::map<std::string, std::string> profile_applied;
  std::string access_channel;  ///< "ssh" | "serial" | "none"
  int ssh_port = 0;
  std::string host_key_sha256;
  std::string disk_judged;  ///< "guest df /" | "host qcow2 allocated"
  std::string image;        ///< primary image path
  std::string image_sha256;
  std::string started_at;   ///< RFC 3339
  double wall_s = 0;        ///< how long the whole run took
  int concurrent_vms = 0;   ///< most other VM runs beside this one at once
  std::string run_dir;      ///< report subdirectory, relative
};

/// A scenario x profile over its counted iterations.
struct AggregateResult {
  std::string scenario;
  std::string profile;
  std::string backend;
  std::string accelerator;
  std::string judge = "median";  ///< the statistic budgets are judged on
  Verdict verdict = Verdict::kPass;
  std::string reason;
  std::map<std::string, Stats> stats;  ///< metric -> statistics
  std::vector<BudgetResult> budgets;   ///< judged on the chosen statistic
  std::vector<std::string> warnings;   ///< e.g. "noisy host: CoV 12%"
};

/// A whole `bootgate run`.
struct SuiteResult {
  std::string schema = "bootgate.report/v1";
  std::string run_id;
  std::string started_at;
  std::string finished_at;
  std::string host;
  std::string bootgate_version;
  std::string build_id;
  std::map<std::string, std::string> labels;
  Verdict verdict = Verdict::kPass;
  std::vector<RunResult> runs;
  std::vector<AggregateResult> aggregates;
  std::string report_dir;
};

/// 0 pass; 1 a budget, check or the image failed; 2 could not measure.
int ExitCodeFor(Verdict v);
/// The suite verdict: fail beats interrupted beats error beats inconclusive
/// beats pass. A real failure is never hidden behind "could not measure".
Verdict CombineVerdicts(const std::vector<Verdict>& verdicts);
/// True if `run` is kFail only because of its own per-run budgets (no check
/// failed or errored, no failure class but "budget"). Such a run is a note,
/// not a failure: its group's judged statistic decides (budget/Aggregate).
bool FailedOnlyOnOwnBudgets(const RunResult& run);

}  // namespace bootgate
