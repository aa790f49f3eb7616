#include "cli/commands.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "backend/qemu/qemu_backend.h"
#include "cli/backends.h"
#include "cli/doctor.h"
#include "cli/style.h"
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

std::string NewRunId(const Clock& clock) {
  std::string t = clock.WallTimeRfc3339();  // 2026-11-30T01:02:03.456Z
  std::string id;
  for (char c : t.substr(0, 19))
    if (c != '-' && c != ':') id += c == 'T' ? '-' : c;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "-%04x", static_cast<unsigned>(getpid()) & 0xffff);
  return id + suffix;
}

std::string Fmt(double v, int prec = 2) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

std::string Upper(Verdict v) {
  std::string s = ToString(v);
  for (auto& c : s) c = static_cast<char>(toupper(c));
  return s;
}

// Reasons, warnings and console lines quote the guest (a fail-pattern line,
// libssh's error with the guest's banner, QEMU's stderr) and reports read
// back by `merge` may hold anything: every such string is sanitised here.
std::string Safe(std::string_view text) { return SanitizeForTerminal(text); }

/// The table, failures and verdict line; only the verdict line when `quiet`.
/// Verdict words are coloured when `color`.
void PrintSummary(const SuiteResult& suite, FILE* out, bool quiet = false,
                  bool color = false) {
  auto verdict_word = [&](Verdict v, int width) {
    std::string word = Upper(v);
    std::string padded = word;
    if (static_cast<int>(padded.size()) < width) padded.resize(width, ' ');
    return Paint(word, padded, color);
  };
  if (quiet) {
    std::fprintf(out, "verdict: %s\n", verdict_word(suite.verdict, 0).c_str());
    return;
  }
  std::fprintf(out, "\n%-28s %-10s %-5s %-6s %-12s %s\n", "scenario", "profile", "accel",
               "runs", "verdict", "metrics (judged statistic vs budget)");
  for (const auto& a : suite.aggregates) {
    int n = 0;
    for (const auto& r : suite.runs)
      if (r.scenario == a.scenario && r.profile == a.profile && !r.warmup) ++n;
    std::string metrics;
    std::set<std::string> judged;
    for (const auto& b : a.budgets) {
      judged.insert(b.metric);
      if (b.verdict == Verdict::kSkipped) {
        metrics += b.metric + " not measured  ";
        continue;
      }
      metrics += b.metric + " " + Fmt(b.value) + (b.verdict == Verdict::kFail ? " > " : " <= ") +
                 Fmt(b.limit, 1) + " [" + ToString(b.verdict) + "]  ";
    }
    for (const auto& [m, st] : a.stats) {
      if (judged.count(m) || m.rfind("phase_", 0) == 0 || m == "debug_port_s") continue;
      metrics += m + " " + Fmt(st.median) + "  ";
    }
    std::fprintf(out, "%-28s %-10s %-5s %-6d %s %s\n", Safe(a.scenario).c_str(),
                 Safe(a.profile).c_str(), Safe(a.accelerator).c_str(), n,
                 verdict_word(a.verdict, 12).c_str(), Safe(metrics).c_str());
    if (a.verdict != Verdict::kPass && !a.reason.empty())
      std::fprintf(out, "    reason: %s\n", Safe(a.reason).c_str());
    for (const auto& w : a.warnings)
      std::fprintf(out, "    warning: %s\n", Safe(w).c_str());
  }
  for (const auto& r : suite.runs) {
    if (r.verdict == Verdict::kPass || r.warmup) continue;
    std::fprintf(
        out, "  %s/%s #%d%s: %s: %s\n", Safe(r.scenario).c_str(),
        Safe(r.profile).c_str(), r.iteration,
        r.attempt > 1 ? (" attempt " + std::to_string(r.attempt)).c_str() : "",
        verdict_word(r.verdict, 0).c_str(), Safe(r.reason).c_str());
    if (!r.console_tail.empty()) {
      std::fprintf(out, "    last console lines:\n");
      size_t from = r.console_tail.size() > 8 ? r.console_tail.size() - 8 : 0;
      for (size_t i = from; i < r.console_tail.size(); ++i)
        std::fprintf(out, "    | %s\n", Safe(r.console_tail[i]).c_str());
    }
  }
  std::fprintf(out, "\nverdict: %s\n", verdict_word(suite.verdict, 0).c_str());
}

std::vector<TrendSeries> Trends(History* history, const SuiteResult& suite) {
  std::vector<TrendSeries> out;
  if (!history) return out;
  for (const auto& a : suite.aggregates) {
    for (const char* m : {"boot_s", "install_s", "ssh_ready_s", "ram_mib", "disk_mib"}) {
      if (!a.stats.count(m)) continue;
      TrendSeries t{a.scenario, a.profile, m, history->MetricTrend(a.scenario, a.profile, m, 50), {}};
      for (const auto& b : a.budgets)
        if (b.metric == m) t.limit = b.limit;
      if (!t.points.empty()) out.push_back(t);
    }
  }
  return out;
}

// Writes every report format; each file appears complete or not at all.
void WriteReports(const SuiteResult& suite, const std::string& dir, History* history,
                  ProcessLauncher& launcher, bool html) {
  WriteFileAtomic(dir + "/junit.xml", RenderJUnit(suite));
  WriteFileAtomic(dir + "/summary.md", RenderMarkdown(suite));
  if (html) WriteHtmlReport(suite, Trends(history, suite), dir + "/report.html", launcher);
  // report.json last: its presence means the run's reports are complete.
  WriteFileAtomic(dir + "/report.json", RenderJson(suite));
}

void AnnounceLeftovers(const std::vector<Leftover>& left) {
  for (const auto& l : left)
    std::fprintf(stderr, l.skipped ? "bootgate: warning: %s\n" : "bootgate: cleaned up after a bootgate that died: %s\n",
                 Safe(l.action).c_str());
}

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
      DryRunResult d = DryRunScenario({p.scenario, p.profile, 1, sub, ""}, ctx.services, ctx.options);
      std::printf("%s/%s (dry run, no VM started):\n", Safe(p.scenario->name).c_str(), Safe(p.profile).c_str());
      for (const auto& n : d.notes) std::printf("  %s\n", SanitizeForTerminal(n).c_str());
      for (const auto& f : d.files) std::printf("  wrote %s\n", SanitizeForTerminal(f).c_str());
      std::printf("  prepared files kept in %s (remove with: rm -rf %s)\n",
                  SanitizeForTerminal(d.workspace).c_str(), SanitizeForTerminal(d.workspace).c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bootgate: error: %s/%s: %s\n", Safe(p.scenario->name).c_str(),
                   Safe(p.profile).c_str(), SanitizeForTerminal(e.what()).c_str());
      rc = 2;
    }
  }
  return rc;
}

}  // namespace

int RunCommandMain(const RunCommandOptions& o) {
  SystemClock clock;
  // Every child process group and libvirt domain of this run, for a second
  // Ctrl-C to kill before it forces the exit. Outlives everything it holds.
  ResourceRegistry live;
  PosixProcessLauncher launcher(&live);
  CancelToken cancel;
  SignalRouter signals(&cancel, &live);

  // Recipes (images/reference/build.sh) build into the cache the scenarios
  // name as ${BOOTGATE_IMAGE_CACHE}: one answer for both, from here.
  setenv("BOOTGATE_IMAGE_CACHE", DefaultImageCacheDir().c_str(), 0);
  if (!(o.timeout_scale > 0))
    throw Error("--timeout-scale", "must be a number above 0");

  // Load and validate everything before any VM starts.
  std::vector<Scenario> scenarios;
  std::vector<std::string> problems;
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
      problems.push_back(s.file + ": /name: two scenarios are named '" + s.name + "'; names must be unique in one run");
  std::string profile_dir = DefaultProfileDir(scenarios.empty() ? "" : scenarios.front().file);
  std::map<std::string, Profile> profiles;
  try {
    profiles = LoadProfiles(profile_dir);
  } catch (const Error& e) {
    problems.push_back(e.what());
  }
  for (const auto& s : scenarios) {
    for (const auto& p : o.profiles.empty() ? s.profiles : o.profiles) {
      if (!profiles.count(p)) {
        std::string known;
        for (const auto& [k, v] : profiles) known += (known.empty() ? "" : ", ") + k;
        problems.push_back(s.file + ": /profiles: profile '" + p + "' does not exist in " + profile_dir +
                           " (known: " + known + ")");
      } else if (std::string why =
                     CdromBusConflict(profiles.at(p), s.vm.cdrom_bus);
                 !why.empty()) {
        problems.push_back(s.file + ": /vm/cdrom_bus: " + why);
      }
    }
  }
  if (!problems.empty()) {
    for (const auto& p : problems)
      std::fprintf(stderr, "bootgate: error: %s\n", Safe(p).c_str());
    return 2;
  }

  std::string state_dir = DefaultStateDir();
  AnnounceLeftovers(CleanLeftovers(state_dir, DestroyLeftoverDomain));

  SuiteOptions so;
  so.iterations = o.iterations;
  so.warmup = o.warmup;
  so.retries = o.retries;
  so.jobs = o.jobs;
  so.until_confident_max = o.until_confident;
  so.profiles = o.profiles;
  so.build_id = o.build_id;
  for (const auto& l : o.labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("--label", "'" + l + "' is not of the form key=value");
    so.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  if (!o.shard.empty()) {
    if (std::sscanf(o.shard.c_str(), "%d/%d", &so.shard_index, &so.shard_count) != 2 ||
        so.shard_count < 1 || so.shard_index < 1 || so.shard_index > so.shard_count)
      throw Error("--shard", "'" + o.shard + "' is not K/N with 1 <= K <= N");
  }
  so.run_id = NewRunId(clock);
  std::string report_dir =
      o.report_dir.empty() ? o.reports_root + "/" + so.run_id : o.report_dir;
  fs::create_directories(report_dir);

  std::unique_ptr<History> history;
  if (!o.history.empty()) history = std::make_unique<History>(o.history);

  std::string backend_name = o.backend.empty() ? scenarios.front().backend : o.backend;
  for (const auto& s : scenarios)
    if (o.backend.empty() && s.backend != backend_name)
      throw Error(s.file, "all scenarios of one run must use the same backend (or pass --backend)");
  std::string connect = o.connect.empty() ? scenarios.front().connect : o.connect;
  AccelResolver accel(KvmProber(&launcher, QemuBinary(), DefaultCacheDir(),
                                FindProbeKernel(o.probe_kernel)),
                      ProbeHost::Current);
  std::unique_ptr<Backend> backend =
      MakeBackend(backend_name, connect, &launcher, &clock, &accel, &live);

  // Images are prepared before the first VM, so no run's timing or the
  // harness overhead includes building one.
  RecipeRunner recipes(&launcher, &cancel);
  // A recipe usually answers "up to date" in milliseconds; one that builds
  // (a minute for images/debian/build.sh) is announced rather than silent.
  auto prepare = [&](const std::string& recipe) {
    if (recipe.empty()) return;
    TimePoint start = clock.Now();
    auto said = std::async(std::launch::async, [&] { return recipes.Ensure(recipe); });
    if (said.wait_for(std::chrono::seconds(2)) != std::future_status::ready && !o.quiet)
      std::fprintf(stderr, "  image: running %s (it builds the image when missing or stale)...\n",
                   Safe(recipe).c_str());
    std::string last_line = said.get();
    double took_s = ToSeconds(clock.Now() - start);
    if (took_s >= 2 && !o.quiet && !last_line.empty())
      std::fprintf(stderr, "  image: %s (%.0f s)\n", Safe(last_line).c_str(), took_s);
  };
  for (const auto& s : scenarios) {
    try {
      prepare(s.image.recipe);
      prepare(s.install.media.recipe);
    } catch (const Interrupted& e) {
      std::fprintf(stderr,
                   "bootgate: interrupted (%s) while an image recipe of %s "
                   "ran; it and every "
                   "process it started were stopped\n",
                   Safe(e.what()).c_str(), s.file.c_str());
      return 2;
    } catch (const Error& e) {
      std::fprintf(stderr, "bootgate: error: %s: the image recipe failed: %s\n",
                   s.file.c_str(), Safe(e.what()).c_str());
      return 2;
    }
  }

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
  ctx.options.echo_console = o.console;

  if (o.dry_run) return DryRunMain(scenarios, so, ctx);

  if (!o.quiet)
    std::fprintf(stderr, "bootgate: run %s: %zu scenario(s), reports in %s%s\n",
                 so.run_id.c_str(), scenarios.size(), report_dir.c_str(),
                 o.timeout_scale != 1.0
                     ? (", timeouts x" + Fmt(o.timeout_scale)).c_str()
                     : "");
  // The accelerator is decided once, before the first VM, and said.
  bool wants_kvm = o.accel == "kvm" || o.accel == "auto";
  for (const auto& s : scenarios) wants_kvm = wants_kvm || (o.accel.empty() && s.vm.accel != "tcg");
  if (wants_kvm && !o.quiet) {
    try {
      auto [chosen, why] = backend->ResolveAccel(o.accel.empty() ? "auto" : o.accel);
      std::fprintf(stderr, "  accel: %s: %s\n", Safe(chosen).c_str(), Safe(why).c_str());
    } catch (const Error&) {
      // Said again, as the run's error, by every run that needs it.
    }
  }
  SuiteResult suite = RunSuite(scenarios, so, ctx);
  suite.bootgate_version = BootgateVersion();
  suite.timeout_scale = o.timeout_scale;
  for (auto& r : suite.runs) {
    try {
      if (!r.image.empty() && fs::is_regular_file(r.image)) r.image_sha256 = Sha256File(r.image);
    } catch (const Error&) {
    }
  }

  int rc = ExitCodeFor(suite.verdict);
  // A history that cannot be written must not cost the reports, and reports
  // that cannot be written must never leave an older report.json looking
  // like this run's: it is removed first and written last.
  if (history) {
    try {
      history->Record(suite);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bootgate: error: could not record the run in the history %s: %s\n",
                   Safe(o.history).c_str(), Safe(e.what()).c_str());
      rc = 2;
    }
  }
  bool reports_written = false;
  try {
    std::error_code ec;
    fs::remove(report_dir + "/report.json", ec);
    WriteReports(suite, report_dir, history.get(), launcher, !o.no_html);
    reports_written = true;
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "bootgate: error: could not write the reports to %s, so there is no "
                 "report.json for this run (free space or fix permissions there and run again): %s\n",
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

int ValidateMain(const std::vector<std::string>& files) {
  int bad = 0;
  for (const auto& f : files) {
    std::string text;
    try {
      text = ReadFile(f);
    } catch (const Error& e) {
      std::fprintf(stderr, "%s: error: cannot read the file: %s\n", Safe(f).c_str(), Safe(e.what()).c_str());
      ++bad;
      continue;
    }
    std::vector<ValidationIssue> issues;
    auto s = ParseScenario(text, f, &issues);
    if (s) {
      // Profiles are part of a valid scenario.
      try {
        auto profiles = LoadProfiles(DefaultProfileDir(s->file));
        for (const auto& p : s->profiles) {
          if (!profiles.count(p))
            issues.push_back({f, "/profiles", "profile '" + p + "' does not exist; `bootgate profiles` lists them."});
          else if (std::string why =
                       CdromBusConflict(profiles.at(p), s->vm.cdrom_bus);
                   !why.empty())
            issues.push_back({f, "/vm/cdrom_bus", why});
        }
      } catch (const Error& e) {
        issues.push_back({f, "/profiles", e.what()});
      }
    }
    if (issues.empty()) {
      std::printf("%s: ok (%s)\n", Safe(f).c_str(), Safe(s->name).c_str());
    } else {
      ++bad;
      for (const auto& i : issues) std::fprintf(stderr, "%s\n", Safe(i.ToString()).c_str());
    }
  }
  return bad ? 2 : 0;
}

int ProfilesMain(const std::string& dir_in) {
  std::string dir = dir_in.empty() ? DefaultProfileDir("") : dir_in;
  auto profiles = LoadProfiles(dir);
  std::printf("%-12s %-8s %-6s %-12s %-6s %-16s %s\n", "profile", "machine",
              "fw", "disk", "cdrom", "nic", "smbios / description");
  for (const auto& [name, p] : profiles) {
    std::string vendor = p.smbios.count("manufacturer") ? p.smbios.at("manufacturer") : "";
    std::printf("%-12s %-8s %-6s %-12s %-6s %-16s %s%s%s\n", Safe(name).c_str(), Safe(p.machine).c_str(),
                Safe(p.firmware).c_str(), Safe(p.disk_bus).c_str(),
                p.cdrom_bus.empty() ? "default" : Safe(p.cdrom_bus).c_str(), Safe(p.nic_model).c_str(),
                Safe(vendor).c_str(), vendor.empty() ? "" : " - ", Safe(p.description).c_str());
  }
  std::printf("(%zu profiles in %s)\n", profiles.size(), Safe(dir).c_str());
  return 0;
}

int HistoryMain(const std::string& db, const std::string& selector, int limit,
                const std::string& format) {
  if (!fs::exists(db)) throw Error(db, "no history database here yet; `bootgate run` creates it");
  History h(db);
  auto runs = h.QueryRuns(ParseSelector(selector));
  size_t from = runs.size() > static_cast<size_t>(limit) ? runs.size() - limit : 0;
  if (format == "json") {
    std::printf("%s", RenderHistoryJson(
                          {runs.begin() + static_cast<std::ptrdiff_t>(from),
                           runs.end()})
                          .c_str());
    return 0;
  }
  std::printf("%-20s %-24s %-22s %-10s %-5s %-4s %-12s %-9s %-9s %-9s %s\n", "started", "run id", "scenario",
              "profile", "accel", "it", "verdict", "boot_s", "ram_mib", "disk_mib", "build");
  for (size_t i = from; i < runs.size(); ++i) {
    const auto& r = runs[i];
    auto m = [&](const char* k) { return r.metrics.count(k) ? Fmt(r.metrics.at(k)) : std::string("-"); };
    // Every field may come from a report merged in from elsewhere.
    std::printf("%-20s %-24s %-22s %-10s %-5s %-4d %-12s %-9s %-9s %-9s %s\n",
                Safe(r.started_at.substr(0, 19)).c_str(), Safe(r.suite_id).c_str(), Safe(r.scenario).c_str(),
                Safe(r.profile).c_str(), Safe(r.accelerator).c_str(), r.iteration, Safe(r.verdict).c_str(),
                m("boot_s").c_str(), m("ram_mib").c_str(), m("disk_mib").c_str(), Safe(r.build_id).c_str());
  }
  std::printf("(%zu of %zu runs)\n", runs.size() - from, runs.size());
  return 0;
}

int CompareMain(const CompareCommandOptions& o) {
  if (!fs::exists(o.db))
    throw Error(o.db,
                "no history database here yet; `bootgate run` creates it");
  History h(o.db);
  CompareOptions options;
  options.alpha = o.alpha;
  options.min_effect_pct = o.min_effect_pct;
  options.metrics = o.metrics;
  options.allow_mismatch = o.allow_mismatch;
  const CompareResult result = Compare(h, ParseSelector(o.baseline),
                                       ParseSelector(o.candidate), options);
  if (!result.refusal.empty()) {
    std::fprintf(
        stderr, "bootgate: error: baseline '%s' vs candidate '%s': %s\n",
        Safe(o.baseline).c_str(), Safe(o.candidate).c_str(), Safe(result.refusal).c_str());
  }
  if (o.format == "json") {
    std::printf("%s", RenderCompareJson(result).c_str());
  } else if (result.refusal.empty()) {
    std::printf("%s", SanitizeForDisplay(FormatCompareTable(result)).c_str());
  }
  return CompareExitCode(result);
}

int ServeMain(const std::string& db, const std::string& bind) {
  CancelToken cancel;
  SignalRouter signals(&cancel);
  auto history = std::make_shared<History>(db);
  auto provider = [history] {
    std::vector<RunResult> out;
    for (const auto& h : history->LatestPerScenarioProfile())
      out.push_back(RunFromHistory(h));
    return out;
  };
  MetricsServer server(bind, provider, "");
  std::fprintf(stderr, "bootgate: serving the latest results of %s at http://%s/metrics (Ctrl-C stops)\n",
               db.c_str(), bind.c_str());
  while (!cancel.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return 0;
}

int MergeMain(const std::vector<std::string>& reports, const std::string& out_dir,
              const std::string& history_path) {
  SuiteResult merged;
  std::set<std::string> seen;
  // How each shard judged its groups; the merge re-judges the runs with it.
  std::vector<AggregateResult> judged;
  for (const auto& path : reports) {
    SuiteResult part = ParseJsonReport(ReadFile(path), path);
    judged.insert(judged.end(), part.aggregates.begin(), part.aggregates.end());
    if (merged.run_id.empty()) {
      merged = part;
      merged.runs.clear();
      merged.aggregates.clear();
    }
    if (!part.started_at.empty() && part.started_at < merged.started_at) merged.started_at = part.started_at;
    if (part.finished_at > merged.finished_at) merged.finished_at = part.finished_at;
    for (auto& r : part.runs) {
      std::string key = r.scenario + "/" + r.profile + "/" + std::to_string(r.iteration) + "/" +
                        std::to_string(r.attempt) + (r.warmup ? "w" : "");
      if (!seen.insert(key).second)
        throw Error(path, "run " + key + " appears in two shard reports; were the shards run with different --shard values?");
      r.run_dir = fs::relative(fs::path(path).parent_path() / r.run_dir, out_dir).string();
      merged.runs.push_back(r);
    }
  }
  merged.run_id += "-merged";
  merged.report_dir = out_dir;
  const std::vector<Scenario> judging = JudgingFromAggregates(judged);
  FinishSuite(&merged, &judging);
  fs::create_directories(out_dir);
  PosixProcessLauncher launcher;
  std::unique_ptr<History> history;
  if (!history_path.empty()) {
    history = std::make_unique<History>(history_path);
    history->Record(merged);
  }
  WriteReports(merged, out_dir, history.get(), launcher, true);
  PrintSummary(merged, stdout);
  std::printf("merged %zu runs from %zu reports into %s\n", merged.runs.size(), reports.size(),
              Safe(out_dir).c_str());
  return ExitCodeFor(merged.verdict);
}

int CleanMain(bool probe) {
  auto left = CleanLeftovers(DefaultStateDir(), DestroyLeftoverDomain);
  AnnounceLeftovers(left);
  size_t removed = 0;
  for (const auto& l : left) removed += l.skipped ? 0 : 1;
  std::printf("%zu leftover(s) removed from %s\n", removed, Safe(DefaultStateDir()).c_str());
  if (probe) {
    bool had = ForgetKvmVerdict(DefaultCacheDir());
    std::printf("%s\n", had ? ("forgot the cached KVM verdict in " + DefaultCacheDir() +
                                "; the next run probes again").c_str()
                             : "no cached KVM verdict to forget");
  }
  return 0;
}

int DoctorMain(const std::string& probe_kernel, bool no_color) {
  PosixProcessLauncher launcher;
  DoctorOptions o;
  o.qemu_binary = QemuBinary();
  o.state_dir = DefaultStateDir();
  o.cache_dir = DefaultCacheDir();
  o.image_cache_dir = DefaultImageCacheDir();
  fs::path profiles = DefaultProfileDir("");
  std::error_code ec;
  if (fs::is_directory(profiles, ec)) o.source_dir = profiles.parent_path().parent_path().string();
  // The directory `bootgate run` writes to by default: reports/ of the
  // checkout for the quick start, the XDG state dir when installed.
  std::string reports = DefaultReportsRoot();
  o.report_dir = reports == "reports" && !o.source_dir.empty()
                     ? o.source_dir + "/reports"
                     : reports;
  KvmProber prober(&launcher, o.qemu_binary, o.cache_dir, FindProbeKernel(probe_kernel));
  std::fprintf(stderr, "bootgate doctor: looking at this host (the KVM probe takes a few seconds)...\n");
  auto lines = CollectDoctorFacts(launcher, prober, o);
  std::fputs(RenderDoctor(lines, UseColorFor(stdout, no_color)).c_str(),
             stdout);
  return DoctorExitCode(lines);
}

}  // namespace bootgate
