// Cross-check of the host's receive stamps against the guest kernel's own
// clock: where the guest prints `[    1.234567]` printk timestamps, the host
// time minus the kernel time of each line estimates when the kernel's clock
// started (seen from t0). A drift of that offset over the kernel phase means
// host stamps and kernel stamps disagree. Pure: console lines in, figures out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result/timeline.h"

namespace bootgate {

/// True if `line` is a Linux kernel's own output: a printk stamp or its
/// "Linux version" banner.
bool IsKernelOutput(std::string_view line);

/// The kernel time in seconds of a line that starts with a printk stamp
/// ("[    1.234567] ..."), or nullopt.
std::optional<double> ParsePrintkTime(std::string_view line);

struct PrintkCrossCheck {
  int lines = 0;            ///< stamped lines used
  double offset_s = 0;      ///< min over lines of host_t - kernel_t
  double skew_ms = 0;       ///< offset drift, last third vs first third
  double max_delay_ms = 0;  ///< largest host_t - kernel_t - offset_s
  double kernel_span_s = 0; ///< kernel time from first to last stamped line
};

/// Uses the stamped lines received at or before `until_s` (e.g. the login
/// time). Lines arrive after the kernel stamped them (buffering, early
/// messages replayed when the console registers), never before, so the
/// offset is the lower envelope: the smallest host - kernel difference.
/// skew_ms compares that envelope over the first and the last third of the
/// kernel time span (positive: the host clock ran faster than the guest's).
/// Stamps of exactly 0 (printed before the clock runs) are skipped; when
/// kernel time goes backwards (sched_clock switching source early in boot, a
/// reboot) only the lines after the last jump are used, and of those only
/// the lines from the first "clocksource: Switched to clocksource" on, if
/// there is one (before it, the clock is not trustworthy under emulation). Returns nullopt with
/// fewer than `min_lines` such lines or a kernel span under 0.1 s.
std::optional<PrintkCrossCheck> CrossCheckPrintk(
    const std::vector<ConsoleLine>& lines, double until_s, int min_lines = 10);

/// The warning to attach to a run when |skew_ms| exceeds `max_skew_ms`,
/// or "" when the clocks agree.
std::string PrintkSkewWarning(const PrintkCrossCheck& check,
                              double max_skew_ms = 200);

}  // namespace bootgate
