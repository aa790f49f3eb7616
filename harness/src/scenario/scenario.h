// Stage 1 of the pipeline: load. A scenario file (JSON with comments) becomes
// a validated Scenario value; every later stage reads only this struct. Paths
// in it are already resolved against the scenario file's directory. Parsing
// never starts a VM: a bad file is an error (exit 2) before anything runs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenario/profile.h"

namespace bootgate {

/// What to boot. Exactly one of iso / disk / kernel is set.
struct ImageSpec {
  std::string iso;     ///< bootable ISO, attached read-only as a CD-ROM
  std::string disk;    ///< disk image, booted through a throwaway overlay
  std::string disk_format;  ///< "qcow2" | "raw" (detected when absent)
  std::string kernel;  ///< direct kernel boot
  std::string initrd;
  std::string append;
  /// Optional recipe (program, run without a shell) that builds the image when
  /// it is missing or stale; must be idempotent and cached.
  std::string recipe;
  /// Optional script that obtains the image (e.g. downloads it); never run
  /// by bootgate, named in the error when the image is missing.
  std::string fetch;
  std::string Describe() const;  ///< "iso /path/x.iso" etc.
  std::string PrimaryPath() const;
};

/// A console pattern that ends a run as a failure, with a classification.
struct FailPattern {
  std::string name;   ///< "kernel-panic", "emergency-shell", ...
  std::string regex;  ///< RE2 pattern, searched in each console line
};

/// A configurable boot-phase marker (issue: boot phases).
struct PhaseMarker {
  std::string phase;  ///< phase that *starts* at this marker
  std::string regex;
};

struct BootSpec {
  // A host name, " login:", at the end of the (partial) line: not "Last
  // login: Mon Nov 30 ..." (RE2 is linear, so a long run of name characters
  // costs nothing special).
  std::string login_pattern = R"([A-Za-z0-9._-]+ login: ?$)";
  std::vector<FailPattern> fail_patterns;  ///< defaults + the scenario's own
  double timeout_s = 120;
  double silence_s = 0;  ///< console-silence watchdog; 0 = off
  std::string marker = "console";  ///< "console" | "debug-port"
  std::vector<PhaseMarker> phase_markers;  ///< defaults unless given
  std::string extra_append;  ///< appended to a direct-kernel command line
};

struct VmSpec {
  int cpus = 1;
  int memory_mib = 512;
  std::string accel = "auto";  ///< "auto" | "kvm" | "tcg"
  /// Overrides the profile's cdrom_bus: "ide" | "sata" | "scsi"; "profile"
  /// keeps the profile's (its hypervisor's default).
  std::string cdrom_bus = "profile";
  std::vector<std::string> extra_args;  ///< appended to QEMU's argv as-is
  /// "restricted": the guest reaches nothing but what bootgate gives it (the
  /// kickstart channel); "nat": the outside world and the host's loopback.
  std::string network = "restricted";
};

/// How bootgate reaches the guest after the login prompt.
struct AccessSpec {
  std::string method = "ssh";  ///< "ssh" | "serial" | "auto" | "none"
  std::string user = "root";
  std::string key_file;   ///< private key; empty = ephemeral ed25519 per run
  std::string password;   ///< secret: redacted everywhere
  std::string seed = "nocloud";  ///< "nocloud" | "kernel-arg" | "none"
  int guest_port = 22;
  double connect_timeout_s = 5;  ///< per attempt
  double ready_timeout_s = 0;    ///< overall; 0 = boot.timeout_s
  std::string shell_prompt = R"([#$] ?$)";  ///< serial fallback
};

struct SampleSpec {
  double settle_s = 10;
  int count = 3;
  double interval_s = 1;
  std::string disk_mount = "/";
  std::string disk_judged = "guest";  ///< "guest" (df) | "host" (qemu-img)
};

struct CheckExpect {
  std::optional<int> exit_status = 0;
  std::string stdout_matches;      ///< regex that must match stdout
  std::string stdout_not_matches;  ///< regex that must not match stdout
};

struct CheckSpec {
  std::string name;
  std::string run;  ///< a command line run by the guest's shell
  double timeout_s = 30;
  CheckExpect expect;
};

/// A budget value: one number, or one per accelerator.
struct BudgetValue {
  std::optional<double> any;
  std::map<std::string, double> per_accel;  ///< "kvm" -> 10, "tcg" -> 45
  /// The limit for `accel`, if any.
  std::optional<double> For(const std::string& accel) const;
};

struct Budgets {
  std::map<std::string, BudgetValue> limits;  ///< metric -> value
  std::string judge = "median";  ///< "median" | "p95" | "max" | "mean"
  /// Per-profile overrides: profile -> metric -> value.
  std::map<std::string, std::map<std::string, BudgetValue>> per_profile;
  /// Resolved limit for a metric under a profile and accelerator.
  std::optional<double> Limit(const std::string& metric,
                              const std::string& profile,
                              const std::string& accel) const;
};

struct InstallSpec {
  bool enabled = false;
  ImageSpec media;            ///< installer ISO (and/or kernel+initrd)
  bool extract_kernel = false;  ///< boot the ISO's own kernel directly
  std::string iso_kernel_path = "/isolinux/vmlinuz";
  std::string iso_initrd_path = "/isolinux/initrd.img";
  std::string append;          ///< installer kernel args; {ks_url} etc.
  int disk_size_mib = 2048;
  std::string config_template;  ///< kickstart template file
  /// Kickstart renderer: "auto" (from the photon-os-installer code in the
  /// ISO's initrd), "photon-2.3" | "photon-2.4" | "photon-2.7" |
  /// "photon-2.8" | "photon-2.9" | "text".
  std::string config_format = "auto";
  std::string config_delivery = "http";  ///< "http" | "cdrom"
  std::map<std::string, std::string> config_vars;  ///< hostname, disk...
  /// "pattern" | "poweroff" | "reset" | "auto" (what the ISO's installer
  /// does: reset for photon-os-installer).
  std::string complete = "pattern";
  /// With "pattern" the signal; with the others a cross-check that must
  /// appear before the VM ends.
  std::string complete_pattern;
  std::vector<FailPattern> fail_patterns;
  double timeout_s = 600;
  double silence_s = 0;
  /// Boots per install (>= 1): with K > 1 a group installs once per K boots
  /// and boots copy-on-write overlays of the installed disk
  /// (runner/install_reuse.h); --boots-per-install overrides it.
  int boots_per_install = 1;
};

/// `explain`: the guest's own attribution of boot, RAM and disk, collected
/// after the samples (metrics/explain/collect.h).
struct ExplainSpec {
  bool enabled = true;
  int top_n = 10;  ///< longest list kept per item kind (units, processes...)
};

struct Scenario {
  std::string file;  ///< absolute path of the scenario file
  std::string name;
  std::string description;
  ImageSpec image;
  std::vector<std::string> profiles = {"qemu-kvm"};
  std::string backend = "qemu";  ///< "qemu" | "libvirt"
  std::string connect;           ///< libvirt URI
  VmSpec vm;
  BootSpec boot;
  AccessSpec access;
  bool access_given = false;  ///< scenario has an `access` or `checks`
  SampleSpec sample;
  bool sample_enabled = true;
  ExplainSpec explain;
  std::vector<CheckSpec> checks;
  Budgets budgets;
  InstallSpec install;
  int iterations = 1;
  int warmup = 0;
  bool exclusive = false;
  std::map<std::string, std::string> labels;
};

/// One error found while validating: file, JSON path, what was expected.
struct ValidationIssue {
  std::string file;
  std::string json_path;  ///< e.g. "/budgets/boot_s"
  std::string message;    ///< sentence: what is wrong and how to fix it
  std::string ToString() const;
};

/// Parses and validates scenario JSON text. `file` resolves relative paths
/// and names errors. Collects every issue found; returns nullopt if any.
/// Does not touch the filesystem except to check that referenced files exist
/// (when `check_files`).
std::optional<Scenario> ParseScenario(const std::string& text,
                                      const std::string& file,
                                      std::vector<ValidationIssue>* issues,
                                      bool check_files = true);

/// Reads and parses a scenario file; throws Error listing every issue.
Scenario LoadScenario(const std::string& path);

/// `s` with `image` in place of what it boots: the installer media of an
/// install scenario, else its ISO, disk or kernel (whichever it names). The
/// recipe and fetch script, which make the scenario's own image, are
/// dropped; a disk's format is detected again.
Scenario WithImage(const Scenario& s, const std::string& image);

/// Multiplies every timeout of `s` by `factor` (> 0; throws Error
/// otherwise): boot timeout and silence watchdog, install timeout and
/// silence, the access's connect and readiness timeouts and each check's, so
/// a slow (TCG) host needs no edited scenario. A 0 that means "off" or "the
/// default" stays 0.
void ScaleTimeouts(Scenario* s, double factor);

/// The built-in fail patterns (kernel panic, VFS root mount failure,
/// emergency shell, soft lockup, RCU stall, OOM killer).
std::vector<FailPattern> DefaultFailPatterns();
/// The built-in boot-phase markers.
std::vector<PhaseMarker> DefaultPhaseMarkers();

}  // namespace bootgate
