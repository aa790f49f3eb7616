#include <set>

#include "scenario/reader.h"

namespace bootgate::scenario_internal {

namespace {

void ParseExpect(Reader& r, const json& e, const std::string& path,
                 CheckExpect* out) {
  if (!r.Object(e, path,
                {"exit_status", "stdout_matches", "stdout_not_matches"}))
    return;
  if (e.contains("exit_status")) {
    if (e["exit_status"].is_null()) {
      out->exit_status.reset();
    } else {
      int st = 0;
      r.Int(e, path, "exit_status", 0, 255, &st);
      out->exit_status = st;
    }
  }
  r.String(e, path, "stdout_matches", &out->stdout_matches);
  r.String(e, path, "stdout_not_matches", &out->stdout_not_matches);
  if (!out->stdout_matches.empty())
    r.Regex(path + "/stdout_matches", out->stdout_matches, RegexLines::kLines);
  if (!out->stdout_not_matches.empty())
    r.Regex(path + "/stdout_not_matches", out->stdout_not_matches,
            RegexLines::kLines);
}

}  // namespace

void ParseChecks(Reader& r, const json& c, std::vector<CheckSpec>* out) {
  if (!c.is_array()) {
    r.Issue("/checks", "expected an array of checks.");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < c.size(); ++i) {
    std::string p = "/checks/" + std::to_string(i);
    if (!r.Object(c[i], p, {"name", "run", "timeout_s", "expect"})) continue;
    CheckSpec check;
    r.String(c[i], p, "name", &check.name, true);
    r.String(c[i], p, "run", &check.run, true);
    r.Number(c[i], p, "timeout_s", 0.1, 3600, &check.timeout_s, " seconds");
    if (!names.insert(check.name).second)
      r.Issue(p + "/name", "duplicate check name '" + check.name + "'.");
    if (c[i].contains("expect"))
      ParseExpect(r, c[i]["expect"], p + "/expect", &check.expect);
    out->push_back(check);
  }
}

}  // namespace bootgate::scenario_internal
