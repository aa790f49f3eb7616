#include "scenario/scenario.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "scenario/reader.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/regex.h"

namespace bootgate {

using nlohmann::json;
using scenario_internal::ApplyExtends;
using scenario_internal::ParseAccess;
using scenario_internal::ParseBoot;
using scenario_internal::ParseBudgets;
using scenario_internal::ParseChecks;
using scenario_internal::ParseImage;
using scenario_internal::ParseInstall;
using scenario_internal::ParseJsonText;
using scenario_internal::ParseSample;
using scenario_internal::ParseVm;
using scenario_internal::Reader;

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
      {"rcu-stall",
       R"(rcu: INFO: rcu_(sched|preempt) (self-)?detected stall|rcu_sched detected stalls)"},
      {"oom-killer", R"(Out of memory: Kill(ed)? process|invoked oom-killer)"},
      {"kernel-oops",
       R"(BUG: unable to handle (kernel|page fault)|Oops: [0-9a-f]{4} )"},
  };
}

std::vector<PhaseMarker> DefaultPhaseMarkers() {
  return {
      {"bootloader",
       R"(GNU GRUB|GRUB version|Booting `|Press enter to boot|SYSLINUX|ISOLINUX|systemd-boot)"},
      {"kernel", R"(Linux version [0-9])"},
      {"initramfs", R"(Run /init as init process)"},
      {"userspace",
       R"(Run /sbin/init as init process|systemd\[1\]: |Welcome to |Switching root|Starting init:|bootgate: userspace ready)"},
  };
}

namespace {

// "profile" (one name) or "profiles" (a list), not both.
void ParseProfileNames(Reader& r, const json& j,
                       std::vector<std::string>* profiles) {
  if (j.contains("profile") && j.contains("profiles"))
    r.Issue("/profiles", "give either \"profile\" or \"profiles\", not both.");
  if (j.contains("profile")) {
    std::string p;
    r.String(j, "", "profile", &p, true);
    if (!p.empty()) *profiles = {p};
  }
  if (j.contains("profiles")) {
    r.StringList(j, "", "profiles", profiles);
    if (profiles->empty())
      r.Issue("/profiles", "must name at least one profile.");
  }
}

// Labels are free-form key/value strings.
void ParseLabels(Reader& r, const json& labels,
                 std::map<std::string, std::string>* out) {
  if (!labels.is_object())
    r.Issue("/labels", "expected an object of string labels.");
  else
    r.StringValues(labels, "/labels", out);
}

}  // namespace

namespace {

// Settings that only a directly booted kernel (image.kernel) reads: refused
// with the fix, never silently ignored. (`--connect` with the qemu backend is
// refused by `bootgate run`, which knows the backend it will use.)
void RefuseIgnoredSettings(Reader& r, const Scenario& s) {
  std::string boots;  // what boots instead of a direct kernel, if anything
  if (s.install.enabled) {
    boots = "the disk the install wrote";
  } else if (!s.image.iso.empty()) {
    boots = "an ISO (its own boot loader chooses the kernel arguments)";
  } else if (!s.image.disk.empty()) {
    boots = "a disk image (its own boot loader chooses the kernel arguments)";
  }
  if (!boots.empty() && s.access.seed == "kernel-arg") {
    r.Issue(
        "/access/seed",
        "\"kernel-arg\" passes the SSH key on the kernel command line, which "
        "only a "
        "kernel booted directly (image.kernel) receives; this scenario boots " +
            boots +
            ". Use \"nocloud\" (a seed volume the guest reads) or \"none\".");
  }
  if (!boots.empty() && !s.boot.extra_append.empty()) {
    r.Issue("/boot/append",
            "appended only to a kernel booted directly (image.kernel); this "
            "scenario boots " +
                boots +
                ", which never sees it. Put the arguments in the image's boot "
                "loader, or boot its kernel with image.kernel, image.initrd "
                "and image.append.");
  }
}

}  // namespace

std::optional<Scenario> ParseScenario(const std::string& text,
                                      const std::string& file,
                                      std::vector<ValidationIssue>* issues,
                                      bool check_files) {
  size_t before = issues->size();
  Reader r(file, issues);
  std::optional<json> doc = ParseJsonText(r, text);
  if (!doc) return std::nullopt;
  if (doc->is_object()) doc = ApplyExtends(r, std::move(*doc), file, issues);
  if (!doc) return std::nullopt;
  const json& j = *doc;

  Scenario s;
  s.file = fs::absolute(file).lexically_normal().string();
  std::string base = fs::path(s.file).parent_path().string();
  if (!r.Object(j, "", {"$schema",    "name",     "description", "image",
                        "profile",    "profiles", "backend",     "connect",
                        "vm",         "boot",     "access",      "sample",
                        "explain",    "checks",   "budgets",     "install",
                        "iterations", "warmup",   "exclusive",   "labels"})) {
    return std::nullopt;
  }
  r.String(j, "", "name", &s.name, true);
  if (!s.name.empty() &&
      !Regex(R"(^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$)", "name").Search(s.name)) {
    r.Issue("/name", "name '" + s.name +
                         "' must be 1-64 characters of "
                         "letters, digits, '.', '_' or '-' (it names files and "
                         "metrics).");
  }
  r.String(j, "", "description", &s.description);

  if (j.contains("image")) {
    ParseImage(r, j["image"], "/image", base, &s.image, check_files);
  } else if (!j.contains("install")) {
    r.Issue("/image", "required: what to boot, e.g. {\"iso\": \"path.iso\"}.");
  }

  ParseProfileNames(r, j, &s.profiles);
  r.String(j, "", "backend", &s.backend);
  r.OneOf("/backend", s.backend, {"qemu", "libvirt"});
  r.String(j, "", "connect", &s.connect);

  if (j.contains("vm")) ParseVm(r, j["vm"], &s.vm);

  s.boot.fail_patterns = DefaultFailPatterns();
  s.boot.phase_markers = DefaultPhaseMarkers();
  if (j.contains("boot")) ParseBoot(r, j["boot"], &s.boot);

  if (j.contains("access")) {
    s.access_given = true;
    ParseAccess(r, j["access"], base, check_files, &s.access);
  }

  if (j.contains("sample"))
    ParseSample(r, j["sample"], &s.sample_enabled, &s.sample);
  if (j.contains("explain")) ParseExplain(r, j["explain"], &s.explain);

  if (j.contains("checks")) {
    ParseChecks(r, j["checks"], &s.checks);
    if (j["checks"].is_array() && !j["checks"].empty()) s.access_given = true;
  }

  if (j.contains("budgets"))
    ParseBudgets(r, j["budgets"], s.profiles, &s.budgets);

  if (j.contains("install"))
    ParseInstall(r, j["install"], base, check_files, &s.install);

  r.Int(j, "", "iterations", 1, 1000, &s.iterations);
  r.Int(j, "", "warmup", 0, 100, &s.warmup);
  r.Bool(j, "", "exclusive", &s.exclusive);
  if (j.contains("labels")) ParseLabels(r, j["labels"], &s.labels);
  RefuseIgnoredSettings(r, s);

  if (issues->size() > before) return std::nullopt;
  return s;
}

Scenario WithImage(const Scenario& s, const std::string& image) {
  Scenario out = s;
  ImageSpec& spec = out.install.enabled ? out.install.media : out.image;
  if (!spec.iso.empty()) {
    spec.iso = image;
  } else if (!spec.disk.empty()) {
    spec.disk = image;
    spec.disk_format.clear();
  } else {
    spec.kernel = image;
  }
  spec.recipe.clear();
  spec.fetch.clear();
  return out;
}

void ScaleTimeouts(Scenario* s, double factor) {
  if (!(factor > 0))
    throw Error("--timeout-scale",
                "must be a number above 0, not " + std::to_string(factor));
  for (double* t : {&s->boot.timeout_s, &s->boot.silence_s,
                    &s->install.timeout_s, &s->install.silence_s,
                    &s->access.connect_timeout_s, &s->access.ready_timeout_s})
    *t *= factor;
  for (auto& c : s->checks) c.timeout_s *= factor;
}

Scenario LoadScenario(const std::string& path) {
  std::string text;
  try {
    text = ReadFile(path);
  } catch (const Error& e) {
    throw Error(path,
                "cannot read scenario file; check the path and its "
                "permissions (" +
                    std::string(e.what()) + ")");
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
