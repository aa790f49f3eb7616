#include "cli/ab.h"

#include <unistd.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backend/qemu/qemu_backend.h"
#include "cli/backends.h"
#include "history/ab_compare.h"
#include "history/history.h"
#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/markdown_report.h"
#include "runner/run_scenario.h"
#include "budget/judge_suite.h"
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

std::string AbRunId(const Clock& clock) {
  std::string t = clock.WallTimeRfc3339();
  std::string id;
  for (char c : t.substr(0, 19))
    if (c != '-' && c != ':') id += c == 'T' ? '-' : c;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-ab%04x",
                static_cast<unsigned>(getpid()) & 0xffff);
  return id + suffix;
}

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

}  // namespace

int AbMain(const AbCommandOptions& o) {
  SystemClock clock;
  ResourceRegistry live;
  PosixProcessLauncher launcher(&live);
  CancelToken cancel;
  SignalRouter signals(&cancel, &live);
  setenv("BOOTGATE_IMAGE_CACHE", DefaultImageCacheDir().c_str(), 0);

  // Everything is checked before the first VM.
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
  AbOrderMode mode = ParseAbOrderMode(o.order);
  uint64_t seed =
      o.seed >= 0
          ? static_cast<uint64_t>(o.seed)
          : static_cast<uint64_t>(clock.Now().time_since_epoch().count());

  std::vector<Scenario> scenarios;
  scenarios.push_back(LoadScenario(o.baseline));
  scenarios.push_back(LoadScenario(o.candidate));
  for (auto& s : scenarios) ScaleTimeouts(&s, o.timeout_scale);
  Scenario& base = scenarios[0];
  Scenario& cand = scenarios[1];
  // Both sides are recorded in the history: one name each, even for A vs A.
  if (base.name == cand.name) {
    base.name += "-baseline";
    cand.name += "-candidate";
  }
  std::string profile = o.profile.empty() ? base.profiles.front() : o.profile;
  auto profiles = LoadProfiles(DefaultProfileDir(base.file));
  if (!profiles.count(profile))
    throw Error("--profile", "profile '" + profile + "' does not exist in " +
                                 DefaultProfileDir(base.file));
  // The same VM shape on both sides, or the A/B measures the shape.
  if (base.vm.cpus != cand.vm.cpus || base.vm.memory_mib != cand.vm.memory_mib)
    throw Error(o.candidate,
                "the VM shape differs from the baseline's (" +
                    std::to_string(base.vm.cpus) + " vCPU / " +
                    std::to_string(base.vm.memory_mib) + " MiB vs " +
                    std::to_string(cand.vm.cpus) + " vCPU / " +
                    std::to_string(cand.vm.memory_mib) +
                    " MiB); an A/B needs the same vm.cpus and vm.memory_mib");
  if (base.backend != cand.backend)
    throw Error(o.candidate, "backend " + cand.backend +
                                 " differs from the baseline's " +
                                 base.backend);

  std::string state_dir = DefaultStateDir();
  for (const auto& l : CleanLeftovers(state_dir, DestroyLeftoverDomain))
    std::fprintf(stderr,
                 "bootgate: cleaned up after a bootgate that died: %s\n",
                 l.action.c_str());
  AccelResolver accel(KvmProber(&launcher, QemuBinary(), DefaultCacheDir(),
                                FindProbeKernel("")),
                      ProbeHost::Current);
  std::unique_ptr<Backend> backend =
      MakeBackend(base.backend, base.connect, &launcher, &clock, &accel, &live);
  RecipeRunner recipes(&launcher, &cancel);
  for (const auto& s : scenarios) {
    try {
      if (!s.image.recipe.empty()) recipes.Ensure(s.image.recipe);
      if (!s.install.media.recipe.empty())
        recipes.Ensure(s.install.media.recipe);
    } catch (const Error& e) {
      std::fprintf(stderr, "bootgate: error: %s: the image recipe failed: %s\n",
                   s.file.c_str(), SanitizeForTerminal(e.what()).c_str());
      return 2;
    }
  }

  std::string run_id = AbRunId(clock);
  std::string report_dir =
      o.report_dir.empty() ? o.reports_root + "/" + run_id : o.report_dir;
  std::filesystem::create_directories(report_dir);
  LibsshConnector ssh;
  TerminalProgress progress(stderr, o.quiet, isatty(STDERR_FILENO) != 0);
  LoopbackPortPicker ports;
  RunContext ctx;
  ctx.services = {backend.get(), &launcher, &clock,   &cancel,
                  &ssh,          &progress, &recipes, &ports};
  ctx.options.profiles = profiles;
  ctx.options.state_dir = state_dir;
  ctx.options.report_dir = report_dir;
  ctx.options.accel_override = o.accel;
  ctx.options.keep = o.keep;

  // The design: a fixed number of pairs (one look at alpha), or looks of
  // the group-sequential rule up to MAX pairs.
  std::vector<SequentialLook> looks =
      o.until_decided > 0 ? SequentialLooks(o.until_decided, o.alpha)
                          : std::vector<SequentialLook>{{o.pairs, o.alpha}};
  const int max_pairs = looks.back().pairs;
  std::vector<std::string> schedule = AbSchedule(max_pairs, mode, seed);
  if (!o.quiet)
    std::fprintf(stderr,
                 "bootgate ab %s: %s (baseline) vs %s (candidate), %s %d "
                 "pairs, order %s "
                 "(seed %llu), reports in %s\n",
                 run_id.c_str(), base.name.c_str(), cand.name.c_str(),
                 o.until_decided > 0 ? "up to" : "", max_pairs, o.order.c_str(),
                 static_cast<unsigned long long>(seed), report_dir.c_str());

  SuiteResult suite;
  suite.run_id = run_id;
  suite.started_at = clock.WallTimeRfc3339();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  suite.host = host;
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
        back.verdict == Verdict::kInterrupted || cancel.cancelled()) {
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
  for (auto& r : suite.runs) {
    try {
      if (!r.image.empty() && std::filesystem::is_regular_file(r.image))
        r.image_sha256 = Sha256File(r.image);
    } catch (const Error&) {
    }
  }
  JudgeSuite(&suite, &scenarios);
  suite.finished_at = clock.WallTimeRfc3339();

  int rc = AbExitCode(ab);
  if (!o.history.empty()) {
    try {
      History(o.history).Record(suite);
    } catch (const std::exception& e) {
      std::fprintf(
          stderr,
          "bootgate: error: could not record the runs in the history %s: %s\n",
          o.history.c_str(), e.what());
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
                 report_dir.c_str(), e.what());
    rc = 2;
  }
  std::string table = FormatAbTable(ab);
  std::fputs(SanitizeForDisplay(table).c_str(), stdout);
  std::printf("report: %s/report.json\n", report_dir.c_str());
  std::fflush(stdout);
  return rc;
}

}  // namespace bootgate
