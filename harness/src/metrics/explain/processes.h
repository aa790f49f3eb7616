// Stage "explain", RAM: per-process memory from /proc, read in the guest by
// three greps over all processes at once (names, PSS, RSS), so the guest
// runs three commands, not three per process. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "result/explanation.h"

namespace bootgate {

/// Parses `grep -H '' /proc/[0-9]*/comm` (names), `grep -H '^Pss'
/// /proc/[0-9]*/smaps_rollup` (Pss, and Pss_Anon + Pss_Shmem for
/// unreclaimable_mib where the kernel prints them) and `grep -H '^VmRSS:'
/// /proc/[0-9]*/status`
/// ("/proc/PID/FILE:Key:   N kB" lines). A process's figure is its PSS, or
/// its RSS where it has no smaps_rollup (Linux < 4.14); processes with
/// neither (kernel threads) and `exclude_pid` (the collecting shell) are
/// left out. Sorted largest first (then by pid). `measure` gets "pss",
/// "rss", or "pss+rss" when both were needed.
std::vector<ProcessMemory> ParseProcessMemory(std::string_view comm_text,
                                              std::string_view pss_text,
                                              std::string_view rss_text,
                                              int exclude_pid,
                                              std::string* measure);

}  // namespace bootgate
