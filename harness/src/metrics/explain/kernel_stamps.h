// Stage "explain", boot on guests without systemd: the kernel's own clock
// at init start ("Run /init as init process" or "Run /sbin/init ...") and at
// the login prompt, from the console the host recorded. Pure.
#pragma once

#include <optional>
#include <vector>

#include "result/timeline.h"

namespace bootgate {

struct KernelBootStamps {
  std::optional<double>
      init_start_kernel_s;  ///< printk stamp of "Run ... as init process"
  /// The login prompt (boot_s on the host clock) on the kernel clock:
  /// boot_s - printk_offset_s (console/printk_check.h), when an offset is
  /// known.
  std::optional<double> login_prompt_kernel_s;
};

KernelBootStamps ExtractKernelBootStamps(const std::vector<ConsoleLine>& lines,
                                         double boot_s,
                                         std::optional<double> printk_offset_s);

}  // namespace bootgate
