// `bootgate ab`: a baseline and a candidate scenario booted alternately on
// this host, pair by pair, in an order that cancels drift, then judged per
// metric with a paired Hodges-Lehmann shift, its interval and a Wilcoxon
// signed-rank p-value (history/ab_compare.h). Exit codes: 0 no change or an
// improvement, 1 regression, 3 inconclusive (more pairs would decide), 2
// could not measure.
#pragma once

#include <string>
#include <vector>

namespace bootgate {

struct AbCommandOptions {
  std::string baseline, candidate;  ///< scenario files (candidate: default
                                    ///< the baseline's, with an image below)
  /// Image files put in place of the scenario's own (WithImage): one
  /// scenario, two builds of its image.
  std::string baseline_image, candidate_image;
  int pairs = 10;                   ///< --pairs (fixed design)
  int until_decided = 0;            ///< --until-decided MAX (sequential)
  std::string min_effect = "5%";
  double alpha = 0.05;
  std::vector<std::string> metrics;  ///< decisive metrics (default boot_s)
  std::string order = "abba";        ///< "abba" | "random"
  long long seed = -1;               ///< -1: from the clock (recorded)
  int warmup = 1;                    ///< warm-up pairs, not counted
  std::string profile;               ///< default: the baseline's first
  std::string accel;
  double timeout_scale = 1.0;
  std::string report_dir;
  std::string reports_root = "reports";
  std::string history = "reports/history.db";
  std::string build_baseline, build_candidate;  ///< recorded as labels
  bool quiet = false;
  bool keep = false;
};

int AbMain(const AbCommandOptions& o);

}  // namespace bootgate
