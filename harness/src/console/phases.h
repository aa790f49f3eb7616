// Boot phases from console milestones: firmware -> bootloader -> kernel ->
// initramfs -> userspace -> login, then ssh. Pure: milestones in, phases out.
#pragma once

#include <optional>
#include <vector>

#include "result/timeline.h"

namespace bootgate {

/// Splits [0, login_s] at the first time each milestone was seen. A phase
/// whose marker never appeared is merged into the phase before it, which
/// then carries both names ("firmware+bootloader" for a direct kernel boot,
/// "kernel+initramfs" when no initramfs marker was printed). `ssh_s`
/// adds an "ssh" phase from login to SSH ready.
std::vector<PhaseResult> ExtractPhases(const std::vector<Milestone>& milestones,
                                       double login_s,
                                       std::optional<double> ssh_s);

}  // namespace bootgate
