// JUnit XML reporter (junit.xml) for CI test panels: GitHub Actions test
// reporters, GitLab's `artifacts:reports:junit`, Jenkins' junit step. One
// <testsuite> per scenario x profile; one <testcase> per budget, per check
// and one "boot" testcase per counted run.
#pragma once

#include <string>

#include "result/result.h"

namespace bootgate {

/// Renders the suite as JUnit XML (UTF-8, XML 1.0; bytes that XML forbids,
/// e.g. console control characters, are dropped).
///  - budget testcase "boot_s <= 45 (median)": <failure type="budget"> when
///    the budget failed, <failure type="inconclusive"> when inconclusive;
///  - check testcase "check: NAME" (suffixed " [iteration N]" when the group
///    has several counted runs): <failure type="check">;
///  - boot testcase "boot" per counted run: <failure> with reason, failure
///    class, phase and console tail when the run failed and no failed budget
///    or check explains it (panic, timeout...); <error> when it could not be
///    measured (error/interrupted); <skipped> when skipped.
/// Warm-up runs are left out. <properties> carry accelerator, backend,
/// profile, scenario, build, phase.<name>_s and metric values.
std::string RenderJUnit(const SuiteResult& suite);

}  // namespace bootgate
