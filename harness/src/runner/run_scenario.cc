#include "runner/run_scenario.h"

#include "metrics/checks.h"
#include "metrics/explain/collect.h"
#include "runner/image_prep.h"
#include "runner/install_reuse.h"
#include "runner/run_stages.h"

namespace bootgate {

RunResult RunScenario(const RunRequest& run, const RunServices& svc, const RunOptions& opt) {
  const Scenario& s = *run.scenario;
  TimePoint start = svc.clock->Now();
  auto step = [&](const std::string& what) {
    if (svc.progress) svc.progress->Update(run.Label(), what, 0, std::nullopt);
  };
  RunResult result;
  {
    RunStages st;  // owns the workspace, the VM and the channel: torn down at '}'
    st.started_at = svc.clock->WallTimeRfc3339();
    try {
      st.accel = ChooseAccel(run, svc, opt);
      st.setup = SetUpRun(run, *st.accel, svc, opt);
      if (s.install.enabled && !run.installed_disk.empty()) {
        st.install = ReuseInstall(run, &*st.setup, svc);
      } else if (s.install.enabled) {
        st.install = RunInstall(run, *st.setup, svc, opt);
        if (st.install->failure) std::rethrow_exception(st.install->failure);
        if (!run.keep_installed_disk_at.empty()) KeepInstall(run, *st.setup, svc, &*st.install);
      }
      st.booted = BootSystem(run, *st.setup, st.install ? &*st.install : nullptr, svc, opt);
      st.ssh = StartSsh(*st.booted, run, *st.setup, svc);
      st.login = WaitForLogin(*st.booted, run, *st.setup, svc, st.ssh.get());
      st.access = OpenAccess(*st.booted, st.ssh.get(), run, *st.setup, svc);
      CommandChannel* channel = st.access->channel.get();
      if (channel && s.sample_enabled) {
        st.samples = SampleGuest(*channel, s.sample, *svc.clock, svc.cancel, step);
        if (!st.booted->system_disk.empty())
          st.host_disk = MeasureHostDisk(*svc.launcher, st.booted->system_disk);
      }
      if (channel && s.explain.enabled) {
        step("explain");
        st.explain = CollectExplanation(*channel, s.explain,
                                        s.sample.disk_mount, *svc.clock);
      }
      st.checks = RunChecks(channel, s.checks, st.setup->profile_fields,
                            ScenarioSecrets(s), step);
    } catch (...) {
      st.stop = StopForCurrentException();
    }
    result = AssembleRunResult(run, svc, opt, st);
    result.install_id = run.install_id;
    if (st.setup && st.setup->workspace->kept() && svc.progress)
      svc.progress->Note(run.Label(), "kept " + st.setup->workspace->path() +
                                          " (--keep); remove it with: rm -rf " +
                                          st.setup->workspace->path());
  }
  result.wall_s = ToSeconds(svc.clock->Now() - start);
  if (svc.progress) svc.progress->Done(run.Label());
  return result;
}

}  // namespace bootgate
