// Stage "explain", boot: parsers of `systemd-analyze time`, `blame` and
// `critical-chain` as systemd 252 (Debian 12) and later print them. Pure:
// guest text in, seconds out. The guest is untrusted: lines that do not
// parse are skipped, never trusted halfway.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result/explanation.h"

namespace bootgate {

/// A systemd time span ("1min 5.120s", "456ms", "2h 3min", "12us", "12µs")
/// in seconds, or nullopt if any word is not `<number><unit>`.
std::optional<double> ParseSystemdSpan(std::string_view text);

/// `systemd-analyze time`: "Startup finished in 2.040s (kernel) + 1.2s
/// (initrd) + 5.1s (userspace) = 8.3s" -> {"kernel": 2.04, "initrd": 1.2,
/// "userspace": 5.1, "total": 8.3}; the following "X.target reached after"
/// line, if any, gives `target`. Empty map when the boot has not finished
/// ("Bootup is not yet finished") or the text has no such line.
struct SystemdTime {
  std::map<std::string, double> phases_s;
  std::string target;
};
SystemdTime ParseSystemdAnalyzeTime(std::string_view text);

/// `systemd-analyze blame`: one "<span> <unit>" per line, in the order
/// printed (slowest first).
std::vector<UnitTime> ParseSystemdBlame(std::string_view text);

/// `systemd-analyze critical-chain`: the tree lines ("graphical.target
/// @1min 5s", "└─ssh.service @4.0s +1.093s", or the ASCII "`-" glyphs of a
/// non-UTF-8 locale); the header lines are skipped. In the order printed
/// (the target first).
std::vector<ChainLink> ParseCriticalChain(std::string_view text);

}  // namespace bootgate
