// What the command files of cli/ share (internal to bootgate_cli): run ids,
// number and verdict formatting for the terminal, and the report writer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "history/history.h"
#include "report/html_report.h"
#include "result/result.h"
#include "runner/workspace.h"
#include "util/clock.h"
#include "util/process.h"

namespace bootgate {

/// "20261130-010203-1a2b": the wall time and the low bits of the pid.
std::string NewRunId(const Clock& clock);
/// `v` with `prec` decimals.
std::string Fmt(double v, int prec = 2);
/// "PASS", "FAIL"...
std::string Upper(Verdict v);
/// Reasons, warnings and console lines quote the guest (a fail-pattern line,
/// libssh's error with the guest's banner, QEMU's stderr) and reports read
/// back by `merge` may hold anything: every such string goes through this.
std::string Safe(std::string_view text);
/// The history's trend of each judged metric of the suite's groups.
std::vector<TrendSeries> Trends(History* history, const SuiteResult& suite);
/// Writes every report format; each file appears complete or not at all,
/// report.json last.
void WriteReports(const SuiteResult& suite, const std::string& dir,
                  History* history, ProcessLauncher& launcher, bool html);
/// Says on stderr what was cleaned up after a bootgate that died.
void AnnounceLeftovers(const std::vector<Leftover>& left);

}  // namespace bootgate
