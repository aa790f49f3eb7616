// Fuzzes the explain parsers (metrics/explain/): the output of the guest's
// boot, RAM and disk scripts is untrusted. The input is split into sections
// like a real script's output and handed to every parser; none may throw,
// crash, or return a non-finite figure.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "metrics/explain/collect.h"
#include "metrics/explain/kernel_memory.h"
#include "metrics/explain/systemd_analyze.h"

namespace {
void Finite(double v) {
  if (!std::isfinite(v)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sections = bootgate::SplitExplainSections(text);
  std::vector<std::string> notes;
  if (auto b = bootgate::ExplainBoot(sections, 10, &notes)) {
    for (const auto& [k, v] : b->phases_s) Finite(v);
    for (const auto& u : b->units) Finite(u.s);
    for (const auto& c : b->critical_chain) Finite(c.at_s);
    if (b->units.size() > 10 || b->critical_chain.size() > 10) std::abort();
  }
  if (auto r = bootgate::ExplainRam(sections, 10, &notes)) {
    Finite(r->unexplained_mib);
    if (auto it = r->kernel_mib.find("pcp_free"); it != r->kernel_mib.end())
      Finite(it->second);
    if (r->processes.size() > 10) std::abort();
  }
  if (auto d = bootgate::ExplainDisk(sections, "/", 10, &notes)) {
    Finite(d->packages_mib);
    Finite(d->du_total_mib);
  }
  // The whole input as each systemd-analyze output, too.
  bootgate::ParseSystemdAnalyzeTime(text);
  bootgate::ParseSystemdBlame(text);
  bootgate::ParseCriticalChain(text);
  if (auto pcp = bootgate::ParsePerCpuFreeMib(text)) Finite(*pcp);
  return 0;
}
