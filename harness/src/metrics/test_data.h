// Test helper: reads a file from metrics/testdata (captured real outputs).
#pragma once

#include <cstdlib>
#include <string>

#include "util/fs.h"

namespace bootgate {

inline std::string MetricsTestData(const std::string& name) {
  const char* src = std::getenv("BOOTGATE_SOURCE_DIR");
  std::string root = src ? src : ".";
  return ReadFile(root + "/harness/src/metrics/testdata/" + name);
}

}  // namespace bootgate
