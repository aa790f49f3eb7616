// Stage 2 (boot) support: which accelerator runs the guests. /dev/kvm can open
// fine while guests hang (broken nested virtualisation): in the firmware on
// some hosts, inside the Linux kernel on others. Only a real kernel reaching a
// known point proves KVM, so the probe boots one directly (no root file
// system, `panic=-1`) under KVM and TCG at once and waits for its panic line.
#pragma once

#include <optional>
#include <string>

#include "util/process.h"

namespace bootgate {

/// One probe boot of the kernel under one accelerator.
struct KernelTrial {
  std::string accel;      ///< "kvm" | "tcg"
  bool ran = false;       ///< the trial was started
  bool reached = false;   ///< the panic line arrived
  double elapsed_s = 0;   ///< to the panic line, or until it was given up
  std::string last_line;  ///< last console line seen, sanitised; "" = none
  std::string ended;      ///< why it stopped, e.g. "reached its panic"
};

/// The cached verdict on KVM for this host, with its evidence.
struct KvmVerdict {
  enum class State { kUsable, kBroken, kUnavailable };
  State state = State::kUnavailable;
  /// "kernel probe" | "contradicted by a run" | "no /dev/kvm" | ...
  std::string how;
  double made_unix_s = 0;  ///< when the verdict was made (wall clock)
  std::string boot_id;     ///< host boot it belongs to
  std::string kernel;      ///< the probe kernel
  std::string qemu_binary;
  KernelTrial kvm, tcg;
  double probe_s = 0;    ///< wall time the whole probe took
  std::string evidence;  ///< one paragraph: what was tried and what happened
  bool from_cache = false;
  bool usable() const { return state == State::kUsable; }
};

/// How long verdicts are trusted. A usable verdict lives for the host boot
/// (or until a run contradicts it); a broken one only for minutes, since a
/// transient load or a fixed host must not cost TCG for the whole uptime.
inline constexpr double kBrokenVerdictTtlS = 600;

/// KVM must reach the panic within this many seconds of its start, given
/// that TCG reached it in `tcg_s` (both run at once on the same host). A
/// working KVM is many times faster than TCG; a KVM slower than TCG gives
/// nothing worth having.
double KvmBoundS(double tcg_s);

/// Pure: the verdict the two trials give. `tcg` may not have reached its
/// panic when KVM answered first (it is stopped then).
KvmVerdict JudgeTrials(const KernelTrial& kvm, const KernelTrial& tcg);

/// Pure: whether a cached verdict still holds at `now_unix_s` on the host
/// boot `boot_id`; `why_not` says why not.
bool CachedVerdictHolds(const KvmVerdict& v, double now_unix_s,
                        const std::string& boot_id, std::string* why_not);

/// The cache file's text and back (JSON). Parse returns nullopt for a file
/// that is not a verdict (an old format, a truncated write).
std::string SerializeVerdict(const KvmVerdict& v);
std::optional<KvmVerdict> ParseVerdict(const std::string& text);

/// The kernel the probe boots: `explicit_path` if given, else the newest
/// /boot/vmlinuz-*-cloud-amd64 (the reference image's kernel), else the
/// newest /boot/vmlinuz-*; "" if none.
std::string FindProbeKernel(const std::string& explicit_path = "");

/// Wall-clock and host-boot facts, a seam for tests.
struct ProbeHost {
  double now_unix_s = 0;
  std::string boot_id;
  bool kvm_device = false;  ///< /dev/kvm opens read-write
  static ProbeHost Current();
};

/// Decides KVM for this host. Reads the cache in `cache_dir` (if not empty)
/// and returns it while it holds; otherwise runs the kernel probe and caches
/// the result. Never throws for a broken KVM; throws Error only when the
/// probe itself cannot run (QEMU missing).
class KvmProber {
 public:
  KvmProber(ProcessLauncher* launcher, std::string qemu_binary,
            std::string cache_dir, std::string kernel);
  KvmVerdict Decide(const ProbeHost& host);
  /// Replaces the verdict at once with a broken one (a run under KVM
  /// contradicted it); `evidence` says what the run saw.
  KvmVerdict MarkBroken(const ProbeHost& host, const std::string& evidence);
  /// Runs both trials now, without the cache.
  KvmVerdict ProbeNow(const ProbeHost& host);
  std::string cache_path() const;

 private:
  void Store(const KvmVerdict& v);
  ProcessLauncher* launcher_;
  std::string qemu_binary_;
  std::string cache_dir_;
  std::string kernel_;
};

/// Boots `kernel` under `accel` alone until its panic or `timeout_s`.
/// Exposed for the real-host tests.
KernelTrial RunKernelTrial(ProcessLauncher& launcher,
                           const std::string& qemu_binary,
                           const std::string& kernel, const std::string& accel,
                           double timeout_s);

/// Removes the cached verdict; returns true if there was one.
bool ForgetKvmVerdict(const std::string& cache_dir);

/// "KVM usable: a Linux kernel reached its panic in 0.41 s under KVM (TCG
/// 1.83 s) ..." — the accelerator note of a run's report.
std::string DescribeVerdict(const KvmVerdict& v, double now_unix_s);

}  // namespace bootgate
