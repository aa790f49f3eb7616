// Fuzzes the `df -P -k` parser: guest output is untrusted. The first line of
// the input is the mount asked for, the rest df's output. It may throw
// bootgate::Error; any other exception, a crash or a non-finite figure from a
// successful parse is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "metrics/df.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view mount = nl == std::string_view::npos ? "/" : in.substr(0, nl);
  std::string_view text = nl == std::string_view::npos ? in : in.substr(nl + 1);
  try {
    bootgate::DiskUsage d = bootgate::ParseDfPosix(text, mount);
    for (double v : {d.size_mib, d.used_mib, d.avail_mib})
      if (!std::isfinite(v) || v < 0) std::abort();
  } catch (const bootgate::Error&) {
  }
  return 0;
}
