#include "scenario/reader.h"

namespace bootgate::scenario_internal {

void ParseVm(Reader& r, const json& vm, VmSpec* out) {
  if (!r.Object(vm, "/vm", {"cpus", "memory_mib", "accel", "cdrom_bus", "extra_args", "network"}))
    return;
  r.Int(vm, "/vm", "cpus", 1, 64, &out->cpus);
  r.Int(vm, "/vm", "memory_mib", 64, 262144, &out->memory_mib);
  r.String(vm, "/vm", "accel", &out->accel);
  r.OneOf("/vm/accel", out->accel, {"auto", "kvm", "tcg"});
  r.String(vm, "/vm", "cdrom_bus", &out->cdrom_bus);
  r.OneOf("/vm/cdrom_bus", out->cdrom_bus, {"ide", "sata", "scsi", "profile"});
  r.StringList(vm, "/vm", "extra_args", &out->extra_args);
  r.String(vm, "/vm", "network", &out->network);
  r.OneOf("/vm/network", out->network, {"restricted", "nat"});
}

}  // namespace bootgate::scenario_internal
