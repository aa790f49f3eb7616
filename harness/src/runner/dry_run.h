// The pipeline up to the first VM, for `bootgate run --dry-run`: set-up,
// recipes, the install's kickstart, kernel and blank disk, the system's
// overlay and seed, exactly as a run makes them, and then each phase's VM
// command line written out instead of started. No VM runs.
#pragma once

#include <string>
#include <vector>

#include "runner/run_context.h"

namespace bootgate {

/// What a dry run prepared and wrote.
struct DryRunResult {
  std::string out_dir;    ///< the run's report folder
  std::string workspace;  ///< kept: the prepared disks, kernel, seed
  std::vector<std::string>
      files;  ///< written, in order (install.config, qemu.argv)
  std::vector<std::string> notes;  ///< accelerator, installer, completion
};

/// Prepares `run` as RunScenario would and writes, into its report folder,
/// `install.config` (the rendered kickstart, secrets as served; mode 0600)
/// and `qemu.argv` (each VM phase's command line, one argument per line, a
/// `# phase` line before each), or `domain.xml` for libvirt. "auto"
/// acceleration is not probed (a probe boots VMs): the preview uses TCG
/// unless KVM was forced. Throws Error when preparing fails.
DryRunResult DryRunScenario(const RunRequest& run, const RunServices& services,
                            const RunOptions& options);

}  // namespace bootgate
