// What the console stage saw, in time: timestamped lines, milestones and the
// boot phases derived from them. Every `t_s`/`*_s` counts from the run's t0.
#pragma once

#include <string>

namespace bootgate {

/// One console line with its host receive time (seconds after t0).
struct ConsoleLine {
  double t_s = 0;
  std::string text;  ///< sanitised for display
};

struct PhaseResult {
  std::string name;  ///< "firmware", "bootloader", "kernel", "initramfs",
                     ///< "userspace", "ssh"
  double start_s = 0;
  double end_s = 0;
  double duration_s() const { return end_s - start_s; }
};

/// A timed milestone seen on the console (for timelines).
struct Milestone {
  std::string name;
  double t_s = 0;
  std::string line;
};

}  // namespace bootgate
