// Recorded consoles: the `console.timed.log` a run leaves behind ("[  12.345]
// line" per line) read back into stamped lines, and the milestones a live
// Console would have found in them. Lets phases and the printk cross-check be
// recomputed (and tested) from a recording, without a VM.
#pragma once

#include <string>
#include <vector>

#include "result/timeline.h"
#include "scenario/scenario.h"

namespace bootgate {

/// Parses console.timed.log text. Lines without a "[ seconds] " stamp are
/// an Error naming `file` and the line number.
std::vector<ConsoleLine> ParseTimedLog(const std::string& text,
                                       const std::string& file);

/// The first line matching each marker, in order of appearance: the same
/// rule the live Console applies.
std::vector<Milestone> FindMilestones(const std::vector<ConsoleLine>& lines,
                                      const std::vector<PhaseMarker>& markers);

}  // namespace bootgate
