// Pipeline stage "explain": after the samples (never between boot and
// login), one guest script per area — boot, RAM, disk — over the access
// channel, each bounded in time, parsed by the pure parsers beside this
// file. What a guest does not offer (no systemd, no smaps_rollup, no package
// manager) is absent from the result, with a note, never an empty list.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result/explanation.h"
#include "scenario/scenario.h"
#include "ssh/command_channel.h"
#include "util/clock.h"

namespace bootgate {

/// The guest scripts: each prints sections, a line "@@bootgate:NAME@@"
/// before each. A section is printed only when its tool exists.
/// boot: "time", "blame", "chain" (systemd-analyze; absent without it),
/// after waiting at most `wait_s` for the boot to finish (`systemctl
/// is-system-running --wait`): before that systemd-analyze answers nothing.
std::string BootExplainScript(int wait_s);
/// ram: "self" (the shell's pid), "pagesize", "meminfo", "zoneinfo",
/// "comm", "pss", "rss".
std::string RamExplainScript();
/// disk: "du" (`du -x -k -d 2` of `mount`, at most `du_timeout_s` where the
/// guest has `timeout`), then "dpkg" or "rpm" when either exists.
std::string DiskExplainScript(const std::string& mount, int du_timeout_s);

/// Splits script output into its sections (name -> text). Text before the
/// first marker is dropped; a repeated name keeps the first. Pure.
std::map<std::string, std::string_view> SplitExplainSections(
    std::string_view output);

/// Pure: the boot explanation from the boot script's sections; nullopt when
/// there is nothing (no systemd-analyze). Lists are cut to `top_n`.
std::optional<BootExplanation> ExplainBoot(
    const std::map<std::string, std::string_view>& sections, int top_n,
    std::vector<std::string>* notes);
/// Pure: processes, kernel parts and their attribution to MemTotal -
/// MemAvailable of the same moment; nullopt without meminfo.
std::optional<RamExplanation> ExplainRam(
    const std::map<std::string, std::string_view>& sections, int top_n,
    std::vector<std::string>* notes);
/// Pure: directories and packages; nullopt when neither parsed.
std::optional<DiskExplanation> ExplainDisk(
    const std::map<std::string, std::string_view>& sections,
    const std::string& mount, int top_n, std::vector<std::string>* notes);

/// The stage: runs the three scripts over `channel` (each bounded by
/// `timeout_per_area`), measures their cost on `clock`. A script that fails
/// or times out loses only its area (a note says why); an Interrupted
/// propagates.
Explanation CollectExplanation(
    CommandChannel& channel, const ExplainSpec& spec,
    const std::string& disk_mount, const Clock& clock,
    Duration timeout_per_area = std::chrono::seconds(60));

}  // namespace bootgate
