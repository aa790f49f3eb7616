#include "scenario/reader.h"

namespace bootgate::scenario_internal {

namespace {

const std::set<std::string> kMetrics = {"boot_s",
                                        "install_s",
                                        "ssh_ready_s",
                                        "ram_mib",
                                        "disk_mib",
                                        "image_mib",
                                        "phase_firmware_s",
                                        "phase_bootloader_s",
                                        "phase_kernel_s",
                                        "phase_initramfs_s",
                                        "phase_userspace_s",
                                        "phase_ssh_s"};

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

}  // namespace

void ParseBudgets(Reader& r, const json& b,
                  const std::vector<std::string>& profiles, Budgets* out) {
  ParseBudgetMap(r, b, "/budgets", &out->limits, {"judge", "profiles"});
  if (!b.is_object()) return;
  r.String(b, "/budgets", "judge", &out->judge);
  r.OneOf("/budgets/judge", out->judge, {"median", "p95", "max", "mean"});
  if (b.contains("profiles") &&
      r.Object(b["profiles"], "/budgets/profiles",
               std::set<std::string>(profiles.begin(), profiles.end()))) {
    for (const auto& [profile, m] : b["profiles"].items()) {
      ParseBudgetMap(r, m, "/budgets/profiles/" + profile,
                     &out->per_profile[profile], {});
    }
  }
}

}  // namespace bootgate::scenario_internal
