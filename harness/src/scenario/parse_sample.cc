#include "scenario/reader.h"

namespace bootgate::scenario_internal {

void ParseSample(Reader& r, const json& sm, bool* enabled, SampleSpec* out) {
  if (sm.is_boolean()) {
    *enabled = sm.get<bool>();
    return;
  }
  if (!r.Object(
          sm, "/sample",
          {"settle_s", "count", "interval_s", "disk_mount", "disk_judged"}))
    return;
  r.Number(sm, "/sample", "settle_s", 0, 3600, &out->settle_s, " seconds");
  r.Int(sm, "/sample", "count", 1, 1000, &out->count);
  r.Number(sm, "/sample", "interval_s", 0, 3600, &out->interval_s, " seconds");
  r.String(sm, "/sample", "disk_mount", &out->disk_mount);
  if (!out->disk_mount.empty() && out->disk_mount[0] != '/')
    r.Issue("/sample/disk_mount", "must be an absolute path in the guest.");
  r.String(sm, "/sample", "disk_judged", &out->disk_judged);
  r.OneOf("/sample/disk_judged", out->disk_judged, {"guest", "host"});
}

}  // namespace bootgate::scenario_internal
