// Fuzzes the report JSON reader (`bootgate merge` reads shard reports that
// may be damaged or hostile). It may throw bootgate::Error naming the JSON
// path; any other exception or a crash is a bug. A report that parses must
// survive a write/read round trip unchanged (the reader is lossless).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "report/json_report.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  bootgate::SuiteResult suite;
  try {
    suite = bootgate::ParseJsonReport(text, "fuzz");
  } catch (const bootgate::Error&) {
    return 0;
  }
  std::string once = bootgate::RenderJson(suite);
  std::string twice = bootgate::RenderJson(bootgate::ParseJsonReport(once, "round trip"));
  if (once != twice) std::abort();
  return 0;
}
