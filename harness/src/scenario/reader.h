// Internal to bootgate_scenario: the JSON walker every section parser uses
// (Reader: typed fields, JSON paths, unknown-key errors) and the section
// parsers behind ParseScenario, one file each (parse_image.cc, parse_vm.cc,
// parse_boot.cc, parse_access.cc, parse_sample.cc, parse_checks.cc,
// parse_budgets.cc, parse_install.cc).
#pragma once

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenario/scenario.h"
#include "util/regex.h"

namespace bootgate::scenario_internal {

using nlohmann::json;

/// "an object", "a string"...: how an error names what it found.
std::string TypeName(const json& j);

// Walks a JSON document, records every problem with its JSON path, and
// rejects keys nobody asked for (a typo must not silently drop a budget).
class Reader {
 public:
  Reader(std::string file, std::vector<ValidationIssue>* issues)
      : file_(std::move(file)), issues_(issues) {}

  void Issue(const std::string& path, const std::string& message) {
    issues_->push_back({file_, path.empty() ? "/" : path, message});
  }

  // Checks `j` is an object whose keys are all in `allowed`.
  bool Object(const json& j, const std::string& path,
              const std::set<std::string>& allowed) {
    if (!j.is_object()) {
      Issue(path, "expected an object, found " + TypeName(j) + ".");
      return false;
    }
    for (const auto& [key, value] : j.items()) {
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        Issue(path + "/" + key,
              "unknown key '" + key + "'; allowed keys here: " + list + ".");
      }
    }
    return true;
  }

  void String(const json& o, const std::string& path, const char* key,
              std::string* out, bool required = false) {
    auto it = o.find(key);
    if (it == o.end()) {
      if (required) Issue(path + "/" + key, "required string is missing.");
      return;
    }
    if (!it->is_string()) {
      Issue(path + "/" + key,
            "expected a string, found " + TypeName(*it) + ".");
      return;
    }
    *out = it->get<std::string>();
    if (required && out->empty()) {
      Issue(path + "/" + key, "must not be empty.");
    }
  }

  void Bool(const json& o, const std::string& path, const char* key,
            bool* out) {
    auto it = o.find(key);
    if (it == o.end()) return;
    if (!it->is_boolean()) {
      Issue(path + "/" + key,
            "expected true or false, found " + TypeName(*it) + ".");
      return;
    }
    *out = it->get<bool>();
  }

  bool Number(const json& j, const std::string& path, double min, double max,
              double* out, const char* unit = "") {
    if (!j.is_number()) {
      Issue(path, "expected a number, found " + TypeName(j) + ".");
      return false;
    }
    double v = j.get<double>();
    if (!std::isfinite(v) || v < min || v > max) {
      Issue(path, "value " + j.dump() + " is out of range; expected " +
                      Fmt(min) + " to " + Fmt(max) + unit + ".");
      return false;
    }
    *out = v;
    return true;
  }

  void Number(const json& o, const std::string& path, const char* key,
              double min, double max, double* out, const char* unit = "") {
    auto it = o.find(key);
    if (it == o.end()) return;
    Number(*it, path + "/" + key, min, max, out, unit);
  }

  void Int(const json& o, const std::string& path, const char* key, int min,
           int max, int* out) {
    auto it = o.find(key);
    if (it == o.end()) return;
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      Issue(path + "/" + key,
            "expected a whole number, found " + TypeName(*it) + ".");
      return;
    }
    auto v = it->get<int64_t>();
    if (v < min || v > max) {
      Issue(path + "/" + key,
            "value " + std::to_string(v) + " is out of range; expected " +
                std::to_string(min) + " to " + std::to_string(max) + ".");
      return;
    }
    *out = static_cast<int>(v);
  }

  void StringList(const json& o, const std::string& path, const char* key,
                  std::vector<std::string>* out) {
    auto it = o.find(key);
    if (it == o.end()) return;
    if (!it->is_array()) {
      Issue(path + "/" + key,
            "expected an array of strings, found " + TypeName(*it) + ".");
      return;
    }
    out->clear();
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        Issue(path + "/" + key + "/" + std::to_string(i),
              "expected a string, found " + TypeName((*it)[i]) + ".");
        continue;
      }
      out->push_back((*it)[i].get<std::string>());
    }
  }

  // Copies the string values of object `o` into `out`; others are issues.
  void StringValues(const json& o, const std::string& path,
                    std::map<std::string, std::string>* out) {
    for (const auto& [k, v] : o.items()) {
      if (!v.is_string()) {
        Issue(path + "/" + k, "expected a string.");
        continue;
      }
      (*out)[k] = v.get<std::string>();
    }
  }

  // Records an issue unless `re` is a valid RE2 pattern; the message names
  // constructs RE2 lacks (backreferences, lookaround) as such.
  void Regex(const std::string& path, const std::string& re,
             RegexLines lines = RegexLines::kText) {
    // {{profile.<field>}} placeholders are expanded per profile at run time
    // (metrics/checks.h ExpandProfilePlaceholders); validate the rest.
    static const bootgate::Regex kPlaceholder(
        R"(\{\{profile\.[A-Za-z0-9_.-]+\}\})", "placeholder");
    std::string why = RegexError(kPlaceholder.ReplaceAll(re, "x"), lines);
    if (!why.empty())
      Issue(path, "invalid regular expression '" + re + "': " + why + ".");
  }

  void OneOf(const std::string& path, const std::string& value,
             const std::set<std::string>& allowed) {
    if (allowed.count(value)) return;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Issue(path,
          "unknown value '" + value + "'; expected one of: " + list + ".");
  }

  static std::string Fmt(double v);

 private:
  std::string file_;
  std::vector<ValidationIssue>* issues_;
};

/// `text` as JSON with comments; nullopt after recording the syntax error
/// (with line and column) in `r`.
std::optional<json> ParseJsonText(Reader& r, const std::string& text);
/// `doc` with its "extends" (a scenario file beside `file`) applied as an
/// RFC 7386 merge patch onto that base, recursively; nullopt after recording
/// why not (issues in the base file name the base file).
std::optional<json> ApplyExtends(Reader& r, json doc, const std::string& file,
                                 std::vector<ValidationIssue>* issues, int depth = 0);
/// `p` with ${BOOTGATE_IMAGE_CACHE} expanded (util/paths.h), resolved
/// against `base_dir` (unchanged if then absolute or empty).
std::string Resolve(const std::string& base_dir, const std::string& p);
/// True if this user may read `path`.
bool FileReadable(const std::string& path);
/// Records an issue at `json_path` unless `path` (named `what`) is a readable
/// file or block device; a missing file with a recipe is not an issue, one
/// with a fetch script names it.
void CheckFile(Reader& r, const std::string& json_path, const std::string& path,
               const char* what, const std::string& recipe,
               const std::string& fetch = "");

// Section parsers. Each validates its section at `path`, records issues in
// `r` and fills its part of the Scenario; `base` is the scenario's folder.
void ParseImage(Reader& r, const json& j, const std::string& path,
                const std::string& base, ImageSpec* img, bool check_files);
void ParseVm(Reader& r, const json& vm, VmSpec* out);
/// Also reports a silence_s that can never fire (longer than timeout_s).
void ParseBoot(Reader& r, const json& b, BootSpec* out);
/// `o[key]`: fail patterns as regex strings or {name, regex} objects.
void ParseFailPatterns(Reader& r, const json& o, const std::string& path,
                       const char* key, std::vector<FailPattern>* out);
void ParseAccess(Reader& r, const json& a, const std::string& base,
                 bool check_files, AccessSpec* out);
/// `sample` is `false`/`true` or an object; sets `*enabled` for the former.
void ParseSample(Reader& r, const json& sm, bool* enabled, SampleSpec* out);
void ParseExplain(Reader& r, const json& ex, ExplainSpec* out);
void ParseChecks(Reader& r, const json& c, std::vector<CheckSpec>* out);
/// Per-profile budgets may only name `profiles`.
void ParseBudgets(Reader& r, const json& b,
                  const std::vector<std::string>& profiles, Budgets* out);
void ParseInstall(Reader& r, const json& in, const std::string& base,
                  bool check_files, InstallSpec* out);

}  // namespace bootgate::scenario_internal
