#include "cli/cli_util.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>

#include "cli/backends.h"
#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/markdown_report.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/paths.h"
#include "util/sanitize.h"

namespace bootgate {

CommandHost::CommandHost() {
  setenv("BOOTGATE_IMAGE_CACHE", DefaultImageCacheDir().c_str(), 0);
}

std::string NewRunId(const Clock& clock, std::string_view tag) {
  std::string t = clock.WallTimeRfc3339();  // 2026-11-30T01:02:03.456Z
  std::string id;
  for (char c : t.substr(0, 19))
    if (c != '-' && c != ':') id += c == 'T' ? '-' : c;
  char pid_bits[8];
  std::snprintf(pid_bits, sizeof pid_bits, "%04x",
                static_cast<unsigned>(getpid()) & 0xffff);
  return id + "-" + std::string(tag) + pid_bits;
}

std::string Fmt(double v, int prec) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

std::string Upper(Verdict v) {
  std::string s = ToString(v);
  for (auto& c : s) c = static_cast<char>(toupper(c));
  return s;
}

std::string Safe(std::string_view text) { return SanitizeForTerminal(text); }

std::vector<TrendSeries> Trends(History* history, const SuiteResult& suite) {
  std::vector<TrendSeries> out;
  if (!history) return out;
  for (const auto& a : suite.aggregates) {
    for (const char* m :
         {"boot_s", "install_s", "ssh_ready_s", "ram_mib", "disk_mib"}) {
      if (!a.stats.count(m)) continue;
      TrendSeries t{a.scenario,
                    a.profile,
                    m,
                    history->MetricTrend(a.scenario, a.profile, m, 50),
                    {}};
      for (const auto& b : a.budgets)
        if (b.metric == m) t.limit = b.limit;
      if (!t.points.empty()) out.push_back(t);
    }
  }
  return out;
}

void WriteReports(const SuiteResult& suite, const std::string& dir,
                  History* history, ProcessLauncher& launcher, bool html) {
  WriteFileAtomic(dir + "/junit.xml", RenderJUnit(suite));
  WriteFileAtomic(dir + "/summary.md", RenderMarkdown(suite));
  if (html)
    WriteHtmlReport(suite, Trends(history, suite), dir + "/report.html",
                    launcher);
  // report.json last: its presence means the run's reports are complete.
  WriteFileAtomic(dir + "/report.json", RenderJson(suite));
}

void AnnounceLeftovers(const std::vector<Leftover>& left) {
  for (const auto& l : left)
    std::fprintf(stderr,
                 l.skipped
                     ? "bootgate: warning: %s\n"
                     : "bootgate: cleaned up after a bootgate that died: %s\n",
                 Safe(l.action).c_str());
}

RunBackend OpenRunBackend(const std::string& name, const std::string& connect,
                          const std::string& probe_kernel,
                          ProcessLauncher* launcher, const Clock* clock,
                          ResourceRegistry* live) {
  RunBackend b;
  b.accel = std::make_unique<AccelResolver>(
      KvmProber(launcher, QemuBinary(), DefaultCacheDir(),
                FindProbeKernel(probe_kernel)),
      ProbeHost::Current);
  b.backend = MakeBackend(name, connect, launcher, clock, b.accel.get(), live);
  return b;
}

int PrepareImages(const std::vector<Scenario>& scenarios, bool quiet,
                  RecipeRunner& recipes, const Clock& clock) {
  // A recipe usually answers "up to date" in milliseconds; one that builds
  // (a minute for images/debian/build.sh) is announced rather than silent.
  auto prepare = [&](const std::string& recipe) {
    if (recipe.empty()) return;
    TimePoint start = clock.Now();
    auto said =
        std::async(std::launch::async, [&] { return recipes.Ensure(recipe); });
    if (said.wait_for(std::chrono::seconds(2)) != std::future_status::ready &&
        !quiet)
      std::fprintf(stderr,
                   "  image: running %s (it builds the image when missing or "
                   "stale)...\n",
                   Safe(recipe).c_str());
    std::string last_line = said.get();
    double took_s = ToSeconds(clock.Now() - start);
    if (took_s >= 2 && !quiet && !last_line.empty())
      std::fprintf(stderr, "  image: %s (%.0f s)\n", Safe(last_line).c_str(),
                   took_s);
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
                   Safe(e.what()).c_str(), Safe(s.file).c_str());
      return 2;
    } catch (const Error& e) {
      std::fprintf(stderr, "bootgate: error: %s: the image recipe failed: %s\n",
                   Safe(s.file).c_str(), Safe(e.what()).c_str());
      return 2;
    }
  }
  return 0;
}

void HashRunImages(std::vector<RunResult>* runs) {
  for (auto& r : *runs) {
    try {
      if (!r.image.empty() && std::filesystem::is_regular_file(r.image))
        r.image_sha256 = Sha256File(r.image);
    } catch (const Error&) {
      // An image removed during the run: the run keeps no digest.
    }
  }
}

RunSession::RunSession(bool quiet)
    : progress(stderr, quiet, isatty(STDERR_FILENO) != 0) {}

RunContext RunSession::Context(CommandHost& host, Backend* backend,
                               RecipeRunner* recipes, RunOptions options) {
  RunContext ctx;
  ctx.services = {backend, &host.launcher, &host.clock, &host.cancel,
                  &ssh,    &progress,      recipes,     &ports};
  ctx.options = std::move(options);
  return ctx;
}

}  // namespace bootgate
