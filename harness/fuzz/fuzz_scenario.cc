// Fuzzes the scenario parser and validator (JSON with comments -> Scenario or
// a list of issues). Contract: any text gives either a Scenario or at least
// one issue with a JSON path; nothing else escapes, nothing crashes or leaks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<bootgate::ValidationIssue> issues;
  auto s = bootgate::ParseScenario(text, "/fuzz/scenario.json", &issues,
                                   /*check_files=*/false);
  if (s.has_value() == !issues.empty()) std::abort();
  for (const auto& i : issues) {
    if (i.json_path.empty() || i.json_path[0] != '/' || i.message.empty()) std::abort();
    (void)i.ToString();
  }
  return 0;
}
