// Stage "sample": guest disk usage. The sampler runs `df -P -k <mount>` in
// the guest (busybox or coreutils) and this pure parser turns its text into
// MiB figures for the filesystem holding <mount>.
#pragma once

#include <string>
#include <string_view>

namespace bootgate {

struct DiskUsage {
  std::string filesystem;  ///< "/dev/vda1", "overlay"...
  std::string mount;       ///< where it is mounted ("/", "/var/lib")
  double size_mib = 0;
  double used_mib = 0;
  double avail_mib = 0;
};

/// Parses POSIX `df -P -k` output: a "Filesystem ... N-blocks ..." header
/// (N = 1024, 1K, 512...; the size of the block columns), then lines of
/// "filesystem blocks used available capacity mount". Filesystem names and
/// mount points may contain spaces; a name wrapped onto its own line is
/// joined. Picks the line whose mount equals `mount`, else the only data line
/// (df of a path inside a mount prints that mount). Throws Error on a missing
/// header, malformed lines, or several lines none of which is `mount`.
DiskUsage ParseDfPosix(std::string_view text, std::string_view mount);

}  // namespace bootgate
