// Stage "sample": after login (and the scenario's settle time) the runner
// takes N samples of guest RAM and disk through a CommandChannel, one guest
// command per sample, and may judge disk on the host image instead, from
// `qemu-img info --output=json`. Parsing is pure; TakeSample is the only I/O.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/df.h"
#include "metrics/meminfo.h"
#include "scenario/scenario.h"
#include "ssh/command_channel.h"
#include "util/cancel.h"
#include "util/clock.h"

namespace bootgate {

struct GuestSample {
  Meminfo mem;
  DiskUsage disk;
  double t_s = 0;  ///< seconds after t0 when the sample's output arrived
};

/// The one command a sample runs: /proc/meminfo, a separator line, then
/// `df -P -k` of `disk_mount` (shell-quoted, so any scenario string is safe).
std::string SampleCommand(const std::string& disk_mount);

/// Splits and parses the output of SampleCommand. Throws Error if the
/// separator is missing or either part does not parse.
GuestSample ParseSampleOutput(std::string_view output,
                              std::string_view disk_mount);

/// Runs SampleCommand over `channel` (bounded by `timeout`) and parses it.
/// Throws Error if the command fails (naming its stderr) or does not parse;
/// errors of the channel propagate. When `clock` is given, t_s is the time
/// from `t0` to the end of the command; else 0.
GuestSample TakeSample(CommandChannel& channel, const std::string& disk_mount,
                       Duration timeout, const Clock* clock = nullptr,
                       TimePoint t0 = {});

/// Pipeline stage 6, sample: `spec.count` samples, `spec.interval_s` apart,
/// after `spec.settle_s`.
struct SampleSeries {
  std::vector<double> ram_mib;   ///< MemTotal - MemAvailable, per sample
  std::vector<double> disk_mib;  ///< df used of spec.disk_mount, per sample
  GuestSample last;              ///< the last sample, for its details
};

/// Takes the samples over `channel`. `on_step` (may be empty) hears
/// "settle", "sample 1/3"... Throws Error (a sample that fails) or
/// Interrupted.
SampleSeries SampleGuest(CommandChannel& channel, const SampleSpec& spec, const Clock& clock,
                         const CancelToken* cancel,
                         const std::function<void(const std::string&)>& on_step);

/// What `qemu-img info --output=json` says about a disk image.
struct QemuImgInfo {
  std::string format;    ///< "qcow2", "raw"...
  std::string filename;
  double virtual_mib = 0;    ///< virtual-size: the disk the guest sees
  double allocated_mib = 0;  ///< actual-size: host space the file uses
};

/// Parses `qemu-img info --output=json` of one image. Throws Error on
/// invalid JSON or a missing/ill-typed format, virtual-size or actual-size.
QemuImgInfo ParseQemuImgInfo(std::string_view json);

/// Parses `qemu-img info --backing-chain --output=json`: the image first,
/// then each backing file in turn (a single object is a chain of one).
/// Throws Error like ParseQemuImgInfo, naming the element.
std::vector<QemuImgInfo> ParseQemuImgBackingChain(std::string_view json);

/// The host-side size of a VM's disk: what its whole backing chain takes.
struct HostDiskUsage {
  double total_mib = 0;    ///< actual-size summed over the chain
  double overlay_mib = 0;  ///< the top image (a throwaway overlay: its growth)
  double base_mib = 0;     ///< the backing files below it
  int chain_length = 1;
};
/// Pure: sums a parsed chain.
HostDiskUsage SumBackingChain(const std::vector<QemuImgInfo>& chain);

}  // namespace bootgate
