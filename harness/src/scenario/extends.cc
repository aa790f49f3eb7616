#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/reader.h"

namespace bootgate::scenario_internal {

namespace fs = std::filesystem;

namespace {
constexpr int kMaxExtendsDepth = 8;
}  // namespace

std::optional<json> ApplyExtends(Reader& r, json doc, const std::string& file,
                                 std::vector<ValidationIssue>* issues,
                                 int depth) {
  auto it = doc.find("extends");
  if (it == doc.end()) return doc;
  if (!it->is_string() || it->get<std::string>().empty()) {
    r.Issue("/extends",
            "expected the file name of the scenario this one extends, found " +
                TypeName(*it) + ".");
    return std::nullopt;
  }
  fs::path self = fs::absolute(file).lexically_normal();
  fs::path base =
      (self.parent_path() / it->get<std::string>()).lexically_normal();
  // Relative paths of the merged scenario resolve against the extending
  // file, so both must share a folder for the base's paths to keep meaning.
  if (base.parent_path() != self.parent_path()) {
    r.Issue(
        "/extends",
        "'" + it->get<std::string>() +
            "' is not in this scenario's folder; a scenario may only extend "
            "one beside it (their relative paths must mean the same files).");
    return std::nullopt;
  }
  if (base == self || depth >= kMaxExtendsDepth) {
    r.Issue("/extends", "extends '" + it->get<std::string>() +
                            "' makes a cycle (or a chain deeper than " +
                            std::to_string(kMaxExtendsDepth) + ").");
    return std::nullopt;
  }
  std::ifstream in(base);
  if (!in) {
    r.Issue("/extends", "cannot read '" + base.string() + "'.");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  Reader base_reader(base.string(), issues);
  std::optional<json> parent = ParseJsonText(base_reader, text.str());
  if (!parent) return std::nullopt;
  if (!parent->is_object()) {
    base_reader.Issue(
        "", "expected a scenario object, found " + TypeName(*parent) + ".");
    return std::nullopt;
  }
  parent = ApplyExtends(base_reader, std::move(*parent), base.string(), issues,
                        depth + 1);
  if (!parent) return std::nullopt;
  doc.erase("extends");
  // RFC 7386 JSON merge patch: objects merge key by key, null removes a
  // key, anything else (arrays included) replaces.
  parent->merge_patch(doc);
  return parent;
}

}  // namespace bootgate::scenario_internal
