// Fuzzes the /proc/meminfo parser: guest output is untrusted. It may throw
// bootgate::Error (missing field, not a number); any other exception, a crash
// or a non-finite figure from a successful parse is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "metrics/meminfo.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    bootgate::Meminfo m = bootgate::ParseMeminfo(text);
    for (double v : {m.total_mib, m.free_mib, m.available_mib, m.buffers_mib, m.cached_mib})
      if (!std::isfinite(v) || v < 0) std::abort();
  } catch (const bootgate::Error&) {
  }
  return 0;
}
