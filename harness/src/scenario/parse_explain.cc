#include "scenario/reader.h"

namespace bootgate::scenario_internal {

void ParseExplain(Reader& r, const json& ex, ExplainSpec* out) {
  if (ex.is_boolean()) {
    out->enabled = ex.get<bool>();
    return;
  }
  if (!r.Object(ex, "/explain", {"enabled", "top_n"})) return;
  r.Bool(ex, "/explain", "enabled", &out->enabled);
  r.Int(ex, "/explain", "top_n", 1, 100, &out->top_n);
}

}  // namespace bootgate::scenario_internal
