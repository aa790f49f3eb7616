// A budget as the judge stage decided it: one metric's value against its limit.
#pragma once

#include <string>

#include "result/verdict.h"

namespace bootgate {

/// A budget judged against a metric.
struct BudgetResult {
  std::string metric;  ///< "boot_s"
  double value = 0;    ///< the judged value (statistic over iterations)
  double limit = 0;
  std::string statistic = "value";  ///< "value" (one run) | "median" | "p95"...
  Verdict verdict = Verdict::kPass;  ///< kPass | kFail | kInconclusive
  double margin = 0;                 ///< limit - value (positive: headroom)
  double margin_pct = 0;
  std::string note;  ///< e.g. "budget inside the 95% CI of the median"
};

}  // namespace bootgate
