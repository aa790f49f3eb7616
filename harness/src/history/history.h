// The last stage of the pipeline: every `bootgate run` lands here, one suite
// per run, in a SQLite database (WAL, safe for concurrent writers). It is read
// back by `bootgate compare` (history/compare.h), `bootgate history`,
// `bootgate serve` and the HTML report's trend charts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "result/result.h"

struct sqlite3;

namespace bootgate {

/// One stored run (a RunResult row with its suite's identity).
struct HistoryRun {
  int64_t id = 0;
  std::string suite_id, scenario, profile, backend, accelerator, host,
      image_path, image_sha256, build_id, started_at, verdict, reason;
  int iteration = 1;
  int attempt = 1;
  bool warmup = false;
  /// What the judge made of it (schema 4; older rows: "counted" and the
  /// run's own verdict).
  std::string role = "counted";
  std::string counts_as;
  int vm_cpus = 0;        ///< 0: not recorded (history schema 1)
  int vm_memory_mib = 0;
  /// The suite's labels (--label) and the scenario's own `labels`.
  std::map<std::string, std::string> labels;
  std::map<std::string, double> metrics;
  std::map<std::string, double> limits;       ///< per-run budget limits, if judged
  /// The run's explanation (schema 3), kind -> name -> value: "unit" (s,
  /// systemd-analyze blame), "chain" (s, when the unit became active),
  /// "systemd" (s, systemd-analyze time parts), "process" (MiB, PSS summed
  /// over the processes of one name), "kernel" (MiB), "path" and "package"
  /// (MiB), "summary" (processes_mib, unexplained_mib, packages_mib,
  /// cost_s...). Empty when none was collected.
  std::map<std::string, std::map<std::string, double>> explain;
};

/// Which runs to read. Empty fields match everything; all fields combine (AND).
struct Selector {
  /// A suite's run id, or "latest" / "previous" (the newest / second-newest
  /// suite, by started_at, among those with a run matching the other fields).
  std::string suite_id;
  std::string build_id;
  std::string scenario, profile, accelerator, backend;
  std::map<std::string, std::string> labels;  ///< suite label key -> value
  int last = 0;  ///< only the last N suites matching (0 = all)
  bool include_warmup = false;
};

/// Parses "key=value,key=value" with keys run, build, scenario, profile,
/// accel, backend, label.K, last; and the shorthands "latest" and "previous"
/// as whole items (e.g. "latest,scenario=photon"). Pure; throws Error naming
/// the item for unknown keys, empty values, bad numbers.
Selector ParseSelector(const std::string& text);

/// The history database. One object per thread (a single SQLite connection);
/// any number of processes may write the same file concurrently.
class History {
 public:
  /// Opens or creates the database at `path` (parent directories created).
  /// Throws Error naming the path if it is not a bootgate history, is
  /// corrupt, or has a newer schema than this build knows.
  explicit History(const std::string& path, int busy_timeout_ms = 10000);
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  /// Writes one suite (suite row, runs with their roles, metrics, checks,
  /// the judged aggregates) in one transaction;
  /// on any failure nothing is written and an Error names the database.
  /// Recording the same run_id twice is an Error.
  void Record(const SuiteResult& suite);

  /// Runs matching the selector (any verdict), oldest first.
  std::vector<HistoryRun> QueryRuns(const Selector& selector) const;
  /// Values of `metric` over the counted runs matching the selector (verdict
  /// not error/interrupted/skipped), oldest first.
  std::vector<double> MetricValues(const Selector& selector,
                                   const std::string& metric) const;
  /// Metric names present in the runs matching the selector, sorted.
  std::vector<std::string> Metrics(const Selector& selector) const;
  /// (started_at, value) of the last `limit` counted, non-warmup runs of a
  /// scenario x profile, oldest first (for the HTML trend chart).
  std::vector<std::pair<std::string, double>> MetricTrend(
      const std::string& scenario, const std::string& profile,
      const std::string& metric, int limit) const;
  /// Per scenario x profile, the latest suite (by started_at) that judged
  /// it, whatever its verdict (error and interrupted included): a suite
  /// with that one stored aggregate, its build, labels and verdict, and the
  /// group's latest counted run if it has one (for `bootgate serve`).
  /// Suites recorded before schema 4 stored no aggregates and are not seen.
  std::vector<SuiteResult> LatestJudgedSuites() const;

  const std::string& path() const { return path_; }

 private:
  void Open(int busy_timeout_ms);
  std::string path_;
  sqlite3* db_ = nullptr;
};

/// A stored run as a RunResult for the reporters (`bootgate serve`): identity,
/// verdict, metrics, and one per-run budget per stored limit, judged on the
/// stored value by EvaluateBudgets: kPass / kFail when the metric was
/// measured, kSkipped with note "metric not measured" when it was not (never
/// a pass). Throws Error for an unknown verdict.
RunResult RunFromHistory(const HistoryRun& h);

/// The history rows of a run's explanation (HistoryRun::explain's shape);
/// empty without one. Pure.
std::map<std::string, std::map<std::string, double>> ExplainRows(
    const RunResult& run);

/// `history --format json`: an array with one object per run, every
/// HistoryRun field by name ("suite_id", "scenario", ..., "metrics",
/// "limits", "labels", "explain" when collected), pretty-printed.
std::string RenderHistoryJson(const std::vector<HistoryRun>& runs);

/// Schema version written to PRAGMA user_version.
inline constexpr int kHistorySchemaVersion = 4;

}  // namespace bootgate
