// `bootgate doctor`: what this host can do and why, one line per fact, each
// OK / missing / broken with its fix. The judging is pure (DoctorExitCode,
// RenderDoctor); the facts come from the host (CollectDoctorFacts).
#pragma once

#include <string>
#include <vector>

#include "backend/qemu/accel_resolver.h"
#include "util/process.h"

namespace bootgate {

struct DoctorLine {
  enum class State { kOk, kMissing, kBroken, kInfo };
  State state = State::kInfo;
  std::string what;    ///< "qemu", "kvm probe", "state dir"...
  std::string detail;  ///< what was found
  std::string fix;     ///< a package or a command; "" when nothing to do
  /// `bootgate run scenarios/reference.json` cannot run without it.
  bool needed_for_reference = false;
};

struct DoctorOptions {
  std::string qemu_binary = "qemu-system-x86_64";
  std::string state_dir;
  std::string report_dir = "reports";
  std::string cache_dir;
  std::string source_dir;  ///< where scenarios/ and images/ are ("" = none)
  /// Where the reference image is built ("" = source_dir/images/.cache).
  std::string image_cache_dir;
  std::string libvirt_uri = "qemu:///system";
};

/// Looks at the host: binaries, /dev/kvm, the KVM probe (run afresh, which
/// also renews the cached verdict), firmware, libvirtd, directories, tools.
std::vector<DoctorLine> CollectDoctorFacts(ProcessLauncher& launcher,
                                           KvmProber& prober,
                                           const DoctorOptions& options);

/// 0 when nothing the reference scenario needs is missing or broken, else 2.
int DoctorExitCode(const std::vector<DoctorLine>& lines);

/// The report a user reads: one line per fact, fixes indented below.
/// `color`: the state tags in colour (style.h's Paint).
std::string RenderDoctor(const std::vector<DoctorLine>& lines,
                         bool color = false);

}  // namespace bootgate
