#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "backend/qemu/qemu_backend.h"
#include "cli/backends.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/doctor.h"
#include "cli/style.h"
#include "cli/summary.h"
#include "history/compare.h"
#include "history/history.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/markdown_report.h"
#include "report/prometheus_report.h"
#include "runner/dry_run.h"
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

// --dry-run: the first iteration of each scenario x profile, prepared and
// written out; no VM starts, nothing is judged or recorded.
int DryRunMain(const std::vector<Scenario>& scenarios, const SuiteOptions& so,
               const RunContext& ctx) {
  SuiteOptions first = so;
  first.iterations = 1;
  first.warmup = 0;
  int rc = 0;
  for (const PlannedRun& p : PlanRuns(scenarios, first)) {
    std::string sub = p.scenario->name + "." + p.profile + ".iter1";
    try {
      DryRunResult d = DryRunScenario({p.scenario, p.profile, 1, sub, ""},
                                      ctx.services, ctx.options);
      std::printf("%s/%s (dry run, no VM started):\n",
                  Safe(p.scenario->name).c_str(), Safe(p.profile).c_str());
      for (const auto& n : d.notes)
        std::printf("  %s\n", SanitizeForTerminal(n).c_str());
      for (const auto& f : d.files)
        std::printf("  wrote %s\n", SanitizeForTerminal(f).c_str());
      std::printf("  prepared files kept in %s (remove with: rm -rf %s)\n",
                  SanitizeForTerminal(d.workspace).c_str(),
                  SanitizeForTerminal(d.workspace).c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bootgate: error: %s/%s: %s\n",
                   Safe(p.scenario->name).c_str(), Safe(p.profile).c_str(),
                   SanitizeForTerminal(e.what()).c_str());
      rc = 2;
    }
  }
  return rc;
}

// Everything a run needs, loaded and validated before any VM starts: the
// scenarios (timeouts scaled) and the profiles; every problem is named.
struct Loaded {
  std::vector<Scenario> scenarios;
  std::map<std::string, Profile> profiles;
  std::vector<std::string> problems;
};

Loaded LoadForRun(const RunCommandOptions& o) {
  Loaded l;
  std::vector<Scenario>& scenarios = l.scenarios;
  std::vector<std::string>& problems = l.problems;
  for (const auto& f : o.scenarios) {
    try {
      scenarios.push_back(LoadScenario(f));
      ScaleTimeouts(&scenarios.back(), o.timeout_scale);
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  std::set<std::string> names;
  for (const auto& s : scenarios)
    if (!names.insert(s.name).second)
      problems.push_back(s.file + ": /name: two scenarios are named '" +
                         s.name + "'; names must be unique in one run");
  std::string profile_dir =
      DefaultProfileDir(scenarios.empty() ? "" : scenarios.front().file);
  std::map<std::string, Profile>& profiles = l.profiles;
  try {
    profiles = LoadProfiles(profile_dir);
  } catch (const Error& e) {
    problems.push_back(e.what());
  }
  for (const auto& s : scenarios) {
    for (const auto& p : o.profiles.empty() ? s.profiles : o.profiles) {
      if (!profiles.count(p)) {
        std::string known;
        for (const auto& [k, v] : profiles)
          known += (known.empty() ? "" : ", ") + k;
        problems.push_back(s.file + ": /profiles: profile '" + p +
                           "' does not exist in " + profile_dir +
                           " (known: " + known + ")");
      } else if (std::string why =
                     CdromBusConflict(profiles.at(p), s.vm.cdrom_bus);
                 !why.empty()) {
        problems.push_back(s.file + ": /vm/cdrom_bus: " + why);
      }
    }
  }
  // --connect names a libvirt URI: with the qemu backend nothing would read
  // it, so it is refused rather than ignored.
  for (const auto& s : scenarios) {
    const std::string backend = o.backend.empty() ? s.backend : o.backend;
    if (!o.connect.empty() && backend == "qemu") {
      problems.push_back(
          "--connect: '" + o.connect + "' is a libvirt URI, but " + s.file +
          " runs on the qemu backend, which ignores it; add --backend "
          "libvirt or drop --connect");
    }
  }
  return l;
}

// The suite options from the command line (labels, shard, run id).
SuiteOptions SuiteOptionsFor(const RunCommandOptions& o, const Clock& clock) {
  SuiteOptions so;
  so.iterations = o.iterations;
  so.warmup = o.warmup;
  so.retries = o.retries;
  so.jobs = o.jobs;
  so.until_confident_max = o.until_confident;
  so.boots_per_install = o.boots_per_install;
  so.profiles = o.profiles;
  so.build_id = o.build_id;
  for (const auto& l : o.labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("--label", "'" + l + "' is not of the form key=value");
    so.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  if (!o.shard.empty()) {
    if (std::sscanf(o.shard.c_str(), "%d/%d", &so.shard_index,
                    &so.shard_count) != 2 ||
        so.shard_count < 1 || so.shard_index < 1 ||
        so.shard_index > so.shard_count)
      throw Error("--shard", "'" + o.shard + "' is not K/N with 1 <= K <= N");
  }
  so.run_id = NewRunId(clock);
  return so;
}

// Says which accelerator runs will use, decided once before the first VM.
void SayAccel(const std::vector<Scenario>& scenarios,
              const RunCommandOptions& o, Backend& backend) {
  // The accelerator is decided once, before the first VM, and said.
  bool wants_kvm = o.accel == "kvm" || o.accel == "auto";
  for (const auto& s : scenarios)
    wants_kvm = wants_kvm || (o.accel.empty() && s.vm.accel != "tcg");
  if (wants_kvm && !o.quiet) {
    try {
      auto [chosen, why] =
          backend.ResolveAccel(o.accel.empty() ? "auto" : o.accel);
      std::fprintf(stderr, "  accel: %s: %s\n", Safe(chosen).c_str(),
                   Safe(why).c_str());
    } catch (const Error&) {
      // Said again, as the run's error, by every run that needs it.
    }
  }
}

// Records, writes, pushes and prints the judged suite; the exit code.
int FinishRun(const SuiteResult& suite, const RunCommandOptions& o,
              History* history, const std::string& report_dir,
              ProcessLauncher& launcher) {
  int rc = ExitCodeFor(suite.verdict);
  // A history that cannot be written must not cost the reports, and reports
  // that cannot be written must never leave an older report.json looking
  // like this run's: it is removed first and written last.
  if (history) {
    try {
      history->Record(suite);
    } catch (const std::exception& e) {
      std::fprintf(
          stderr,
          "bootgate: error: could not record the run in the history %s: %s\n",
          Safe(o.history).c_str(), Safe(e.what()).c_str());
      rc = 2;
    }
  }
  bool reports_written = false;
  try {
    std::error_code ec;
    fs::remove(report_dir + "/report.json", ec);
    WriteReports(suite, report_dir, history, launcher, !o.no_html);
    reports_written = true;
  } catch (const std::exception& e) {
    std::fprintf(
        stderr,
        "bootgate: error: could not write the reports to %s, so there is no "
        "report.json for this run (free space or fix permissions there and run "
        "again): %s\n",
        Safe(report_dir).c_str(), Safe(e.what()).c_str());
    rc = 2;
  }
  if (!o.pushgateway.empty()) {
    try {
      PushToGateway(suite, o.pushgateway);
    } catch (const Error& e) {
      std::fprintf(stderr, "bootgate: error: %s\n", Safe(e.what()).c_str());
      rc = std::max(rc, 2);
    }
  }
  PrintSummary(suite, stdout, o.quiet, UseColorFor(stdout, o.no_color));
  if (o.quiet) {
    // The error above already said why.
  } else if (reports_written) {
    std::printf("report: %s/report.json\n", report_dir.c_str());
  } else {
    std::printf("report: not written (see the error above)\n");
  }
  std::fflush(stdout);
  return rc;
}

}  // namespace

int RunCommandMain(const RunCommandOptions& o) {
  CommandHost host;
  if (!(o.timeout_scale > 0))
    throw Error("--timeout-scale", "must be a number above 0");
  Loaded loaded = LoadForRun(o);
  if (!loaded.problems.empty()) {
    for (const auto& p : loaded.problems)
      std::fprintf(stderr, "bootgate: error: %s\n", Safe(p).c_str());
    return 2;
  }
  const std::vector<Scenario>& scenarios = loaded.scenarios;
  std::string state_dir = DefaultStateDir();
  AnnounceLeftovers(CleanLeftovers(state_dir, DestroyLeftoverDomain));
  SuiteOptions so = SuiteOptionsFor(o, host.clock);
  std::string report_dir =
      o.report_dir.empty() ? o.reports_root + "/" + so.run_id : o.report_dir;
  fs::create_directories(report_dir);
  std::unique_ptr<History> history;
  if (!o.history.empty()) history = std::make_unique<History>(o.history);

  std::string backend_name =
      o.backend.empty() ? scenarios.front().backend : o.backend;
  for (const auto& s : scenarios)
    if (o.backend.empty() && s.backend != backend_name)
      throw Error(s.file,
                  "all scenarios of one run must use the same backend (or pass "
                  "--backend)");
  std::string connect =
      o.connect.empty() ? scenarios.front().connect : o.connect;
  RunBackend backend = OpenRunBackend(backend_name, connect, o.probe_kernel,
                                      &host.launcher, &host.clock, &host.live);
  RecipeRunner recipes(&host.launcher, &host.cancel);
  if (int rc = PrepareImages(scenarios, o.quiet, recipes, host.clock); rc != 0)
    return rc;

  RunOptions run_options;
  run_options.profiles = loaded.profiles;
  run_options.state_dir = state_dir;
  run_options.report_dir = report_dir;
  run_options.accel_override = o.accel;
  run_options.keep = o.keep;
  run_options.echo_console = o.console;
  RunSession session(o.quiet);
  RunContext ctx = session.Context(host, backend.backend.get(), &recipes,
                                   std::move(run_options));

  if (o.dry_run) return DryRunMain(scenarios, so, ctx);

  if (!o.quiet)
    std::fprintf(stderr, "bootgate: run %s: %zu scenario(s), reports in %s%s\n",
                 so.run_id.c_str(), scenarios.size(), report_dir.c_str(),
                 o.timeout_scale != 1.0
                     ? (", timeouts x" + Fmt(o.timeout_scale)).c_str()
                     : "");
  SayAccel(scenarios, o, *backend.backend);
  SuiteResult suite = RunSuite(scenarios, so, ctx);
  suite.bootgate_version = BootgateVersion();
  suite.timeout_scale = o.timeout_scale;
  HashRunImages(&suite.runs);

  return FinishRun(suite, o, history.get(), report_dir, host.launcher);
}

}  // namespace bootgate
