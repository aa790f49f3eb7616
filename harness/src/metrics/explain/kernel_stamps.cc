#include "metrics/explain/kernel_stamps.h"

#include "console/printk_check.h"

namespace bootgate {

KernelBootStamps ExtractKernelBootStamps(
    const std::vector<ConsoleLine>& lines, double boot_s,
    std::optional<double> printk_offset_s) {
  KernelBootStamps k;
  for (const ConsoleLine& l : lines) {
    if (l.t_s > boot_s) break;
    if (l.text.find("] Run /") == std::string::npos ||
        l.text.find(" as init process") == std::string::npos)
      continue;
    k.init_start_kernel_s = ParsePrintkTime(l.text);
    if (k.init_start_kernel_s) break;
  }
  if (printk_offset_s && boot_s >= *printk_offset_s)
    k.login_prompt_kernel_s = boot_s - *printk_offset_s;
  return k;
}

}  // namespace bootgate
