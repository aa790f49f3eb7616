// Stage "explain", RAM: the kernel's share from /proc/meminfo, and the
// attribution of ram_mib (MemTotal - MemAvailable) to processes and kernel.
// Pure.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "result/explanation.h"

namespace bootgate {

/// The kernel parts of /proc/meminfo in MiB, by report name: slab (Slab),
/// sreclaimable, sunreclaim, kernel_stack, page_tables, shmem, percpu,
/// vmalloc_used, page_cache (Cached + Buffers); and two derived from them:
/// shmem_unmapped = max(0, Shmem - Mapped) (tmpfs files no process maps)
/// and reserve = Active(file) + Inactive(file) + SReclaimable -
/// (MemAvailable - MemFree), at least 0 (what MemAvailable withholds of the
/// reclaimable caches: the zones' low watermarks). Fields the kernel lacks
/// are left out (an old kernel has no Percpu). Lines that do not parse are
/// skipped.
std::map<std::string, double> ParseKernelMemory(std::string_view meminfo_text);

/// ram_mib = MemTotal - MemAvailable is what the kernel cannot hand out
/// again. The parts that explain it: each process's unreclaimable PSS
/// (anonymous and shared-memory pages), tmpfs pages no process maps, the
/// kernel's own unreclaimable memory (sunreclaim, kernel_stack, page_tables,
/// percpu, vmalloc_used) and the reserve. File-backed pages (page cache,
/// mapped or not) and reclaimable slab are available, so they are reported
/// but not summed. Fills explained_mib, unexplained_mib (used -
/// explained), tolerance_mib (the larger of `tolerance_pct` % of used and
/// `tolerance_floor_mib`) and within_tolerance, from used_mib,
/// processes_unreclaimable_mib and kernel_mib.
void AttributeRam(RamExplanation* ram, double tolerance_pct = 10,
                  double tolerance_floor_mib = 8);

}  // namespace bootgate
