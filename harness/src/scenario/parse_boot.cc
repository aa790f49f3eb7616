#include "scenario/reader.h"

namespace bootgate::scenario_internal {

namespace {

// Replaces the built-in regex of each phase named in `markers`.
void ParsePhaseMarkers(Reader& r, const json& markers,
                       std::vector<PhaseMarker>* out) {
  if (!r.Object(markers, "/boot/phase_markers",
                {"bootloader", "kernel", "initramfs", "userspace"}))
    return;
  for (const auto& [phase, re] : markers.items()) {
    std::string p = "/boot/phase_markers/" + phase;
    if (!re.is_string()) {
      r.Issue(p, "expected a regex string.");
      continue;
    }
    r.Regex(p, re.get<std::string>());
    for (auto& m : *out)
      if (m.phase == phase) m.regex = re.get<std::string>();
  }
}

}  // namespace

void ParseBoot(Reader& r, const json& b, BootSpec* out) {
  if (r.Object(
          b, "/boot",
          {"login_pattern", "fail_patterns", "timeout_s", "silence_s", "marker",
           "phase_markers", "append", "default_fail_patterns"})) {
    r.String(b, "/boot", "login_pattern", &out->login_pattern);
    r.Regex("/boot/login_pattern", out->login_pattern);
    bool defaults = true;
    r.Bool(b, "/boot", "default_fail_patterns", &defaults);
    if (!defaults) out->fail_patterns.clear();
    ParseFailPatterns(r, b, "/boot", "fail_patterns", &out->fail_patterns);
    r.Number(b, "/boot", "timeout_s", 1, 86400, &out->timeout_s, " seconds");
    r.Number(b, "/boot", "silence_s", 0, 86400, &out->silence_s, " seconds");
    r.String(b, "/boot", "marker", &out->marker);
    r.OneOf("/boot/marker", out->marker, {"console", "debug-port"});
    r.String(b, "/boot", "append", &out->extra_append);
    if (b.contains("phase_markers"))
      ParsePhaseMarkers(r, b["phase_markers"], &out->phase_markers);
  }
  if (out->silence_s > 0 && out->silence_s > out->timeout_s)
    r.Issue("/boot/silence_s",
            "silence_s is longer than timeout_s, so it can "
            "never fire; lower it or remove it.");
}

void ParseFailPatterns(Reader& r, const json& o, const std::string& path,
                       const char* key, std::vector<FailPattern>* out) {
  auto it = o.find(key);
  if (it == o.end()) return;
  std::string p = path + "/" + key;
  if (!it->is_array()) {
    r.Issue(p, "expected an array of regexes or {name, regex} objects.");
    return;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    std::string ep = p + "/" + std::to_string(i);
    FailPattern f;
    if (e.is_string()) {
      f.name = "fail-pattern";
      f.regex = e.get<std::string>();
    } else if (r.Object(e, ep, {"name", "regex"})) {
      r.String(e, ep, "name", &f.name, true);
      r.String(e, ep, "regex", &f.regex, true);
    } else {
      continue;
    }
    r.Regex(ep, f.regex);
    out->push_back(f);
  }
}

}  // namespace bootgate::scenario_internal
