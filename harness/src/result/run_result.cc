#include "result/run_result.h"

#include <algorithm>

namespace bootgate {

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
