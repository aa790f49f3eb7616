// Stage "report" of the pipeline, after judge: each reporter renders the
// result model (result/result.h) in one format. This one is report.json
// (schema "bootgate.report/v1"), lossless: SuiteFromJson(ToJson(s)) gives back
// every field, which is how `bootgate merge` reads shard reports and how the
// history imports old runs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "result/result.h"

namespace bootgate {

/// The schema string every report carries and SuiteFromJson requires.
inline constexpr const char* kReportSchema = "bootgate.report/v1";

/// Every field of the suite, its runs and aggregates. Adds derived,
/// read-ignored conveniences: "exit_code", "counts", phases' "duration_s".
nlohmann::json ToJson(const SuiteResult& suite);
nlohmann::json ToJson(const RunResult& run);
nlohmann::json ToJson(const AggregateResult& aggregate);

/// Inverse of ToJson. Missing fields take their defaults; a wrong type, an
/// unknown verdict or a schema other than kReportSchema throws Error naming
/// the JSON path (e.g. "report JSON /runs/2/verdict").
SuiteResult SuiteFromJson(const nlohmann::json& json);
RunResult RunFromJson(const nlohmann::json& json);
AggregateResult AggregateFromJson(const nlohmann::json& json);

/// ToJson pretty-printed with 2 spaces and a trailing newline.
std::string RenderJson(const SuiteResult& suite);
/// Parses report text (e.g. a shard's report.json); throws Error naming
/// `source` on invalid JSON or schema.
SuiteResult ParseJsonReport(const std::string& text,
                            const std::string& source = "report JSON");

}  // namespace bootgate
