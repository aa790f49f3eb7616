#include "runner/suite.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "budget/budget.h"
#include "runner/install_reuse.h"
#include "budget/judge_suite.h"
#include "metrics/meminfo.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {

std::string PlannedRun::key() const { return scenario->name + "/" + profile; }

namespace {

// How many other VM runs overlapped each run, at most.
class Overlaps {
 public:
  int Begin() {
    std::lock_guard lock(mu_);
    int id = next_id_++;
    for (auto& [other, max] : active_) max = std::max(max, static_cast<int>(active_.size()));
    active_[id] = static_cast<int>(active_.size());
    return id;
  }
  int End(int id) {
    std::lock_guard lock(mu_);
    int max = active_[id];
    active_.erase(id);
    return max;
  }

 private:
  std::mutex mu_;
  int next_id_ = 0;
  std::map<int, int> active_;  // run -> most other runs seen beside it
};

}  // namespace

std::vector<PlannedRun> PlanRuns(const std::vector<Scenario>& scenarios,
                                 const SuiteOptions& o) {
  std::vector<PlannedRun> plan;
  std::vector<std::string> groups;
  for (const auto& s : scenarios) {
    const auto& profiles = o.profiles.empty() ? s.profiles : o.profiles;
    for (const auto& p : profiles) {
      std::string key = s.name + "/" + p;
      if (std::find(groups.begin(), groups.end(), key) != groups.end()) continue;
      groups.push_back(key);
      int warm = o.warmup >= 0 ? o.warmup : s.warmup;
      int iters = o.iterations > 0 ? o.iterations : s.iterations;
      for (int w = 1; w <= warm; ++w) plan.push_back({&s, p, w, true});
      for (int i = 1; i <= iters; ++i) plan.push_back({&s, p, i, false});
    }
  }
  if (o.shard_count > 0) {
    // Stable: a group's shard depends only on its name, so adding a
    // scenario never reshuffles the others.
    std::vector<PlannedRun> mine;
    for (const auto& r : plan) {
      // FNV-1a, not std::hash: stable across implementations and versions.
      uint64_t f = 1469598103934665603ull;
      for (unsigned char c : r.key()) f = (f ^ c) * 1099511628211ull;
      if (static_cast<int>(f % static_cast<uint64_t>(o.shard_count)) == o.shard_index - 1)
        mine.push_back(r);
    }
    return mine;
  }
  return plan;
}

int DefaultJobs(int vm_cpus, int vm_memory_mib) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  // MemAvailable, not free pages: the page cache a VM can reclaim counts.
  double free_mib = 0;
  try {
    free_mib = ParseMeminfo(ReadFile("/proc/meminfo")).available_mib;
  } catch (const Error&) {
    free_mib = static_cast<double>(sysconf(_SC_AVPHYS_PAGES)) * sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
  }
  int by_cpu = static_cast<int>(std::max<long>(1, cores / std::max(1, vm_cpus)));
  // Keep a quarter of free memory for the host and QEMU's own overhead.
  int by_mem = static_cast<int>(std::max(1.0, free_mib * 0.75 / std::max(64, vm_memory_mib + 128)));
  return std::max(1, std::min(by_cpu, by_mem));
}

std::vector<std::string> PlannedGroups(const std::vector<Scenario>& scenarios,
                                       const SuiteOptions& options) {
  SuiteOptions whole = options;
  whole.shard_count = 0;
  std::vector<std::string> groups;
  for (const PlannedRun& p : PlanRuns(scenarios, whole)) {
    if (groups.empty() || groups.back() != p.key()) groups.push_back(p.key());
  }
  return groups;
}

namespace {

// One `bootgate run`'s plan on the worker pool: whole scenario x profile
// groups per worker, each run with its attempts (--retries, the KVM->TCG
// fallback), then --until-confident's extra samples.
class SuiteRunner {
 public:
  SuiteRunner(const std::vector<Scenario>& scenarios, const SuiteOptions& o,
              RunContext& ctx)
      : scenarios_(scenarios), o_(o), ctx_(ctx) {}

  std::vector<RunResult> Run(const std::vector<PlannedRun>& plan, int jobs) {
    // A scenario x profile group's warm-ups and iterations run one after
    // another, warm-ups first, so that they never slow each other; only
    // different groups share the host.
    for (const auto& p : plan) {
      if (groups_.empty() || groups_.back().front().key() != p.key())
        groups_.emplace_back();
      groups_.back().push_back(p);
    }
    std::vector<std::thread> threads;
    for (int i = 0;
         i < std::max(1, std::min<int>(jobs, static_cast<int>(groups_.size())));
         ++i)
      threads.emplace_back([this] { Worker(); });
    for (auto& t : threads) t.join();
    return results_;
  }

  // --until-confident: more samples for inconclusive groups, bounded.
  void UntilConfident(SuiteResult& suite) {
    if (o_.until_confident_max <= 0) return;
    while (!Cancelled()) {
      std::vector<PlannedRun> more;
      for (const auto& a : suite.aggregates) {
        if (!NeedsMoreSamples(a)) continue;
        int n = 0;
        const Scenario* sc = nullptr;
        for (const auto& r : suite.runs)
          if (r.scenario == a.scenario && r.profile == a.profile && !r.warmup)
            n = std::max(n, r.iteration);
        for (const auto& s : scenarios_)
          if (s.name == a.scenario) sc = &s;
        if (sc && n < o_.until_confident_max)
          more.push_back({sc, a.profile, n + 1, false});
      }
      if (more.empty()) break;
      for (const auto& p : more) RunOne(p);
      suite.runs = results_;
      JudgeSuite(&suite, &scenarios_);
    }
  }

  bool Cancelled() const {
    return ctx_.services.cancel && ctx_.services.cancel->cancelled();
  }

 private:
  // One planned run and its attempts; all of them go into the results.
  void RunOne(const PlannedRun& p, GroupInstalls* installs = nullptr) {
    std::vector<RunResult> attempts;
    std::string forced_accel, fallback_reason;
    int last_attempt = 1 + o_.retries;
    for (int attempt = 1; attempt <= last_attempt; ++attempt) {
      std::string sub = p.scenario->name + "." + p.profile + "." +
                        (p.warmup ? "warmup" : "iter") + std::to_string(p.iteration) +
                        (attempt > 1 ? ".attempt" + std::to_string(attempt) : "");
      int slot = overlaps_.Begin();
      RunRequest request{p.scenario, p.profile, p.iteration, sub, forced_accel};
      if (installs) installs->Prepare(&request);
      RunResult r = RunScenario(request, ctx_.services, ctx_.options);
      if (installs) installs->Finished(request);
      r.concurrent_vms = overlaps_.End(slot);
      r.warmup = p.warmup;
      r.attempt = attempt;
      r.labels = p.scenario->labels;
      if (!forced_accel.empty()) {
        r.accel_note = "fell back to TCG after attempt " + std::to_string(attempt - 1) +
                       " under KVM: " + fallback_reason;
      }
      bool cancelled = Cancelled();
      if (r.failure_class == "kvm-stuck" && !cancelled) {
        if (r.accel_requested == "auto" && forced_accel.empty()) {
          // KVM was chosen for this host and failed it: say so for the
          // host, and run this attempt again under TCG (an extra attempt,
          // not one of --retries).
          ctx_.services.backend->ReportAccelBroken("kvm", r.reason);
          fallback_reason = r.reason;
          forced_accel = "tcg";
          ++last_attempt;
          attempts.push_back(r);
          continue;
        }
        // Explicit KVM never falls back; the evidence goes with the error.
        r.reason += "; the accelerator was decided thus: " + r.accel_note;
      }
      attempts.push_back(r);
      // Only "could not measure" is retried; a failed budget never is.
      if (r.verdict != Verdict::kError || cancelled) break;
    }
    // The TCG rerun after KVM failed is not a retry of a flaky run.
    size_t tries = attempts.size() - (forced_accel.empty() ? 0 : 1);
    if (tries > 1 && attempts.back().verdict == Verdict::kPass)
      attempts.back().passed_after_retry = true;
    std::lock_guard lock(mu_);
    for (auto& a : attempts) results_.push_back(std::move(a));
  }

  // Takes whole groups until none is left; an exclusive group runs alone.
  void Worker() {
    while (true) {
      const std::vector<PlannedRun>* group = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] {
          if (next_ >= groups_.size()) return true;
          if (exclusive_running_) return false;
          if (groups_[next_].front().scenario->exclusive) return running_ == 0;
          return true;
        });
        if (next_ >= groups_.size()) return;
        if (Cancelled()) {
          next_ = groups_.size();
          cv_.notify_all();
          return;
        }
        group = &groups_[next_++];
        ++running_;
        if (group->front().scenario->exclusive) exclusive_running_ = true;
      }
      const Scenario& s = *group->front().scenario;
      GroupInstalls installs(
          o_.boots_per_install > 0 ? o_.boots_per_install : s.install.boots_per_install,
          ctx_.options.state_dir, group->front().key(), ctx_.options.keep);
      // Warm-ups install for themselves: their installs are not samples.
      GroupInstalls own(1, ctx_.options.state_dir, group->front().key(), ctx_.options.keep);
      for (const PlannedRun& p : *group) {
        if (Cancelled()) break;
        RunOne(p, p.warmup ? &own : &installs);
      }
      {
        std::lock_guard lock(mu_);
        --running_;
        if (group->front().scenario->exclusive) exclusive_running_ = false;
      }
      cv_.notify_all();
    }
  }

  const std::vector<Scenario>& scenarios_;
  const SuiteOptions& o_;
  RunContext& ctx_;
  std::vector<std::vector<PlannedRun>> groups_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0;
  int running_ = 0;
  bool exclusive_running_ = false;
  std::vector<RunResult> results_;
  Overlaps overlaps_;
};

}  // namespace

SuiteResult RunSuite(const std::vector<Scenario>& scenarios,
                     const SuiteOptions& o, RunContext& ctx) {
  SuiteResult suite;
  suite.run_id = o.run_id;
  suite.build_id = o.build_id;
  suite.labels = o.labels;
  suite.started_at = ctx.services.clock->WallTimeRfc3339();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  suite.host = host;
  suite.report_dir = ctx.options.report_dir;
  suite.shard_index = o.shard_index;
  suite.shard_count = o.shard_count;
  suite.planned_groups = PlannedGroups(scenarios, o);

  std::vector<PlannedRun> plan = PlanRuns(scenarios, o);
  int max_cpus = 1, max_mem = 256;
  for (const auto& p : plan) {
    max_cpus = std::max(max_cpus, p.scenario->vm.cpus);
    max_mem = std::max(max_mem, p.scenario->vm.memory_mib);
  }
  int jobs = o.jobs > 0 ? o.jobs : DefaultJobs(max_cpus, max_mem);

  SuiteRunner runner(scenarios, o, ctx);
  suite.runs = runner.Run(plan, jobs);
  JudgeSuite(&suite, &scenarios);
  runner.UntilConfident(suite);
  std::sort(suite.runs.begin(), suite.runs.end(), [](const RunResult& a, const RunResult& b) {
    return std::tie(a.scenario, a.profile, a.warmup, a.iteration, a.attempt) <
           std::tie(b.scenario, b.profile, b.warmup, b.iteration, b.attempt);
  });
  // Runs that never started are not invented; the judge ranks
  // "interrupted" below a group that already failed (verdict.h).
  suite.interrupted = runner.Cancelled();
  JudgeSuite(&suite, &scenarios);
  suite.finished_at = ctx.services.clock->WallTimeRfc3339();
  return suite;
}

}  // namespace bootgate
