// The command-line front end: each `bootgate <command>` is one function here,
// called by main.cc after CLI11 has parsed the arguments. Commands return the
// process exit code: 0 pass, 1 the image failed, 2 could not measure.
#pragma once

#include <map>
#include <string>
#include <vector>

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
  bool quiet = false;
  bool no_html = false;
};

int RunCommandMain(const RunCommandOptions& o);
int ValidateMain(const std::vector<std::string>& files);
int ProfilesMain(const std::string& dir);
int HistoryMain(const std::string& db, const std::string& selector, int limit);
int CompareMain(const std::string& db, const std::string& baseline,
                const std::string& candidate, double alpha, double min_effect_pct);
int ServeMain(const std::string& db, const std::string& bind);
int MergeMain(const std::vector<std::string>& reports, const std::string& out_dir,
              const std::string& history);
/// Removes leftovers; `probe` also forgets the cached KVM verdict.
int CleanMain(bool probe);
/// `bootgate doctor`: 0 when the reference scenario can run here, else 2.
int DoctorMain(const std::string& probe_kernel);

}  // namespace bootgate
