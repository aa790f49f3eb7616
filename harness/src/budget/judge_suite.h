// Stage "judge", for a whole suite: the one place that decides what each
// run counts for and what each scenario x profile group and the suite are.
// `bootgate run` and `bootgate merge` call JudgeSuite once; every output
// (terminal, report.json, JUnit, Markdown, HTML, Prometheus, history,
// serve, compare) prints what it decided and never judges again.
#pragma once

#include <vector>

#include "result/result.h"
#include "scenario/scenario.h"

namespace bootgate {

/// Judges `suite` in place, from its runs:
///   - each run's role: an attempt a later attempt of the same iteration
///     replaced (--retries, the KVM->TCG fallback) is kSuperseded; else a
///     warm-up is kWarmup; else kCounted;
///   - each run's counts_as and judge_note: its own verdict, except a
///     counted or warm-up run that failed only its own per-run budgets
///     (FailedOnlyOnOwnBudgets) counts as kPass, the note naming the budgets;
///   - one aggregate per group (first-seen order): Aggregate over the
///     non-superseded runs with the group's scenario budgets (none when
///     `scenarios` is null or lacks it), plus counts (of counted runs by
///     counts_as), superseded, warmups, errors and warmup_failures;
///   - the suite verdict: CombineVerdicts over the groups' verdicts, with
///     kInterrupted added when suite->interrupted (verdict.h's ranking: a
///     group that failed still makes the suite fail).
void JudgeSuite(SuiteResult* suite, const std::vector<Scenario>* scenarios);

/// What a report records of how its groups were judged, as scenarios that
/// carry only a name and budgets: per scenario the aggregates' judge
/// statistic, per profile each judged budget's resolved limit. JudgeSuite
/// with these re-judges a report's runs exactly as the run did (`bootgate
/// merge`). Throws Error if two aggregates of one scenario name different
/// judges or different limits for one metric and profile.
std::vector<Scenario> JudgingFromAggregates(
    const std::vector<AggregateResult>& aggregates);

}  // namespace bootgate
