// What the command files of cli/ share (internal to bootgate_cli): run ids,
// number and verdict formatting for the terminal, and the report writer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "backend/qemu/accel_resolver.h"
#include "history/history.h"
#include "report/html_report.h"
#include "result/result.h"
#include "runner/image_prep.h"
#include "runner/progress.h"
#include "runner/run_context.h"
#include "runner/workspace.h"
#include "scenario/scenario.h"
#include "ssh/ssh_client.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/ports.h"
#include "util/process.h"
#include "util/resource_registry.h"

namespace bootgate {

/// What a command that starts VMs owns for its whole life: the clock, every
/// child process group and libvirt domain (for a second Ctrl-C to kill
/// before it forces the exit; declared before what registers in it, so it
/// outlives them), the launcher, the cancel token and the signal router.
/// Constructing it also points ${BOOTGATE_IMAGE_CACHE} at the image cache
/// (unless set), the one answer recipes and scenarios share.
struct CommandHost {
  CommandHost();
  SystemClock clock;
  ResourceRegistry live;
  PosixProcessLauncher launcher{&live};
  CancelToken cancel;
  SignalRouter signals{&cancel, &live};
};

/// "20261130-010203-1a2b": the wall time and the low bits of the pid, with
/// `tag` before them ("20261130-010203-ab1a2b" for tag "ab").
std::string NewRunId(const Clock& clock, std::string_view tag = "");
/// `v` with `prec` decimals.
std::string Fmt(double v, int prec = 2);
/// "PASS", "FAIL"...
std::string Upper(Verdict v);
/// Reasons, warnings and console lines quote the guest (a fail-pattern line,
/// libssh's error with the guest's banner, QEMU's stderr) and reports read
/// back by `merge` may hold anything: every such string goes through this.
std::string Safe(std::string_view text);
/// The history's trend of each judged metric of the suite's groups.
std::vector<TrendSeries> Trends(History* history, const SuiteResult& suite);
/// Writes every report format; each file appears complete or not at all,
/// report.json last.
void WriteReports(const SuiteResult& suite, const std::string& dir,
                  History* history, ProcessLauncher& launcher, bool html);
/// Says on stderr what was cleaned up after a bootgate that died.
void AnnounceLeftovers(const std::vector<Leftover>& left);

/// The backend of a run and the accelerator resolver it asks. The resolver
/// is declared first: it outlives the backend that points at it.
struct RunBackend {
  std::unique_ptr<AccelResolver> accel;
  std::unique_ptr<Backend> backend;
};
/// Opens backend `name` ("qemu" | "libvirt") at `connect`, with the KVM
/// probe booting `probe_kernel` (empty: the default probe kernel).
RunBackend OpenRunBackend(const std::string& name, const std::string& connect,
                          const std::string& probe_kernel,
                          ProcessLauncher* launcher, const Clock* clock,
                          ResourceRegistry* live);
/// Runs the image recipes of `scenarios` (image and install media) before
/// the first VM, so that no run's timing includes building one; a recipe
/// still running after 2 s is announced unless `quiet`. Returns 0, or 2
/// after saying on stderr which scenario's recipe failed or was interrupted.
int PrepareImages(const std::vector<Scenario>& scenarios, bool quiet,
                  RecipeRunner& recipes, const Clock& clock);
/// What a command that runs scenarios hands each run besides CommandHost's
/// clock, launcher and cancel token: the SSH connector, the progress lines
/// and the SSH-forward ports; and the one place `run` and `ab` make a
/// RunContext of them (so the two cannot drift apart). Outlives the runs.
struct RunSession {
  explicit RunSession(bool quiet);
  /// The context of every run: these services, `host`'s, `backend`,
  /// `recipes`, and `options`.
  RunContext Context(CommandHost& host, Backend* backend, RecipeRunner* recipes,
                     RunOptions options);
  LibsshConnector ssh;
  TerminalProgress progress;
  LoopbackPortPicker ports;
};
/// Records the SHA-256 of each run's image file (runs whose image is not a
/// regular file, or cannot be read, keep none).
void HashRunImages(std::vector<RunResult>* runs);

}  // namespace bootgate
