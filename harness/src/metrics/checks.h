// Stage "check": the scenario's conformance checks (`checks` in the scenario
// file) run after login through the CommandChannel, one guest command each.
// EvaluateCheck judges an ExecResult purely; RunCheck runs and times it. A
// failed expectation is a kFail verdict; a check that could not run is kError.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>
#include <map>
#include <string>
#include <string_view>

#include "result/check_result.h"
#include "scenario/scenario.h"
#include "ssh/command_channel.h"

namespace bootgate {

/// The most output a check keeps (the channel's bound).
inline constexpr size_t kCheckOutputBytes = 256 * 1024;
/// The bound on a check's output excerpt.
inline constexpr size_t kExcerptBytes = 2048;

/// Judges `exec` against `spec.expect`: exit status (when expected), then
/// stdout_matches / stdout_not_matches as RE2 patterns with multiline
/// (^ and $ match at line ends), searched in the whole of stdout (RE2 is
/// linear: no size or line-length limit). The reason
/// names every failed expectation ("exit status 1, expected 0; stdout did not
/// match /dropbear/"). An invalid regex gives kError with a reason naming it.
/// Fills name, command, exit_status, duration_s (from exec) and
/// output_excerpt; leaves channel empty.
CheckResult EvaluateCheck(const CheckSpec& spec, const ExecResult& exec);

/// Expands `{{profile.<field>}}` in a check's regex with the run's profile
/// field (keys of ProfileFields: "smbios.manufacturer", "machine"...), each
/// value regex-escaped so it matches literally. Throws Error naming an
/// unknown field. Lets one check expect a different value per profile.
std::string ExpandProfilePlaceholders(
    const std::string& pattern, const std::map<std::string, std::string>& fields);

/// `spec` with ExpandProfilePlaceholders applied to both stdout patterns.
CheckSpec ExpandCheckForProfile(const CheckSpec& spec,
                                const std::map<std::string, std::string>& fields);

/// Runs `spec.run` over `channel` with `spec.timeout_s` (output bounded to
/// kCheckOutputBytes), times it with
/// steady_clock and judges it. An Error from the channel (timeout, dropped
/// connection) becomes verdict kError with the error text as reason;
/// Interrupted propagates.
CheckResult RunCheck(CommandChannel& channel, const CheckSpec& spec);

/// Pipeline stage 7, check: every check over `channel` (null: none can run,
/// each is an error saying so). {{profile.<field>}} in a check expects
/// `profile_fields`' value; `secrets` are redacted from excerpts and
/// reasons (a reason quotes stdout). `on_step`
/// (may be empty) hears each check's name. Interrupted propagates.
std::vector<CheckResult> RunChecks(CommandChannel* channel, const std::vector<CheckSpec>& checks,
                                   const std::map<std::string, std::string>& profile_fields,
                                   const std::vector<std::string>& secrets,
                                   const std::function<void(const std::string&)>& on_step);

/// `text` sanitised (SanitizeForDisplay, util/sanitize.h), cut to at most
/// `max_bytes`: its head and tail around a "[... N bytes omitted ...]" line,
/// cut at UTF-8 character boundaries.
std::string BoundedExcerpt(std::string_view text,
                           size_t max_bytes = kExcerptBytes);

}  // namespace bootgate
