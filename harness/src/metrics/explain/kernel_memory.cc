#include "metrics/explain/kernel_memory.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "metrics/text_util.h"

namespace bootgate {

std::map<std::string, double> ParseKernelMemory(std::string_view meminfo_text) {
  static const std::pair<std::string_view, const char*> kFields[] = {
      {"Slab", "slab"},
      {"SReclaimable", "sreclaimable"},
      {"SUnreclaim", "sunreclaim"},
      {"KernelStack", "kernel_stack"},
      {"PageTables", "page_tables"},
      {"Shmem", "shmem"},
      {"Percpu", "percpu"},
      {"VmallocUsed", "vmalloc_used"},
      {"Cached", "page_cache"},
      {"Buffers", "page_cache"}};
  std::map<std::string, double> out;
  std::map<std::string_view, bool> seen;
  std::map<std::string_view, double> raw;  // the inputs of the derived parts
  for (std::string_view line : SplitLines(meminfo_text)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::vector<std::string_view> words = SplitWords(line.substr(colon + 1));
    double kib = 0;
    if (words.empty() || !ParseNonNegative(words[0], &kib)) continue;
    for (std::string_view k :
         {"Shmem", "Mapped", "Active(file)", "Inactive(file)", "SReclaimable",
          "KReclaimable", "MemAvailable", "MemFree"})
      if (key == k) raw.emplace(k, kib / 1024.0);
    for (const auto& [field, name] : kFields) {
      if (key != field || seen[field]) continue;  // first occurrence wins
      seen[field] = true;
      out[name] += kib / 1024.0;
    }
  }
  auto has = [&](std::initializer_list<std::string_view> keys) {
    for (std::string_view k : keys)
      if (!raw.count(k)) return false;
    return true;
  };
  if (has({"Shmem", "Mapped"}))
    out["shmem_unmapped"] = std::max(0.0, raw["Shmem"] - raw["Mapped"]);
  if (has({"Active(file)", "Inactive(file)", "SReclaimable", "MemAvailable",
           "MemFree"})) {
    // si_mem_available's "reclaimable" is KReclaimable (reclaimable slab and
    // other reclaimable kernel memory) where the kernel prints it (>= 4.20).
    const double reclaimable =
        raw.count("KReclaimable") ? raw["KReclaimable"] : raw["SReclaimable"];
    out["reserve"] =
        std::max(0.0, raw["Active(file)"] + raw["Inactive(file)"] +
                          reclaimable - (raw["MemAvailable"] - raw["MemFree"]));
  }
  return out;
}

std::optional<double> ParsePerCpuFreeMib(std::string_view zoneinfo_text,
                                         double page_bytes) {
  bool seen = false;
  double pages = 0;
  for (std::string_view line : SplitLines(zoneinfo_text)) {
    std::vector<std::string_view> words = SplitWords(line);
    if (words.size() == 1 && words[0] == "pagesets") seen = true;
    double n = 0;
    // "count:" appears only in the pagesets (the zone's free count is
    // "pages free").
    if (words.size() == 2 && words[0] == "count:" &&
        ParseNonNegative(words[1], &n))
      pages += n;
  }
  const double mib = pages * page_bytes / (1024.0 * 1024.0);
  // An untrusted guest may print counts no machine has ("1e308").
  if (!seen || !std::isfinite(mib)) return std::nullopt;
  return mib;
}

void AttributeRam(RamExplanation* ram, double tolerance_pct,
                  double tolerance_floor_mib) {
  double kernel = 0;
  for (const char* part :
       {"shmem_unmapped", "sunreclaim", "kernel_stack", "page_tables", "percpu",
        "vmalloc_used", "reserve", "pcp_free"}) {
    if (auto it = ram->kernel_mib.find(part); it != ram->kernel_mib.end())
      kernel += it->second;
  }
  ram->explained_mib = ram->processes_unreclaimable_mib + kernel;
  ram->unexplained_mib = ram->used_mib - ram->explained_mib;
  ram->tolerance_mib =
      std::max(ram->used_mib * tolerance_pct / 100, tolerance_floor_mib);
  ram->within_tolerance = std::fabs(ram->unexplained_mib) <= ram->tolerance_mib;
}

}  // namespace bootgate
