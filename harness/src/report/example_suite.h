// Test-only fixtures for the reporters: a small but complete SuiteResult and
// a golden-file comparison helper (BOOTGATE_UPDATE_GOLDENS=1 rewrites goldens).
#pragma once

#include <string>

#include "result/result.h"

namespace bootgate::testing {

/// Two scenarios x two profiles with every RunResult field set: a warm-up,
/// a retried iteration (attempt 1 could not log in, attempt 2 passed), a
/// failing budget (photon-minimal/hyperv-gen2 boot_s), a failed check, a
/// kernel panic and a timeout (alpine-virt/hyperv-gen2), phases, milestones,
/// warnings. Every verdict, role and aggregate is the real judge's
/// (EvaluateBudgets, JudgeRun, JudgeSuite), never written by hand.
SuiteResult ExampleSuite();

/// One scenario x profile judged on the median of two runs with a boot_s
/// budget of 10 s: iteration 1 boots in 9 s, iteration 2 in 10.5 s (kFail,
/// class "budget": over its own budget), the median 9.75 s passes, so the
/// aggregate and the suite pass. ram_mib has a budget but was never measured
/// (kSkipped). Every reporter must show a PASS, with iteration 2 as a note.
/// Judged by the real judge.
SuiteResult OwnBudgetNoteSuite();

/// Absolute path of harness/src/report/testdata/<name>.
std::string GoldenPath(const std::string& name);
/// Compares `actual` with the golden file (gtest failure on mismatch, with
/// the first differing line); rewrites it when BOOTGATE_UPDATE_GOLDENS=1.
void ExpectGolden(const std::string& name, const std::string& actual);

}  // namespace bootgate::testing
