#include <unistd.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backend/qemu/qemu_backend.h"
#include "budget/judge_suite.h"
#include "cli/ab.h"
#include "cli/backends.h"
#include "cli/cli_util.h"
#include "history/ab_compare.h"
#include "history/history.h"
#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/markdown_report.h"
#include "runner/run_scenario.h"
#include "runner/suite.h"
#include "runner/workspace.h"
#include "scenario/profile.h"
#include "scenario/scenario.h"
#include "ssh/ssh_client.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/paths.h"
#include "util/sanitize.h"

namespace bootgate {
namespace {

// report.json, summary.md and junit.xml of the suite, each with the A/B
// added: the suite's reporters are used as they are, the `ab` section is
// spliced in (report.json last: its presence means the reports are whole).
void WriteAbReports(const SuiteResult& suite, const AbResult& ab,
                    const std::string& dir) {
  std::string junit = RenderJUnit(suite);
  auto end = junit.rfind("</testsuites>");
  if (end != std::string::npos) junit.insert(end, RenderAbJUnitSuite(ab));
  WriteFileAtomic(dir + "/junit.xml", junit);
  WriteFileAtomic(dir + "/summary.md",
                  RenderMarkdown(suite) + RenderAbMarkdown(ab));
  nlohmann::json report = nlohmann::json::parse(RenderJson(suite));
  report["ab"] = nlohmann::json::parse(RenderAbJson(ab));
  WriteFileAtomic(dir + "/report.json", report.dump(2) + "\n");
}

// The A/B's statistical options from the command line, checked.
AbOptions AbOptionsFor(const AbCommandOptions& o) {
  if (!(o.timeout_scale > 0))
    throw Error("--timeout-scale", "must be a number above 0");
  if (!(o.alpha > 0 && o.alpha < 1))
    throw Error("--alpha", "must be between 0 and 1");
  if (o.until_decided != 0 && o.until_decided < 6)
    throw Error("--until-decided",
                "needs at least 6 pairs (fewer never give a 95% interval)");
  AbOptions ab_options;
  ab_options.min_effect = ParseMinEffect(o.min_effect);
  if (!o.metrics.empty()) ab_options.decisive = o.metrics;
  return ab_options;
}

// `side`'s scenario: its file (default: the baseline's), with
// --<side>-image put in place of its image when given.
Scenario LoadSide(const std::string& file, const std::string& image,
                  const std::string& image_option, double timeout_scale) {
  Scenario s = LoadScenario(file);
  ScaleTimeouts(&s, timeout_scale);
  if (!image.empty()) {
    if (!std::filesystem::is_regular_file(image))
      throw Error(image_option, "'" + image + "' is not a file");
    s = WithImage(s, std::filesystem::absolute(image).string());
  }
  return s;
}

// Baseline and candidate, named apart and checked to have the same VM
// shape and backend.
std::vector<Scenario> LoadAbScenarios(const AbCommandOptions& o) {
  if (o.candidate.empty() && o.candidate_image.empty())
    throw Error("--candidate",
                "give the candidate's scenario, or --candidate-image to run "
                "the baseline scenario on another image");
  std::vector<Scenario> scenarios;
  scenarios.push_back(LoadSide(o.baseline, o.baseline_image, "--baseline-image",
                               o.timeout_scale));
  scenarios.push_back(LoadSide(o.candidate.empty() ? o.baseline : o.candidate,
                               o.candidate_image, "--candidate-image",
                               o.timeout_scale));
  Scenario& base = scenarios[0];
  Scenario& cand = scenarios[1];
  // Both sides are recorded in the history: one name each, even for A vs A.
  if (base.name == cand.name) {
    base.name += "-baseline";
    cand.name += "-candidate";
  }
  // The same VM shape on both sides, or the A/B measures the shape.
  if (base.vm.cpus != cand.vm.cpus || base.vm.memory_mib != cand.vm.memory_mib)
    throw Error(cand.file,
                "the VM shape differs from the baseline's (" +
                    std::to_string(base.vm.cpus) + " vCPU / " +
                    std::to_string(base.vm.memory_mib) + " MiB vs " +
                    std::to_string(cand.vm.cpus) + " vCPU / " +
                    std::to_string(cand.vm.memory_mib) +
                    " MiB); an A/B needs the same vm.cpus and vm.memory_mib");
  if (base.backend != cand.backend)
    throw Error(cand.file, "backend " + cand.backend +
                               " differs from the baseline's " + base.backend);
  return scenarios;
}

}  // namespace

int AbMain(const AbCommandOptions& o) {
  CommandHost host;

  // Everything is checked before the first VM.
  AbOptions ab_options = AbOptionsFor(o);
  AbOrderMode mode = ParseAbOrderMode(o.order);
  uint64_t seed =
      o.seed >= 0
          ? static_cast<uint64_t>(o.seed)
          : static_cast<uint64_t>(host.clock.Now().time_since_epoch().count());
  std::vector<Scenario> scenarios = LoadAbScenarios(o);
  const Scenario& base = scenarios[0];
  const Scenario& cand = scenarios[1];
  std::string profile = o.profile.empty() ? base.profiles.front() : o.profile;
  auto profiles = LoadProfiles(DefaultProfileDir(base.file));
  if (!profiles.count(profile))
    throw Error("--profile", "profile '" + profile + "' does not exist in " +
                                 DefaultProfileDir(base.file));
  for (const auto& s : scenarios)
    if (std::string why =
            CdromBusConflict(profiles.at(profile), s.vm.cdrom_bus);
        !why.empty())
      throw Error(s.file, "/vm/cdrom_bus: " + why);

  std::string state_dir = DefaultStateDir();
  AnnounceLeftovers(CleanLeftovers(state_dir, DestroyLeftoverDomain));
  RunBackend backend = OpenRunBackend(base.backend, base.connect, "",
                                      &host.launcher, &host.clock, &host.live);
  RecipeRunner recipes(&host.launcher, &host.cancel);
  if (int rc = PrepareImages(scenarios, o.quiet, recipes, host.clock); rc != 0)
    return rc;

  std::string run_id = NewRunId(host.clock, "ab");
  std::string report_dir =
      o.report_dir.empty() ? o.reports_root + "/" + run_id : o.report_dir;
  std::filesystem::create_directories(report_dir);
  RunOptions run_options;
  run_options.profiles = profiles;
  run_options.state_dir = state_dir;
  run_options.report_dir = report_dir;
  run_options.accel_override = o.accel;
  run_options.keep = o.keep;
  RunSession session(o.quiet);
  RunContext ctx = session.Context(host, backend.backend.get(), &recipes,
                                   std::move(run_options));

  // The design: a fixed number of pairs (one look at alpha), or looks of
  // the group-sequential rule up to MAX pairs.
  std::vector<SequentialLook> looks =
      o.until_decided > 0 ? SequentialLooks(o.until_decided, o.alpha)
                          : std::vector<SequentialLook>{{o.pairs, o.alpha}};
  const int max_pairs = looks.back().pairs;
  std::vector<std::string> schedule = AbSchedule(max_pairs, mode, seed);
  if (!o.quiet)
    std::fprintf(stderr,
                 "bootgate ab %s: %s (baseline) vs %s (candidate), %s%d "
                 "pairs, order %s "
                 "(seed %llu), reports in %s\n",
                 run_id.c_str(), Safe(base.name).c_str(),
                 Safe(cand.name).c_str(), o.until_decided > 0 ? "up to " : "",
                 max_pairs, o.order.c_str(),
                 static_cast<unsigned long long>(seed), report_dir.c_str());

  SuiteResult suite;
  suite.run_id = run_id;
  suite.started_at = host.clock.WallTimeRfc3339();
  char hostname[256] = {};
  gethostname(hostname, sizeof hostname - 1);
  suite.host = hostname;
  suite.report_dir = report_dir;
  suite.bootgate_version = BootgateVersion();
  suite.timeout_scale = o.timeout_scale;
  suite.labels["ab_baseline"] = base.name;
  suite.labels["ab_candidate"] = cand.name;
  suite.labels["ab_run"] = run_id;
  if (!o.build_baseline.empty())
    suite.labels["ab_baseline_build"] = o.build_baseline;
  if (!o.build_candidate.empty())
    suite.labels["ab_candidate_build"] = o.build_candidate;

  std::deque<RunResult> runs;  // stable addresses for the pairs
  std::string error;
  auto run_one = [&](const Scenario& s, int iteration,
                     bool warm) -> const RunResult* {
    std::string sub = s.name + "." + profile + (warm ? ".warmup" : ".iter") +
                      std::to_string(iteration);
    RunResult r = RunScenario({&s, profile, iteration, sub, ""}, ctx.services,
                              ctx.options);
    r.warmup = warm;
    runs.push_back(std::move(r));
    const RunResult& back = runs.back();
    if (back.verdict == Verdict::kError ||
        back.verdict == Verdict::kInterrupted || host.cancel.cancelled()) {
      error = s.name + (warm ? " warm-up " : " run ") +
              std::to_string(iteration) + ": " +
              (back.reason.empty() ? ToString(back.verdict) : back.reason);
      return nullptr;
    }
    return &back;
  };
  // Warm-ups: page cache, image files, the host's CPU frequency.
  for (int w = 1; w <= o.warmup && error.empty(); ++w) {
    if (run_one(base, w, true)) run_one(cand, w, true);
  }
  std::vector<AbPair> pairs;
  AbResult ab;
  size_t look = 0;
  for (int i = 0; i < max_pairs && error.empty(); ++i) {
    AbPair p;
    p.order = schedule[i];
    for (char side : p.order) {
      const RunResult* r = run_one(side == 'A' ? base : cand, i + 1, false);
      if (!r) break;
      (side == 'A' ? p.baseline : p.candidate) = r;
    }
    if (!error.empty()) break;
    pairs.push_back(p);
    if (static_cast<int>(pairs.size()) != looks[look].pairs) continue;
    ab = AnalyzeAb(pairs, looks[look].alpha, ab_options);
    char why[200];
    if (o.until_decided > 0)
      std::snprintf(
          why, sizeof why,
          "until decided: look %zu of %zu at %d pairs, alpha %.4g of %.4g "
          "(linear alpha spending)",
          look + 1, looks.size(), looks[look].pairs, looks[look].alpha,
          o.alpha);
    else
      std::snprintf(why, sizeof why, "fixed: %d pairs, alpha %.4g", o.pairs,
                    o.alpha);
    ab.stopping = why;
    if (!o.quiet)
      std::fprintf(stderr, "  ab: %zu pairs: %s\n", pairs.size(),
                   ToString(ab.decision).c_str());
    if (ab.decision != AbDecision::kInconclusive) break;
    if (++look >= looks.size()) break;
  }
  if (!error.empty()) {
    ab = AnalyzeAb(pairs, o.alpha, ab_options);
    ab.error = error;
    ab.stopping = "stopped after " + std::to_string(pairs.size()) +
                  " pairs: could not measure";
  }
  ab.order = {};
  for (const auto& p : pairs) ab.order.push_back(p.order);
  ab.order_mode = o.order;
  ab.seed = seed;
  ab.baseline_name = base.name;
  ab.candidate_name = cand.name;

  suite.runs.assign(runs.begin(), runs.end());
  HashRunImages(&suite.runs);
  JudgeSuite(&suite, &scenarios);
  suite.finished_at = host.clock.WallTimeRfc3339();

  int rc = AbExitCode(ab);
  if (!o.history.empty()) {
    try {
      History(o.history).Record(suite);
    } catch (const std::exception& e) {
      std::fprintf(
          stderr,
          "bootgate: error: could not record the runs in the history %s: %s\n",
          Safe(o.history).c_str(), Safe(e.what()).c_str());
      rc = 2;
    }
  }
  try {
    std::error_code ec;
    std::filesystem::remove(report_dir + "/report.json", ec);
    WriteAbReports(suite, ab, report_dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "bootgate: error: could not write the reports to %s: %s\n",
                 Safe(report_dir).c_str(), Safe(e.what()).c_str());
    rc = 2;
  }
  std::string table = FormatAbTable(ab);
  std::fputs(SanitizeForDisplay(table).c_str(), stdout);
  std::printf("report: %s/report.json\n", report_dir.c_str());
  std::fflush(stdout);
  return rc;
}

}  // namespace bootgate
