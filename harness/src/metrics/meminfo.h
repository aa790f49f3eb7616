// Stage "sample": guest memory. The sampler reads /proc/meminfo in the guest
// (one command per sample, see metrics/sampler.h) and these pure functions
// turn its text into MiB figures; "RAM used" is procps free's definition.
#pragma once

#include <string_view>

namespace bootgate {

/// /proc/meminfo in MiB (1 MiB = 1024 kB as the kernel counts).
struct Meminfo {
  double total_mib = 0;
  double free_mib = 0;
  double available_mib = 0;
  double buffers_mib = 0;
  double cached_mib = 0;
  /// total - available: what procps-ng `free` prints as "used".
  double used_mib() const { return total_mib - available_mib; }
};

/// Parses /proc/meminfo text ("Key:   value kB" lines; "\r\n" tolerated).
/// MemTotal and MemAvailable are required (MemFree, Buffers, Cached default
/// to 0): throws Error naming a missing field or a value that is not a number.
Meminfo ParseMeminfo(std::string_view text);

}  // namespace bootgate
