#include "result/run_result.h"

#include <algorithm>

#include "util/error.h"

namespace bootgate {

std::string ToString(RunRole role) {
  switch (role) {
    case RunRole::kCounted:
      return "counted";
    case RunRole::kWarmup:
      return "warmup";
    case RunRole::kSuperseded:
      return "superseded";
  }
  return "counted";
}

RunRole RunRoleFromString(const std::string& s) {
  for (RunRole r :
       {RunRole::kCounted, RunRole::kWarmup, RunRole::kSuperseded}) {
    if (ToString(r) == s) return r;
  }
  throw Error("unknown run role '" + s +
              "'; expected counted, warmup or superseded");
}

bool FailedOnlyOnOwnBudgets(const RunResult& run) {
  if (run.verdict != Verdict::kFail) return false;
  if (!run.failure_class.empty() && run.failure_class != "budget") return false;
  for (const CheckResult& c : run.checks) {
    if (c.verdict == Verdict::kFail || c.verdict == Verdict::kError) return false;
  }
  return std::any_of(run.budgets.begin(), run.budgets.end(),
                     [](const BudgetResult& b) { return b.verdict == Verdict::kFail; });
}

}  // namespace bootgate
