#include "metrics/checks.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "metrics/text_util.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/regex.h"
#include "util/sanitize.h"
#include "util/utf8.h"

namespace bootgate {
namespace {

/// Searches `re` in the whole of `text` (RE2: linear time, no recursion,
/// so any output up to kCheckOutputBytes is searched at once); on a match
/// stores the matched text in `match`.
bool SearchOutput(const Regex& re, std::string_view text, std::string* match) {
  auto m = re.Find(text);
  if (!m) return false;
  *match = std::string((*m)[0]);
  return true;
}

std::string Quoted(std::string_view text, size_t max_bytes = 80) {
  std::string s = SanitizeForDisplay(text);
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  if (s.size() > max_bytes) s = BoundedExcerpt(s, max_bytes);
  return "\"" + s + "\"";
}

std::string OutputExcerpt(const ExecResult& exec) {
  std::string text = exec.stdout_text;
  if (!exec.stderr_text.empty()) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += "[stderr]\n" + exec.stderr_text;
  }
  return BoundedExcerpt(text);
}

}  // namespace

std::string BoundedExcerpt(std::string_view text, size_t max_bytes) {
  std::string clean = SanitizeForDisplay(text);
  if (clean.size() <= max_bytes) return clean;
  auto is_continuation = [&](size_t i) { return IsUtf8Continuation(clean[i]); };
  // The marker's length depends on the count; 40 bytes always suffice.
  const size_t budget = max_bytes > 40 ? max_bytes - 40 : 0;
  size_t head = budget / 2;
  while (head > 0 && head < clean.size() && is_continuation(head)) --head;
  size_t tail_start = clean.size() - (budget - budget / 2);
  while (tail_start < clean.size() && is_continuation(tail_start)) {
    ++tail_start;
  }
  std::string marker = "\n[... " + std::to_string(tail_start - head) +
                       " bytes omitted ...]\n";
  std::string out = clean.substr(0, head) + marker + clean.substr(tail_start);
  if (out.size() > max_bytes) out.resize(max_bytes);  // tiny max_bytes only
  return out;
}

CheckResult EvaluateCheck(const CheckSpec& spec, const ExecResult& exec) {
  CheckResult r;
  r.name = spec.name;
  r.command = spec.run;
  r.exit_status = exec.exit_status;
  r.duration_s = exec.duration_s;
  r.output_excerpt = OutputExcerpt(exec);

  auto compile = [&](const std::string& pattern,
                     const char* field) -> std::optional<Regex> {
    if (pattern.empty()) return std::nullopt;
    if (std::string why = RegexError(pattern, RegexLines::kLines);
        !why.empty()) {
      r.verdict = Verdict::kError;
      r.reason =
          "invalid regex /" + pattern + "/ in expect." + field + ": " + why;
      return std::nullopt;
    }
    return Regex(pattern, field, RegexLines::kLines);
  };
  std::optional<Regex> must =
      compile(spec.expect.stdout_matches, "stdout_matches");
  if (r.verdict == Verdict::kError) return r;
  std::optional<Regex> must_not =
      compile(spec.expect.stdout_not_matches, "stdout_not_matches");
  if (r.verdict == Verdict::kError) return r;

  std::vector<std::string> failures;
  if (spec.expect.exit_status && exec.exit_status != *spec.expect.exit_status) {
    failures.push_back(
        exec.exit_status == -1
            ? "exit status unknown (killed by a signal?), expected " +
                  std::to_string(*spec.expect.exit_status)
            : "exit status " + std::to_string(exec.exit_status) +
                  ", expected " + std::to_string(*spec.expect.exit_status));
  }
  std::string match;
  if (must && !SearchOutput(*must, exec.stdout_text, &match)) {
    failures.push_back("stdout did not match /" + spec.expect.stdout_matches +
                       "/");
  }
  if (must_not && SearchOutput(*must_not, exec.stdout_text, &match)) {
    failures.push_back("stdout matched /" + spec.expect.stdout_not_matches +
                       "/ (" + Quoted(match) + "), which it must not");
  }
  if (failures.empty()) {
    r.verdict = Verdict::kPass;
    return r;
  }
  r.verdict = Verdict::kFail;
  for (const std::string& f : failures) {
    r.reason += (r.reason.empty() ? "" : "; ") + f;
  }
  if (exec.truncated) r.reason += " (output was truncated)";
  return r;
}

std::string ExpandProfilePlaceholders(
    const std::string& pattern, const std::map<std::string, std::string>& fields) {
  static const std::string kOpen = "{{profile.";
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = pattern.find(kOpen, pos);
    size_t end = start == std::string::npos ? start : pattern.find("}}", start);
    if (end == std::string::npos) break;
    std::string field = pattern.substr(start + kOpen.size(), end - start - kOpen.size());
    auto it = fields.find(field);
    if (it == fields.end())
      throw Error("{{profile." + field + "}}",
                  "the profile has no field '" + field + "' (known: smbios.manufacturer, "
                  "smbios.product, machine, firmware, disk_bus, nic_model, ...)");
    out += pattern.substr(pos, start - pos);
    for (char c : it->second) {
      if (std::string_view(R"(\^$.|?*+()[]{})").find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
    pos = end + 2;
  }
  return out + pattern.substr(pos);
}

CheckSpec ExpandCheckForProfile(const CheckSpec& spec,
                                const std::map<std::string, std::string>& fields) {
  CheckSpec out = spec;
  out.expect.stdout_matches = ExpandProfilePlaceholders(spec.expect.stdout_matches, fields);
  out.expect.stdout_not_matches =
      ExpandProfilePlaceholders(spec.expect.stdout_not_matches, fields);
  return out;
}

CheckResult RunCheck(CommandChannel& channel, const CheckSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return ToSeconds(std::chrono::steady_clock::now() - start);
  };
  CheckResult r;
  try {
    ExecResult exec = channel.Exec(spec.run, FromSeconds(spec.timeout_s),
                                   kCheckOutputBytes);
    r = EvaluateCheck(spec, exec);
  } catch (const Interrupted&) {
    throw;
  } catch (const Error& e) {
    r.name = spec.name;
    r.command = spec.run;
    r.verdict = Verdict::kError;
    r.reason = e.what();
    r.exit_status = -1;
  }
  r.duration_s = elapsed();
  r.channel = channel.name();
  return r;
}

std::vector<CheckResult> RunChecks(CommandChannel* channel, const std::vector<CheckSpec>& checks,
                                   const std::map<std::string, std::string>& profile_fields,
                                   const std::vector<std::string>& secrets,
                                   const std::function<void(const std::string&)>& on_step) {
  std::vector<CheckResult> results;
  for (const auto& check : checks) {
    if (!channel) {
      results.push_back({check.name, Redact(check.run, secrets), Verdict::kError,
                         "no way into the guest (SSH off and no password for the serial console)",
                         -1, "", 0, "none"});
      continue;
    }
    if (on_step) on_step("check " + check.name);
    CheckResult c;
    try {
      c = RunCheck(*channel, ExpandCheckForProfile(check, profile_fields));
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      c = {check.name, check.run, Verdict::kError, e.what(), -1, "", 0, ""};
    }
    c.channel = channel->name();
    // The reason quotes stdout (and a channel error may quote the command).
    c.output_excerpt = Redact(c.output_excerpt, secrets);
    c.reason = Redact(c.reason, secrets);
    // The command is shown by every report (report.json, summary.md, HTML,
    // JUnit): a scenario may pass the password in it.
    c.command = Redact(c.command, secrets);
    results.push_back(c);
  }
  return results;
}

}  // namespace bootgate
