// report.json's per-run "explain" object (result/explanation.h), both ways:
// json_report.cc writes it with ExplanationToJson and reads it back with
// ExplanationFromJson, so a merged shard or an imported report keeps it.
// Lists and objects the guest did not offer are absent, never empty.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "result/explanation.h"

namespace bootgate {

/// {"cost_s", "notes", "boot": {"phases_s", "target", "units": [{"unit",
/// "s"}], "critical_chain": [{"unit", "at_s", "took_s"}],
/// "init_start_kernel_s", "login_prompt_kernel_s"}, "ram": {"measure",
/// "processes": [{"name", "pid", "pss_mib"}], "process_count",
/// "processes_mib", "kernel": {...MiB}, "used_mib", "explained_mib",
/// "unexplained_mib", "tolerance_mib", "within_tolerance"}, "disk": {"mount",
/// "paths": [{"path", "mib"}], "du_total_mib", "package_manager",
/// "packages": [{"name", "mib"}], "package_count", "packages_mib"}}.
nlohmann::json ExplanationToJson(const Explanation& explain);

/// Inverse of ExplanationToJson. Throws Error naming `path` and the field
/// for a wrong type.
Explanation ExplanationFromJson(const nlohmann::json& j,
                                const std::string& path);

}  // namespace bootgate
