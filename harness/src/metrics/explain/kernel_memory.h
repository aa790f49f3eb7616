// Stage "explain", RAM: the kernel's share from /proc/meminfo, and the
// attribution of ram_mib (MemTotal - MemAvailable) to processes and kernel.
// Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "result/explanation.h"

namespace bootgate {

/// The kernel parts of /proc/meminfo in MiB, by report name: slab (Slab),
/// sreclaimable, sunreclaim, kernel_stack, page_tables, shmem, percpu,
/// vmalloc_used, page_cache (Cached + Buffers); and two derived from them:
/// shmem_unmapped = max(0, Shmem - Mapped) (tmpfs files no process maps)
/// and reserve = Active(file) + Inactive(file) + KReclaimable (SReclaimable
/// where the kernel has no KReclaimable) - (MemAvailable - MemFree), at
/// least 0. That is what si_mem_available() (Linux 6.1 mm/page_alloc.c)
/// withholds: totalreserve_pages (each zone's high watermark plus its
/// largest lowmem reserve) plus min(page cache / 2, low watermarks) plus
/// min(reclaimable / 2, low watermarks). Fields the kernel lacks are left
/// out (an old kernel has no Percpu). Lines that do not parse are skipped.
std::map<std::string, double> ParseKernelMemory(std::string_view meminfo_text);

/// Free pages parked on the per-CPU page lists, in MiB: the sum of every
/// "count:" under "pagesets" in /proc/zoneinfo, times `page_bytes`. The
/// kernel frees a page onto its CPU's list first and moves it to the buddy
/// allocator (MemFree) only past the list's "high:" (on Linux 6.1 up to the
/// zone's low watermark divided among the node's CPUs): such pages are free
/// but missing from MemFree, so ram_mib counts them as used. nullopt when
/// the text has no pagesets (no /proc/zoneinfo read). Lines that do not
/// parse are skipped.
std::optional<double> ParsePerCpuFreeMib(std::string_view zoneinfo_text,
                                         double page_bytes = 4096);

/// ram_mib = MemTotal - MemAvailable is what the kernel cannot hand out
/// again. The parts that explain it: each process's unreclaimable PSS
/// (anonymous and shared-memory pages), tmpfs pages no process maps, the
/// kernel's own unreclaimable memory (sunreclaim, kernel_stack, page_tables,
/// percpu, vmalloc_used), the reserve, and the free pages on the per-CPU
/// lists (pcp_free, when kernel_mib has it). File-backed pages (page cache,
/// mapped or not) and reclaimable slab are available, so they are reported
/// but not summed. Fills explained_mib, unexplained_mib (used -
/// explained), tolerance_mib (the larger of `tolerance_pct` % of used and
/// `tolerance_floor_mib`; docs/scenarios.md says why 5 % and 8 MiB) and
/// within_tolerance, from used_mib,
/// processes_unreclaimable_mib and kernel_mib.
void AttributeRam(RamExplanation* ram, double tolerance_pct = 5,
                  double tolerance_floor_mib = 8);

}  // namespace bootgate
