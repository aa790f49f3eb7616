// Proves that KVM really runs a guest before bootgate trusts it. On hosts with
// broken nested virtualisation /dev/kvm opens fine but guests stall; the probe
// boots SeaBIOS (no disk) and waits for its "Booting from" line on the debug
// port, which takes ~0.25 s under TCG and less under a working KVM.
#pragma once

#include <string>

#include "util/process.h"

namespace bootgate {

struct AccelProbe {
  bool kvm_usable = false;
  std::string note;  ///< one sentence: what was tried and what happened
};

/// Runs the probe (cached per host boot in `cache_dir` if not empty).
AccelProbe ProbeKvm(ProcessLauncher& launcher, const std::string& qemu_binary,
                    const std::string& cache_dir, double timeout_s = 3.0);

/// Runs the same probe under `accel` and returns true if the firmware got as
/// far as trying to boot. Exposed for tests (TCG must always pass).
bool FirmwareReachesBoot(ProcessLauncher& launcher, const std::string& qemu_binary,
                         const std::string& accel, double timeout_s,
                         std::string* detail);

}  // namespace bootgate
