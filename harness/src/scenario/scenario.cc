#include "scenario/scenario.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

using nlohmann::json;

std::string TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

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
        Issue(path + "/" + key, "unknown key '" + key +
                                    "'; allowed keys here: " + list + ".");
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
      Issue(path + "/" + key, "expected a string, found " + TypeName(*it) + ".");
      return;
    }
    *out = it->get<std::string>();
    if (required && out->empty()) {
      Issue(path + "/" + key, "must not be empty.");
    }
  }

  void Bool(const json& o, const std::string& path, const char* key, bool* out) {
    auto it = o.find(key);
    if (it == o.end()) return;
    if (!it->is_boolean()) {
      Issue(path + "/" + key, "expected true or false, found " + TypeName(*it) + ".");
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
      Issue(path + "/" + key, "expected a whole number, found " + TypeName(*it) + ".");
      return;
    }
    auto v = it->get<int64_t>();
    if (v < min || v > max) {
      Issue(path + "/" + key, "value " + std::to_string(v) +
                                  " is out of range; expected " +
                                  std::to_string(min) + " to " +
                                  std::to_string(max) + ".");
      return;
    }
    *out = static_cast<int>(v);
  }

  void StringList(const json& o, const std::string& path, const char* key,
                  std::vector<std::string>* out) {
    auto it = o.find(key);
    if (it == o.end()) return;
    if (!it->is_array()) {
      Issue(path + "/" + key, "expected an array of strings, found " + TypeName(*it) + ".");
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

  void Regex(const std::string& path, const std::string& re) {
    try {
      // {{profile.<field>}} placeholders are expanded per profile at run time
      // (metrics/checks.h ExpandProfilePlaceholders); validate the rest.
      std::regex r(std::regex_replace(re, std::regex(R"(\{\{profile\.[A-Za-z0-9_.-]+\}\})"), "x"),
                   std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      Issue(path, "invalid regular expression '" + re + "': " + e.what() + ".");
    }
  }

  void OneOf(const std::string& path, const std::string& value,
             const std::set<std::string>& allowed) {
    if (allowed.count(value)) return;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Issue(path, "unknown value '" + value + "'; expected one of: " + list + ".");
  }

  static std::string Fmt(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

 private:
  std::string file_;
  std::vector<ValidationIssue>* issues_;
};

const std::set<std::string> kMetrics = {
    "boot_s", "install_s", "ssh_ready_s", "ram_mib", "disk_mib", "image_mib",
    "phase_firmware_s", "phase_bootloader_s", "phase_kernel_s",
    "phase_initramfs_s", "phase_userspace_s", "phase_ssh_s"};

std::string Resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty()) return p;
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (fs::path(base_dir) / path).lexically_normal().string();
}

void ParseBudgetValue(Reader& r, const json& j, const std::string& path,
                      BudgetValue* out) {
  double max = 1e9;
  if (j.is_number()) {
    double v;
    if (r.Number(j, path, 0, max, &v)) out->any = v;
    return;
  }
  if (!r.Object(j, path, {"kvm", "tcg", "default"})) return;
  for (const auto& [accel, value] : j.items()) {
    double v;
    if (!r.Number(value, path + "/" + accel, 0, max, &v)) continue;
    if (accel == "default")
      out->any = v;
    else
      out->per_accel[accel] = v;
  }
}

void ParseBudgetMap(Reader& r, const json& j, const std::string& path,
                    std::map<std::string, BudgetValue>* out,
                    std::set<std::string> extra_keys) {
  std::set<std::string> allowed = kMetrics;
  allowed.insert(extra_keys.begin(), extra_keys.end());
  if (!r.Object(j, path, allowed)) return;
  for (const auto& [metric, value] : j.items()) {
    if (!kMetrics.count(metric)) continue;
    ParseBudgetValue(r, value, path + "/" + metric, &(*out)[metric]);
  }
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

bool FileReadable(const std::string& path) {
  return access(path.c_str(), R_OK) == 0;
}

void CheckFile(Reader& r, const std::string& json_path, const std::string& path,
               const char* what, const std::string& recipe,
               const std::string& fetch = "") {
  if (path.empty()) return;
  struct stat st{};
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

void ParseImage(Reader& r, const json& j, const std::string& path,
                const std::string& base, ImageSpec* img, bool check_files) {
  if (!r.Object(j, path, {"iso", "disk", "format", "kernel", "initrd",
                          "append", "recipe", "fetch"}))
    return;
  r.String(j, path, "iso", &img->iso);
  r.String(j, path, "disk", &img->disk);
  r.String(j, path, "format", &img->disk_format);
  r.String(j, path, "kernel", &img->kernel);
  r.String(j, path, "initrd", &img->initrd);
  r.String(j, path, "append", &img->append);
  r.String(j, path, "recipe", &img->recipe);
  r.String(j, path, "fetch", &img->fetch);
  int kinds = !img->iso.empty() + !img->disk.empty() + !img->kernel.empty();
  if (kinds != 1) {
    r.Issue(path, "give exactly one of \"iso\", \"disk\" or \"kernel\" (with "
                  "\"initrd\" and \"append\").");
  }
  if (!img->initrd.empty() && img->kernel.empty())
    r.Issue(path + "/initrd", "\"initrd\" needs \"kernel\".");
  if (!img->append.empty() && img->kernel.empty())
    r.Issue(path + "/append", "\"append\" needs \"kernel\".");
  if (!img->disk_format.empty()) {
    r.OneOf(path + "/format", img->disk_format, {"qcow2", "raw"});
    if (img->disk.empty())
      r.Issue(path + "/format", "\"format\" applies to \"disk\" only.");
  }
  img->iso = Resolve(base, img->iso);
  img->disk = Resolve(base, img->disk);
  img->kernel = Resolve(base, img->kernel);
  img->initrd = Resolve(base, img->initrd);
  img->recipe = Resolve(base, img->recipe);
  img->fetch = Resolve(base, img->fetch);
  if (check_files) {
    CheckFile(r, path + "/iso", img->iso, "ISO image", img->recipe, img->fetch);
    std::error_code ec;
    if (!img->iso.empty() && fs::is_regular_file(img->iso, ec) && FileReadable(img->iso) &&
        !LooksLikeIso(img->iso))
      r.Issue(path + "/iso", "'" + img->iso + "' is not an ISO 9660 image (no CD001 "
                             "descriptor at byte 32769); for a disk image use "
                             "{\"disk\": ...} instead of {\"iso\": ...}.");
    CheckFile(r, path + "/disk", img->disk, "disk image", img->recipe, img->fetch);
    CheckFile(r, path + "/kernel", img->kernel, "kernel", img->recipe);
    CheckFile(r, path + "/initrd", img->initrd, "initrd", img->recipe);
    if (!img->recipe.empty() && access(img->recipe.c_str(), X_OK) != 0)
      r.Issue(path + "/recipe", "recipe '" + img->recipe +
                                    "' is missing or not executable.");
  }
}

}  // namespace

std::string ImageSpec::Describe() const {
  if (!iso.empty()) return "iso " + iso;
  if (!disk.empty()) return "disk " + disk;
  if (!kernel.empty()) return "kernel " + kernel;
  return "no image";
}

std::string ImageSpec::PrimaryPath() const {
  if (!iso.empty()) return iso;
  if (!disk.empty()) return disk;
  return kernel;
}

std::optional<double> BudgetValue::For(const std::string& accel) const {
  auto it = per_accel.find(accel);
  if (it != per_accel.end()) return it->second;
  return any;
}

std::optional<double> Budgets::Limit(const std::string& metric,
                                     const std::string& profile,
                                     const std::string& accel) const {
  auto p = per_profile.find(profile);
  if (p != per_profile.end()) {
    auto m = p->second.find(metric);
    if (m != p->second.end()) {
      if (auto v = m->second.For(accel)) return v;
    }
  }
  auto it = limits.find(metric);
  if (it == limits.end()) return std::nullopt;
  return it->second.For(accel);
}

std::string ValidationIssue::ToString() const {
  return file + ": " + json_path + ": " + message;
}

std::vector<FailPattern> DefaultFailPatterns() {
  return {
      {"kernel-panic", R"(Kernel panic - not syncing)"},
      {"root-mount-failed", R"(VFS: Unable to mount root fs)"},
      {"emergency-shell",
       R"((You are in emergency mode|Entering emergency mode|Give root password for maintenance|dropping to a shell|\(initramfs\) ?$))"},
      {"soft-lockup", R"(watchdog: BUG: soft lockup|BUG: soft lockup)"},
      {"rcu-stall", R"(rcu: INFO: rcu_(sched|preempt) (self-)?detected stall|rcu_sched detected stalls)"},
      {"oom-killer", R"(Out of memory: Kill(ed)? process|invoked oom-killer)"},
      {"kernel-oops", R"(BUG: unable to handle (kernel|page fault)|Oops: [0-9a-f]{4} )"},
  };
}

std::vector<PhaseMarker> DefaultPhaseMarkers() {
  return {
      {"bootloader", R"(GNU GRUB|GRUB version|Booting `|Press enter to boot|SYSLINUX|ISOLINUX|systemd-boot)"},
      {"kernel", R"(Linux version [0-9])"},
      {"initramfs", R"(Run /init as init process|Freeing unused kernel (image )?memory|Trying to unpack rootfs)"},
      {"userspace", R"(Run /sbin/init as init process|systemd\[1\]: |Welcome to |Switching root|Starting init:|bootgate: userspace ready)"},
  };
}

std::optional<Scenario> ParseScenario(const std::string& text,
                                      const std::string& file,
                                      std::vector<ValidationIssue>* issues,
                                      bool check_files) {
  size_t before = issues->size();
  Reader r(file, issues);
  json j;
  try {
    j = json::parse(text, nullptr, /*allow_exceptions=*/true,
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
    r.Issue("", "malformed JSON at line " + std::to_string(line) +
                    ", column " + std::to_string(col) + ": " +
                    (pos == std::string::npos ? what : what.substr(pos)) + ".");
    return std::nullopt;
  } catch (const json::exception& e) {
    // out_of_range: a number such as 1e999 (no byte offset to report).
    std::string what = e.what();
    auto pos = what.find("number overflow");
    r.Issue("", "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos)) + ".");
    return std::nullopt;
  }

  Scenario s;
  s.file = fs::absolute(file).lexically_normal().string();
  std::string base = fs::path(s.file).parent_path().string();
  if (!r.Object(j, "", {"$schema", "name", "description", "image", "profile",
                        "profiles", "backend", "connect", "vm", "boot",
                        "access", "sample", "checks", "budgets", "install",
                        "iterations", "warmup", "exclusive", "labels"})) {
    return std::nullopt;
  }
  r.String(j, "", "name", &s.name, true);
  if (!s.name.empty() &&
      !std::regex_match(s.name, std::regex(R"([A-Za-z0-9][A-Za-z0-9._-]{0,63})"))) {
    r.Issue("/name", "name '" + s.name + "' must be 1-64 characters of "
                     "letters, digits, '.', '_' or '-' (it names files and "
                     "metrics).");
  }
  r.String(j, "", "description", &s.description);

  if (j.contains("image")) {
    ParseImage(r, j["image"], "/image", base, &s.image, check_files);
  } else if (!j.contains("install")) {
    r.Issue("/image", "required: what to boot, e.g. {\"iso\": \"path.iso\"}.");
  }

  if (j.contains("profile") && j.contains("profiles"))
    r.Issue("/profiles", "give either \"profile\" or \"profiles\", not both.");
  if (j.contains("profile")) {
    std::string p;
    r.String(j, "", "profile", &p, true);
    if (!p.empty()) s.profiles = {p};
  }
  if (j.contains("profiles")) {
    r.StringList(j, "", "profiles", &s.profiles);
    if (s.profiles.empty()) r.Issue("/profiles", "must name at least one profile.");
  }
  r.String(j, "", "backend", &s.backend);
  r.OneOf("/backend", s.backend, {"qemu", "libvirt"});
  r.String(j, "", "connect", &s.connect);

  if (j.contains("vm") && r.Object(j["vm"], "/vm", {"cpus", "memory_mib", "accel", "extra_args"})) {
    const json& vm = j["vm"];
    r.Int(vm, "/vm", "cpus", 1, 64, &s.vm.cpus);
    r.Int(vm, "/vm", "memory_mib", 64, 262144, &s.vm.memory_mib);
    r.String(vm, "/vm", "accel", &s.vm.accel);
    r.OneOf("/vm/accel", s.vm.accel, {"auto", "kvm", "tcg"});
    r.StringList(vm, "/vm", "extra_args", &s.vm.extra_args);
  }

  s.boot.fail_patterns = DefaultFailPatterns();
  s.boot.phase_markers = DefaultPhaseMarkers();
  if (j.contains("boot") &&
      r.Object(j["boot"], "/boot", {"login_pattern", "fail_patterns", "timeout_s",
                                    "silence_s", "marker", "phase_markers",
                                    "append", "default_fail_patterns"})) {
    const json& b = j["boot"];
    r.String(b, "/boot", "login_pattern", &s.boot.login_pattern);
    r.Regex("/boot/login_pattern", s.boot.login_pattern);
    bool defaults = true;
    r.Bool(b, "/boot", "default_fail_patterns", &defaults);
    if (!defaults) s.boot.fail_patterns.clear();
    ParseFailPatterns(r, b, "/boot", "fail_patterns", &s.boot.fail_patterns);
    r.Number(b, "/boot", "timeout_s", 1, 86400, &s.boot.timeout_s, " seconds");
    r.Number(b, "/boot", "silence_s", 0, 86400, &s.boot.silence_s, " seconds");
    r.String(b, "/boot", "marker", &s.boot.marker);
    r.OneOf("/boot/marker", s.boot.marker, {"console", "debug-port"});
    r.String(b, "/boot", "append", &s.boot.extra_append);
    if (b.contains("phase_markers") &&
        r.Object(b["phase_markers"], "/boot/phase_markers",
                 {"bootloader", "kernel", "initramfs", "userspace"})) {
      for (const auto& [phase, re] : b["phase_markers"].items()) {
        std::string p = "/boot/phase_markers/" + phase;
        if (!re.is_string()) {
          r.Issue(p, "expected a regex string.");
          continue;
        }
        r.Regex(p, re.get<std::string>());
        for (auto& m : s.boot.phase_markers)
          if (m.phase == phase) m.regex = re.get<std::string>();
      }
    }
  }
  if (s.boot.silence_s > 0 && s.boot.silence_s > s.boot.timeout_s)
    r.Issue("/boot/silence_s", "silence_s is longer than timeout_s, so it can "
                               "never fire; lower it or remove it.");

  if (j.contains("access")) s.access_given = true;
  if (j.contains("access") &&
      r.Object(j["access"], "/access", {"method", "user", "key_file", "password",
                                        "seed", "guest_port", "connect_timeout_s",
                                        "ready_timeout_s", "shell_prompt"})) {
    const json& a = j["access"];
    r.String(a, "/access", "method", &s.access.method);
    r.OneOf("/access/method", s.access.method, {"ssh", "serial", "auto", "none"});
    r.String(a, "/access", "user", &s.access.user);
    r.String(a, "/access", "key_file", &s.access.key_file);
    s.access.key_file = Resolve(base, s.access.key_file);
    if (check_files && !s.access.key_file.empty() &&
        !FileReadable(s.access.key_file))
      r.Issue("/access/key_file", "key file '" + s.access.key_file +
                                      "' does not exist or is not readable.");
    r.String(a, "/access", "password", &s.access.password);
    r.String(a, "/access", "seed", &s.access.seed);
    r.OneOf("/access/seed", s.access.seed, {"nocloud", "kernel-arg", "none"});
    r.Int(a, "/access", "guest_port", 1, 65535, &s.access.guest_port);
    r.Number(a, "/access", "connect_timeout_s", 0.1, 600, &s.access.connect_timeout_s);
    r.Number(a, "/access", "ready_timeout_s", 0, 86400, &s.access.ready_timeout_s);
    r.String(a, "/access", "shell_prompt", &s.access.shell_prompt);
    r.Regex("/access/shell_prompt", s.access.shell_prompt);
    if (s.access.method == "serial" && s.access.password.empty())
      r.Issue("/access/password", "the serial method logs in on the console "
                                  "and needs the user's password.");
  }

  if (j.contains("sample")) {
    const json& sm = j["sample"];
    if (sm.is_boolean()) {
      s.sample_enabled = sm.get<bool>();
    } else if (r.Object(sm, "/sample", {"settle_s", "count", "interval_s",
                                        "disk_mount", "disk_judged"})) {
      r.Number(sm, "/sample", "settle_s", 0, 3600, &s.sample.settle_s, " seconds");
      r.Int(sm, "/sample", "count", 1, 1000, &s.sample.count);
      r.Number(sm, "/sample", "interval_s", 0, 3600, &s.sample.interval_s, " seconds");
      r.String(sm, "/sample", "disk_mount", &s.sample.disk_mount);
      if (!s.sample.disk_mount.empty() && s.sample.disk_mount[0] != '/')
        r.Issue("/sample/disk_mount", "must be an absolute path in the guest.");
      r.String(sm, "/sample", "disk_judged", &s.sample.disk_judged);
      r.OneOf("/sample/disk_judged", s.sample.disk_judged, {"guest", "host"});
    }
  }

  if (j.contains("checks")) {
    const json& c = j["checks"];
    if (!c.is_array()) {
      r.Issue("/checks", "expected an array of checks.");
    } else {
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
        if (c[i].contains("expect") &&
            r.Object(c[i]["expect"], p + "/expect",
                     {"exit_status", "stdout_matches", "stdout_not_matches"})) {
          const json& e = c[i]["expect"];
          if (e.contains("exit_status")) {
            if (e["exit_status"].is_null()) {
              check.expect.exit_status.reset();
            } else {
              int st = 0;
              r.Int(e, p + "/expect", "exit_status", 0, 255, &st);
              check.expect.exit_status = st;
            }
          }
          r.String(e, p + "/expect", "stdout_matches", &check.expect.stdout_matches);
          r.String(e, p + "/expect", "stdout_not_matches", &check.expect.stdout_not_matches);
          if (!check.expect.stdout_matches.empty())
            r.Regex(p + "/expect/stdout_matches", check.expect.stdout_matches);
          if (!check.expect.stdout_not_matches.empty())
            r.Regex(p + "/expect/stdout_not_matches", check.expect.stdout_not_matches);
        }
        s.checks.push_back(check);
      }
      if (!c.empty()) s.access_given = true;
    }
  }

  if (j.contains("budgets")) {
    const json& b = j["budgets"];
    ParseBudgetMap(r, b, "/budgets", &s.budgets.limits, {"judge", "profiles"});
    if (b.is_object()) {
      r.String(b, "/budgets", "judge", &s.budgets.judge);
      r.OneOf("/budgets/judge", s.budgets.judge, {"median", "p95", "max", "mean"});
      if (b.contains("profiles") &&
          r.Object(b["profiles"], "/budgets/profiles",
                   std::set<std::string>(s.profiles.begin(), s.profiles.end()))) {
        for (const auto& [profile, m] : b["profiles"].items()) {
          ParseBudgetMap(r, m, "/budgets/profiles/" + profile,
                         &s.budgets.per_profile[profile], {});
        }
      }
    }
  }

  if (j.contains("install")) {
    const json& in = j["install"];
    s.install.enabled = true;
    if (r.Object(in, "/install",
                 {"media", "extract_kernel", "kernel_path", "initrd_path", "append",
                  "disk_size_mib", "config", "complete", "complete_pattern",
                  "fail_patterns", "timeout_s", "silence_s"})) {
      if (in.contains("media"))
        ParseImage(r, in["media"], "/install/media", base, &s.install.media, check_files);
      else
        r.Issue("/install/media", "required: the installer, e.g. {\"iso\": \"installer.iso\"}.");
      r.Bool(in, "/install", "extract_kernel", &s.install.extract_kernel);
      r.String(in, "/install", "kernel_path", &s.install.iso_kernel_path);
      r.String(in, "/install", "initrd_path", &s.install.iso_initrd_path);
      r.String(in, "/install", "append", &s.install.append);
      r.Int(in, "/install", "disk_size_mib", 16, 16 * 1024 * 1024, &s.install.disk_size_mib);
      r.String(in, "/install", "complete", &s.install.complete);
      r.OneOf("/install/complete", s.install.complete, {"pattern", "poweroff", "reset"});
      r.String(in, "/install", "complete_pattern", &s.install.complete_pattern);
      if (s.install.complete == "pattern" && s.install.complete_pattern.empty())
        r.Issue("/install/complete_pattern", "required when complete is \"pattern\".");
      if (!s.install.complete_pattern.empty())
        r.Regex("/install/complete_pattern", s.install.complete_pattern);
      s.install.fail_patterns = DefaultFailPatterns();
      ParseFailPatterns(r, in, "/install", "fail_patterns", &s.install.fail_patterns);
      r.Number(in, "/install", "timeout_s", 1, 86400, &s.install.timeout_s, " seconds");
      r.Number(in, "/install", "silence_s", 0, 86400, &s.install.silence_s, " seconds");
      if (s.install.extract_kernel && s.install.media.iso.empty())
        r.Issue("/install/extract_kernel", "needs an installer \"iso\" to read the kernel from.");
      if (in.contains("config") &&
          r.Object(in["config"], "/install/config",
                   {"template", "format", "delivery", "vars"})) {
        const json& c = in["config"];
        r.String(c, "/install/config", "template", &s.install.config_template, true);
        s.install.config_template = Resolve(base, s.install.config_template);
        if (check_files && !s.install.config_template.empty() &&
            !FileReadable(s.install.config_template))
          r.Issue("/install/config/template", "template '" + s.install.config_template +
                                                  "' does not exist or is not readable.");
        r.String(c, "/install/config", "format", &s.install.config_format);
        r.OneOf("/install/config/format", s.install.config_format,
                {"photon-2.7", "photon-2.8", "text"});
        r.String(c, "/install/config", "delivery", &s.install.config_delivery);
        r.OneOf("/install/config/delivery", s.install.config_delivery, {"http", "cdrom"});
        if (c.contains("vars") && r.Object(c["vars"], "/install/config/vars",
                                           {"hostname", "disk", "password", "user", "linux_flavor", "bootmode"})) {
          for (const auto& [k, v] : c["vars"].items()) {
            if (!v.is_string()) {
              r.Issue("/install/config/vars/" + k, "expected a string.");
              continue;
            }
            s.install.config_vars[k] = v.get<std::string>();
          }
        }
      }
    }
  }

  r.Int(j, "", "iterations", 1, 1000, &s.iterations);
  r.Int(j, "", "warmup", 0, 100, &s.warmup);
  r.Bool(j, "", "exclusive", &s.exclusive);
  if (j.contains("labels")) {
    // Labels are free-form key/value strings.
    if (!j["labels"].is_object()) {
      r.Issue("/labels", "expected an object of string labels.");
    } else {
      for (const auto& [k, v] : j["labels"].items()) {
        if (!v.is_string()) {
          r.Issue("/labels/" + k, "expected a string.");
          continue;
        }
        s.labels[k] = v.get<std::string>();
      }
    }
  }

  if (issues->size() > before) return std::nullopt;
  return s;
}

Scenario LoadScenario(const std::string& path) {
  std::string text;
  try {
    text = ReadFile(path);
  } catch (const Error& e) {
    throw Error(path, "cannot read scenario file; check the path and its "
                      "permissions (" + std::string(e.what()) + ")");
  }
  std::vector<ValidationIssue> issues;
  auto s = ParseScenario(text, path, &issues);
  if (!s) {
    std::string msg = "invalid scenario (" + std::to_string(issues.size()) +
                      (issues.size() == 1 ? " problem" : " problems") + "):";
    for (const auto& i : issues) msg += "\n  " + i.ToString();
    throw Error(msg);
  }
  return *s;
}

}  // namespace bootgate
