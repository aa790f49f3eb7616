// What the guest says about its own figures, collected in the same run after
// the samples (metrics/explain/): which units made the boot slow, which
// processes and kernel parts hold the RAM, which directories and packages
// fill the disk. Every list is bounded (top N) and absent, not empty, when
// the guest does not offer it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bootgate {

/// One systemd unit and how long it took to start (`systemd-analyze blame`).
struct UnitTime {
  std::string unit;
  double s = 0;
};

/// One link of `systemd-analyze critical-chain`: when the unit became active
/// (seconds after userspace started) and, for units that took time, how long.
struct ChainLink {
  std::string unit;
  double at_s = 0;
  std::optional<double> took_s;
};

struct BootExplanation {
  /// `systemd-analyze time` parts in seconds: "firmware", "loader",
  /// "kernel", "initrd", "userspace", "total" (those the guest prints).
  std::map<std::string, double> phases_s;
  std::string target;           ///< the default target the chain leads to
  std::vector<UnitTime> units;  ///< slowest first, top N
  std::vector<ChainLink> critical_chain;  ///< target first, as printed
  /// From printk stamps (any kernel that prints them): kernel time of
  /// "Run /init" (init start) and of the login prompt (host time mapped onto
  /// the kernel clock with the printk offset).
  std::optional<double> init_start_kernel_s;
  std::optional<double> login_prompt_kernel_s;
};

struct ProcessMemory {
  std::string name;  ///< /proc/PID/comm
  int pid = 0;
  double pss_mib = 0;  ///< PSS, or RSS where the kernel lacks smaps_rollup
  /// Of pss_mib, what the kernel cannot reclaim: Pss_Anon + Pss_Shmem
  /// (Linux >= 5.7); the whole figure where the split is not printed.
  double unreclaimable_mib = 0;
};

struct RamExplanation {
  std::string measure = "pss";             ///< "pss" | "rss" (no smaps_rollup)
  std::vector<ProcessMemory> processes;    ///< largest first, top N
  int process_count = 0;                   ///< user processes seen
  double processes_mib = 0;                ///< sum over all of them
  double processes_unreclaimable_mib = 0;  ///< sum of unreclaimable_mib
  /// /proc/meminfo kernel parts in MiB (kernel_memory.h): slab,
  /// sreclaimable, sunreclaim, kernel_stack, page_tables, shmem, percpu,
  /// vmalloc_used, page_cache (Cached + Buffers), and the derived
  /// shmem_unmapped (Shmem no process maps: tmpfs files) and reserve (what
  /// MemAvailable withholds: the zones' reserve and low watermarks); and
  /// from /proc/zoneinfo pcp_free (free pages on the per-CPU lists, which
  /// MemFree leaves out).
  std::map<std::string, double> kernel_mib;
  /// MemTotal - MemAvailable when the processes were read (same definition
  /// as ram_mib), what the parts explain, and the remainder.
  double used_mib = 0;
  /// processes_unreclaimable_mib + shmem_unmapped + sunreclaim +
  /// kernel_stack + page_tables + percpu + vmalloc_used + reserve +
  /// pcp_free.
  double explained_mib = 0;
  double unexplained_mib = 0;
  double tolerance_mib = 0;
  bool within_tolerance = false;
};

/// A named size: a directory or an installed package.
struct SizedItem {
  std::string name;
  double mib = 0;
};

struct DiskExplanation {
  std::string mount;
  std::vector<SizedItem> paths;     ///< du -x, depth 2, largest first, top N
  double du_total_mib = 0;          ///< du's figure for the mount itself
  std::string package_manager;      ///< "dpkg" | "rpm" | "" (none)
  std::vector<SizedItem> packages;  ///< largest first, top N
  int package_count = 0;
  double packages_mib = 0;  ///< the total all packages explain
};

struct Explanation {
  double cost_s = 0;  ///< guest time the collection took, all areas
  std::optional<BootExplanation> boot;
  std::optional<RamExplanation> ram;
  std::optional<DiskExplanation> disk;
  std::vector<std::string> notes;  ///< what was not offered, and why
};

}  // namespace bootgate
