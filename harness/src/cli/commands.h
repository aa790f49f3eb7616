// The command-line front end: each `bootgate <command>` is one function,
// in its own <command>_command.cc, called by main.cc after CLI11 has parsed
// the arguments. Commands return the
// process exit code: 0 pass, 1 the image failed, 2 could not measure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "result/result.h"

namespace bootgate {

struct RunCommandOptions {
  std::vector<std::string> scenarios;
  std::string report_dir;  ///< default reports/<run-id>
  std::string history = "reports/history.db";  ///< "" = no history
  int iterations = 0;
  int warmup = -1;
  int retries = 0;
  int jobs = 0;
  std::string shard;  ///< "K/N"
  int until_confident = 0;
  int boots_per_install = 0;  ///< 0: each scenario's own (default 1)
  std::string accel;
  std::string probe_kernel;  ///< kernel for the KVM probe; "" = from /boot
  std::vector<std::string> profiles;
  std::string backend;  ///< overrides the scenarios' backend
  std::string connect;
  std::string build_id;
  std::vector<std::string> labels;  ///< "k=v"
  std::string pushgateway;
  bool keep = false;
  bool console = false;
  /// Only the verdict line and errors.
  bool quiet = false;
  /// No ANSI colour even on a terminal (NO_COLOR does the same).
  bool no_color = false;
  /// Every timeout of every scenario is multiplied by this (> 0).
  double timeout_scale = 1.0;
  /// Where report dirs go when report_dir is empty (DefaultReportsRoot()).
  std::string reports_root = "reports";
  bool no_html = false;
  /// Prepare every run's first iteration and write install.config and
  /// qemu.argv into its report folder; start no VM.
  bool dry_run = false;
};

int RunCommandMain(const RunCommandOptions& o);
int ValidateMain(const std::vector<std::string>& files);
int ProfilesMain(const std::string& dir);
/// `format` is "text" or "json" (RenderHistoryJson of the shown rows).
int HistoryMain(const std::string& db, const std::string& selector, int limit,
                const std::string& format = "text");

struct CompareCommandOptions {
  std::string db = "reports/history.db";
  std::string baseline, candidate;  ///< selectors
  double alpha = 0.01;
  double min_effect_pct = 5.0;
  std::vector<std::string> metrics;  ///< --metric (repeatable); empty = all
  bool allow_mismatch = false;
  std::string format = "text";  ///< "text" | "json"
};
/// 0 no regression, 1 regression, 2 not comparable (an empty side, or a
/// mismatch without --allow-mismatch), named on stderr.
int CompareMain(const CompareCommandOptions& o);
int ServeMain(const std::string& db, const std::string& bind);
/// `bootgate merge`: the shard reports as one suite, re-judged by the judge
/// with each shard's recorded budgets; each shard's metadata (K/N, run id,
/// build, labels, timeout scale, suite verdict) kept in `shards`; the suite
/// verdict also ranks each shard's own (verdict.h). Throws Error naming the
/// missing shards of the plan unless `allow_partial` (then they make the
/// merged verdict at least kError), and for runs given twice.
SuiteResult MergeReports(const std::vector<std::string>& reports,
                         const std::string& out_dir, bool allow_partial);
/// MergeReports, written out (and recorded in `history` if not empty);
/// exit 2 naming what is wrong when it throws.
int MergeMain(const std::vector<std::string>& reports,
              const std::string& out_dir, const std::string& history,
              bool allow_partial = false);
/// Removes leftovers; `probe` also forgets the cached KVM verdict.
int CleanMain(bool probe);
/// `bootgate doctor`: 0 when the reference scenario can run here, else 2.
/// `no_color`: --no-color (NO_COLOR and a non-terminal also turn it off).
int DoctorMain(const std::string& probe_kernel, bool no_color = false);

}  // namespace bootgate
