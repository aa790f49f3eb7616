#include "console/printk_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace bootgate {

std::optional<double> ParsePrintkTime(std::string_view line) {
  size_t i = 0;
  if (i >= line.size() || line[i] != '[') return std::nullopt;
  ++i;
  while (i < line.size() && line[i] == ' ') ++i;
  double whole = 0;
  size_t digits = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9' && digits < 12) {
    whole = whole * 10 + (line[i++] - '0');
    ++digits;
  }
  if (digits == 0 || i >= line.size() || line[i] != '.') return std::nullopt;
  ++i;
  double frac = 0, scale = 1;
  size_t frac_digits = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9' && frac_digits < 9) {
    frac = frac * 10 + (line[i++] - '0');
    scale *= 10;
    ++frac_digits;
  }
  if (frac_digits == 0 || i >= line.size() || line[i] != ']') return std::nullopt;
  return whole + frac / scale;
}

bool IsKernelOutput(std::string_view line) {
  return ParsePrintkTime(line).has_value() ||
         line.find("Linux version ") != std::string_view::npos;
}

std::optional<PrintkCrossCheck> CrossCheckPrintk(
    const std::vector<ConsoleLine>& lines, double until_s, int min_lines) {
  struct Point {
    double kernel_s, offset_s;
  };
  std::vector<Point> points;
  double last_kernel_s = -1;
  bool switched = false;
  for (const auto& line : lines) {
    if (line.t_s > until_s) break;
    auto k = ParsePrintkTime(line.text);
    // [    0.000000]: printed before the kernel's clock runs.
    if (!k || *k == 0) continue;
    // Kernel time restarts when sched_clock switches source early in boot
    // (jiffies -> tsc-early) or when the guest reboots: only the last
    // segment of one running clock is comparable.
    if (*k < last_kernel_s) {
      points.clear();
      switched = false;
    }
    // Until the kernel first switches clocksource, its clock can lose
    // seconds under TCG on a loaded host (seen on the development host):
    // compare from the first switch on.
    if (!switched && line.text.find("clocksource: Switched to clocksource") != std::string::npos) {
      points.clear();
      switched = true;
    }
    last_kernel_s = *k;
    points.push_back({*k, line.t_s - *k});
  }
  if (static_cast<int>(points.size()) < std::max(2, min_lines)) return std::nullopt;
  PrintkCrossCheck c;
  c.lines = static_cast<int>(points.size());
  double first_k = points.front().kernel_s;
  c.kernel_span_s = points.back().kernel_s - first_k;
  if (c.kernel_span_s < 0.1) return std::nullopt;
  c.offset_s = std::numeric_limits<double>::infinity();
  for (const auto& p : points) c.offset_s = std::min(c.offset_s, p.offset_s);
  double early = std::numeric_limits<double>::infinity();
  double late = std::numeric_limits<double>::infinity();
  for (const auto& p : points) {
    c.max_delay_ms = std::max(c.max_delay_ms, (p.offset_s - c.offset_s) * 1000);
    double pos = (p.kernel_s - first_k) / c.kernel_span_s;
    if (pos <= 1.0 / 3) early = std::min(early, p.offset_s);
    if (pos >= 2.0 / 3) late = std::min(late, p.offset_s);
  }
  c.skew_ms = (late - early) * 1000;
  return c;
}

std::string PrintkSkewWarning(const PrintkCrossCheck& c, double max_skew_ms) {
  if (std::fabs(c.skew_ms) <= max_skew_ms) return "";
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "host receive times and kernel printk times disagree: the offset "
                "drifted %.0f ms over %.1f s of kernel time (limit %.0f ms); "
                "the guest clock (TSC calibration under TCG on a loaded host) "
                "or the console path is unreliable on this host",
                c.skew_ms, c.kernel_span_s, max_skew_ms);
  return buf;
}

}  // namespace bootgate
