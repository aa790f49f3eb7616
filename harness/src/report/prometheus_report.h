// Prometheus reporter: the judged result of each scenario x profile as gauges,
// pushed to a Pushgateway after `bootgate run` or scraped from `bootgate
// serve`, so that Grafana can chart metrics against budgets and Alertmanager
// can page on breaches (see dashboards/).
//
// Naming scheme (base units, one consistent rule):
//   metric key "<name>_s"     -> bootgate_<name>_seconds        (value as is)
//   metric key "<name>_ms"    -> bootgate_<name>_seconds        (/ 1000)
//   metric key "<name>_mib"   -> bootgate_<name>_bytes          (* 2^20)
//   metric key "<name>_kib"   -> bootgate_<name>_bytes          (* 2^10)
//   metric key "<name>_bytes" -> bootgate_<name>_bytes
//   anything else             -> bootgate_<name>                (unitless)
// with "ram" and "disk" named "ram_used" and "disk_used" (boot_s ->
// bootgate_boot_seconds, ram_mib -> bootgate_ram_used_bytes, image_mib ->
// bootgate_image_bytes). Budgets: bootgate_budget_seconds{metric="boot"},
// bootgate_budget_bytes{metric="ram_used"} (label = the metric's base name).
//
// What the gate judged (the aggregate of the counted runs, the same figures
// the exit code and the other reports read): bootgate_<metric> is the judged
// statistic (the scenario's judge, median by default) over
// bootgate_samples{metric} runs; bootgate_passed (0/1) and
// bootgate_verdict{verdict=...} the judged verdict; bootgate_budget_passed
// {metric} 1/0 for a measured budget and absent for one whose metric was
// never measured (bootgate_budget_measured{metric} 0);
// bootgate_counted_runs{verdict} and bootgate_superseded_attempts what the
// judge counted. `bootgate serve` exports the same from each group's latest
// judged suite in the history.
//
// The latest counted run, under bootgate_run_*: bootgate_run_<metric> (e.g.
// bootgate_run_boot_seconds), bootgate_run_passed, bootgate_run_verdict
// {verdict} (the verdict the judge counted it as: a run over only its own
// budget passes, a note), bootgate_check_passed{check},
// bootgate_boot_phase_seconds {phase}, bootgate_run_timestamp_seconds,
// bootgate_run_duration_seconds, bootgate_run_iteration. Every series carries
// the labels scenario, profile, accelerator, backend and build (the build id).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "result/result.h"

namespace prometheus {
class Exposer;
}

namespace bootgate {

/// How a RunResult metric key maps to a Prometheus series.
struct PrometheusMetricName {
  std::string name;      ///< "bootgate_ram_used_bytes" (the judged statistic)
  std::string run_name;  ///< "bootgate_run_ram_used_bytes" (the latest run)
  std::string base;   ///< "ram_used" (the `metric` label of budgets)
  std::string unit;   ///< "seconds" | "bytes" | ""
  double scale = 1;   ///< multiply the bootgate value by this
};
/// Applies the naming scheme above; characters outside [a-zA-Z0-9_] become _.
PrometheusMetricName PrometheusNameFor(const std::string& metric_key);

/// The runs whose values are exported: for each scenario x profile the last
/// run the judge counted (RunRole::kCounted, highest iteration). Exporting
/// one real run (not the aggregate median) keeps every bootgate_run_* series
/// a value that was really measured.
std::vector<RunResult> LatestCountedRuns(const std::vector<RunResult>& runs);

/// Adds the gauges of every judged scenario x profile (one per aggregate in
/// `aggregates`, whatever its verdict: error and interrupted included) to
/// `registry`; run series from LatestCountedRuns(runs) where it has one.
void FillRegistry(prometheus::Registry& registry,
                  const std::vector<RunResult>& runs,
                  const std::vector<AggregateResult>& aggregates,
                  const std::string& build_id);
/// The same for several suites, each with its own build (`serve`: each
/// group's latest suite from the history).
void FillRegistry(prometheus::Registry& registry,
                  const std::vector<SuiteResult>& latest_suites);

/// The suite in the Prometheus text exposition format (families in a
/// fixed order, series sorted by labels), via prometheus::TextSerializer.
std::string RenderPrometheusText(const SuiteResult& suite);

/// Pushes the suite to a Pushgateway at `url` ("http://127.0.0.1:9091"):
/// one group per scenario x profile (grouping key job/scenario/profile),
/// replaced with HTTP PUT so a new push replaces the previous one of the same
/// scenario x profile and leaves the others alone. Throws Error naming the URL
/// when the gateway is unreachable or answers outside 2xx.
void PushToGateway(const SuiteResult& suite, const std::string& url,
                   const std::string& job = "bootgate");

/// Serves /metrics for Prometheus: every scrape calls `provider` (e.g. each
/// group's latest judged suite from the history database) and exports them
/// as FillRegistry does. A provider that throws yields bootgate_scrape_error
/// 1 and no runs. The provider runs on a thread with the process's default
/// thread stack (not the HTTP server's 100 KiB worker stack).
class MetricsServer {
 public:
  /// Listens on `bind` ("127.0.0.1:9464"; port 0 picks a free port). Throws
  /// Error naming the address if it cannot listen.
  MetricsServer(const std::string& bind,
                std::function<std::vector<SuiteResult>()> provider);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// The port actually listened on.
  int port() const;

 private:
  class Collector;
  std::shared_ptr<Collector> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace bootgate
