// A conformance check as the check stage ran and judged it.
#pragma once

#include <string>

#include "result/verdict.h"

namespace bootgate {

struct CheckResult {
  std::string name;
  std::string command;
  Verdict verdict = Verdict::kPass;
  std::string reason;  ///< why it failed
  int exit_status = -1;
  std::string output_excerpt;  ///< bounded, sanitised
  double duration_s = 0;
  std::string channel;  ///< "ssh" | "serial"
};

}  // namespace bootgate
