#include "scenario/reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "util/fs.h"
#include "util/paths.h"

namespace bootgate::scenario_internal {

std::string TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    default:
      return "a value";
  }
}

std::string Reader::Fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string Resolve(const std::string& base_dir, const std::string& p_in) {
  if (p_in.empty()) return p_in;
  // Only a path naming the cache pays for finding it (/proc/self/exe).
  std::string p = p_in.find("${") == std::string::npos
                      ? p_in
                      : ExpandImageCache(p_in, DefaultImageCacheDir());
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (fs::path(base_dir) / path).lexically_normal().string();
}

bool FileReadable(const std::string& path) {
  return access(path.c_str(), R_OK) == 0;
}

void CheckFile(Reader& r, const std::string& json_path, const std::string& path,
               const char* what, const std::string& recipe,
               const std::string& fetch) {
  if (path.empty()) return;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    // A missing image with a recipe is built before the run, not an error.
    if (!recipe.empty()) return;
    if (!fetch.empty()) {
      r.Issue(json_path, std::string(what) + " '" + path +
                             "' is missing; obtain it with " + fetch +
                             " (see its header for the arguments).");
      return;
    }
    r.Issue(json_path, std::string(what) + " '" + path +
                           "' does not exist; check the path (relative paths "
                           "are resolved against the scenario file's folder).");
    return;
  }
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    r.Issue(json_path, std::string(what) + " '" + path + "' is not a file.");
    return;
  }
  if (!FileReadable(path)) {
    r.Issue(json_path, std::string(what) + " '" + path +
                           "' is not readable by this user; fix its "
                           "permissions.");
  }
}
std::optional<json> ParseJsonText(Reader& r, const std::string& text) {
  try {
    return json::parse(text, nullptr, /*allow_exceptions=*/true,
                       /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // Translate the byte offset into line and column for the user.
    size_t line = 1, col = 1;
    for (size_t i = 0; i < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    auto pos = what.find("syntax error");
    r.Issue("", "malformed JSON at line " + std::to_string(line) + ", column " +
                    std::to_string(col) + ": " +
                    (pos == std::string::npos ? what : what.substr(pos)) + ".");
    return std::nullopt;
  } catch (const json::exception& e) {
    // out_of_range: a number such as 1e999 (no byte offset to report).
    std::string what = e.what();
    auto pos = what.find("number overflow");
    r.Issue("", "malformed JSON: " +
                    (pos == std::string::npos ? what : what.substr(pos)) + ".");
    return std::nullopt;
  }
}

}  // namespace bootgate::scenario_internal
