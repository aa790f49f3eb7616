// The terminal report of `bootgate run` and `bootgate merge`: one line per
// scenario x profile with the judged verdict, statistics and budgets, the
// runs the judge counted against a group, the superseded attempts, and the
// verdict line. It prints the judge's decisions (budget/judge_suite.h) and
// makes none.
#pragma once

#include <cstdio>
#include <string>

#include "result/result.h"

namespace bootgate {

/// The summary as text: the group table (counted runs, judged verdict, the
/// judge's reason when not PASS, warnings), every counted run and warm-up
/// that did not count as passed (with its last console lines), every
/// superseded attempt marked as such, then "verdict: PASS". Only the
/// verdict line when `quiet`. Verdict words are coloured when `color`.
std::string RenderSummary(const SuiteResult& suite, bool quiet, bool color);

/// RenderSummary written to `out`.
void PrintSummary(const SuiteResult& suite, FILE* out, bool quiet = false,
                  bool color = false);

}  // namespace bootgate
