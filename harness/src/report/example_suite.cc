#include "report/example_suite.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <utility>

#include "budget/budget.h"
#include "budget/judge_suite.h"
#include "util/fs.h"

namespace bootgate::testing {
namespace {

CheckResult Check(const std::string& name, const std::string& command,
                  bool passed, double duration_s) {
  CheckResult c;
  c.name = name;
  c.command = command;
  c.verdict = passed ? Verdict::kPass : Verdict::kFail;
  c.exit_status = passed ? 0 : 1;
  c.reason = passed ? "" : "exit status 1, expected 0";
  c.output_excerpt = passed ? "ok\n" : "netstat: no listener on :22\n";
  c.duration_s = duration_s;
  c.channel = "ssh";
  return c;
}

// A booted run with the usual phases and milestones, scaled to `boot_s`.
RunResult BootedRun(const std::string& scenario, const std::string& profile,
                    int iteration, double boot_s, double ram_mib,
                    double disk_mib) {
  RunResult r;
  r.scenario = scenario;
  r.scenario_file = "scenarios/" + scenario + ".json";
  r.profile = profile;
  r.backend = profile == "hyperv-gen2" ? "libvirt" : "qemu";
  r.connect_uri = profile == "hyperv-gen2" ? "qemu:///session" : "";
  r.hypervisor_version = "QEMU 7.2.15";
  r.accelerator = "tcg";
  r.accel_note = "/dev/kvm absent; fell back to TCG";
  r.iteration = iteration;
  r.attempt = 1;
  r.verdict = Verdict::kPass;
  r.reason = "all budgets and checks passed";
  r.phase = "done";
  r.metrics = {{"boot_s", boot_s},
               {"ssh_ready_s", boot_s + 1.5},
               {"ram_mib", ram_mib},
               {"disk_mib", disk_mib}};
  r.details = {{"mem_total_mib", 481.5}, {"disk_host_mib", disk_mib + 64}};
  r.samples = {{"ram_mib", {ram_mib - 1, ram_mib, ram_mib + 0.5}}};
  double fw = 0.05 * boot_s, loader = 0.2 * boot_s, kernel = 0.5 * boot_s;
  r.phases = {{"firmware", 0, fw},
              {"bootloader", fw, loader},
              {"kernel", loader, kernel},
              {"userspace", kernel, boot_s},
              {"ssh", boot_s, boot_s + 1.5}};
  r.milestones = {{"grub", fw, "GNU GRUB  version 2.06"},
                  {"linux-version", loader, "Linux version 6.1.0-28-cloud-amd64"},
                  {"reached-target", 0.9 * boot_s, "Reached target Multi-User System"},
                  {"login", boot_s, scenario + " login:"}};
  r.vm_phases = {{"boot", "runs/" + scenario + "/" + profile + "/" +
                              std::to_string(iteration) + "/console.log",
                  {"qemu-system-x86_64", "-machine", "q35", "-accel", "tcg"},
                  "terminated by bootgate",
                  1767225600.123456 + 60 * iteration}};
  r.console_tail = {"Welcome to " + scenario, scenario + " login: "};
  r.profile_requested = {{"machine", "q35"}, {"firmware", "bios"}};
  r.profile_applied = {{"machine", "q35"}, {"firmware", "bios"}};
  r.access_channel = "ssh";
  r.ssh_port = 40022 + iteration;
  r.host_key_sha256 = "SHA256:q3l9bJ0p1Yk2Zs4ExampleKeyHashOnly0000000000";
  r.disk_judged = "guest df /";
  r.image = "images/.cache/" + scenario + ".qcow2";
  r.image_sha256 =
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  r.started_at = "2026-01-01T00:0" + std::to_string(iteration) + ":00.000Z";
  r.wall_s = boot_s + 14.25;
  r.run_dir = "runs/" + scenario + "/" + profile + "/" + std::to_string(iteration);
  return r;
}

// A scenario that carries only what the judge reads: its budgets.
Scenario Judging(const std::string& name,
                 const std::map<std::string, double>& limits) {
  Scenario s;
  s.name = name;
  for (const auto& [metric, limit] : limits)
    s.budgets.limits[metric].any = limit;
  return s;
}

// Judges one run as the pipeline does: its per-run budgets, then JudgeRun.
void JudgeOne(RunResult& r, const Scenario& scenario, const RunEnd& end = {}) {
  r.budgets =
      EvaluateBudgets(scenario.budgets, r.metrics, r.profile, r.accelerator);
  ApplyJudgement(JudgeRun(r.checks, r.budgets, end), &r);
}

// alpine-virt / hyperv-gen2: a kernel panic, then a timeout.
std::pair<RunResult, RunResult> PanicThenTimeout(const Scenario& alpine) {
  RunResult k1 = BootedRun("alpine-virt", "hyperv-gen2", 1, 0, 0, 0);
  k1.phase = "kernel";
  k1.metrics.clear();
  k1.details.clear();
  k1.samples.clear();
  k1.phases = {
      {"firmware", 0, 0.4}, {"bootloader", 0.4, 1.1}, {"kernel", 1.1, 3.2}};
  k1.milestones = {{"linux-version", 1.1, "Linux version 6.1.0"},
                   {"kernel-panic", 3.2, "Kernel panic - not syncing: VFS"}};
  k1.console_tail = {
      "[    3.180000] VFS: Cannot open root device \"vda2\" or "
      "unknown-block(0,0)",
      "[    3.190000] Please append a correct \"root=\" boot option; <here> & "
      "there",
      std::string(
          "[    3.200000] Kernel panic - not syncing: VFS \x01\x1b[0m|x|"),
      "[    3.210000] ---[ end Kernel panic ]---"};
  k1.access_channel = "none";
  k1.ssh_port = 0;
  k1.wall_s = 4.75;
  RunResult k2 = k1;
  k2.iteration = 2;
  k2.phase = "boot";
  k2.phases = {{"firmware", 0, 0.4}, {"bootloader", 0.4, 1.2}};
  k2.milestones = {{"grub", 0.4, "GNU GRUB  version 2.06"}};
  k2.console_tail = {"Booting `Alpine Linux'", "Loading Linux virt ..."};
  k2.started_at = "2026-01-01T00:12:00.000Z";
  k2.wall_s = 121.5;
  k2.run_dir = "runs/alpine-virt/hyperv-gen2/2";
  JudgeOne(k1, alpine,
           {Verdict::kFail, "kernel-panic",
            "kernel panic at 3.2 s: VFS: Unable to mount root fs on "
            "unknown-block(0,0)"});
  JudgeOne(k2, alpine,
           {Verdict::kFail, "timeout",
            "no login prompt within 120 s (boot timeout)"});

  return {k1, k2};
}

}  // namespace

SuiteResult ExampleSuite() {
  SuiteResult suite;
  suite.run_id = "20260101T000000Z-7f3a";
  suite.started_at = "2026-01-01T00:00:00.000Z";
  suite.finished_at = "2026-01-01T00:14:30.500Z";
  suite.host = "ci-runner-3";
  suite.bootgate_version = "0.1.0";
  suite.timeout_scale = 1.5;
  suite.build_id = "photon-5.0-build-1234";
  suite.labels = {{"branch", "main"}, {"commit", "abc1234"}};
  suite.report_dir = "reports/20260101T000000Z-7f3a";

  // photon-minimal / qemu-kvm: a warm-up and two passing iterations.
  RunResult warm = BootedRun("photon-minimal", "qemu-kvm", 1, 12.5, 150, 880);
  warm.warmup = true;
  warm.reason = "warm-up run, not counted";
  RunResult p1 = BootedRun("photon-minimal", "qemu-kvm", 1, 9.0, 141.5, 880);
  RunResult p2 = BootedRun("photon-minimal", "qemu-kvm", 2, 11.0, 142.5, 881);
  for (RunResult* r : {&warm, &p1, &p2}) {
    r->metrics["install_s"] = 18.5;
    r->metrics["image_mib"] = 470;
    r->vm_phases.insert(r->vm_phases.begin(),
                        {"install", "runs/install/console.log",
                         {"qemu-system-x86_64", "-cdrom", "photon.iso"},
                         "guest rebooted", 1767225500.5});
    r->checks = {Check("sshd listening", "ss -ltn | grep -q ':22 '", true, 0.21),
                 Check("tdnf works", "tdnf --version", true, 0.48)};
  }
  const Scenario photon = Judging("photon-minimal", {{"boot_s", 45},
                                                     {"ram_mib", 150},
                                                     {"disk_mib", 1024},
                                                     {"install_s", 20}});
  const Scenario alpine =
      Judging("alpine-virt", {{"boot_s", 20}, {"ram_mib", 64}});
  for (RunResult* r : {&warm, &p1, &p2}) JudgeOne(*r, photon);
  // Second iteration needed a retry: attempt 1 could not log in.
  RunResult p2a = p2;
  p2.attempt = 2;
  p2.passed_after_retry = true;
  p2.warnings = {"attempt 1 lost the console for 3 s; retried"};
  p2a.metrics = {{"boot_s", 10.4}};
  p2a.checks.clear();
  p2a.console_tail = {"photon-minimal login: "};
  JudgeOne(
      p2a, photon,
      {Verdict::kError, "ssh", "SSH did not answer within 60 s on port 40024"});

  // photon-minimal / hyperv-gen2: boot budget broken, a check failed.
  RunResult h1 = BootedRun("photon-minimal", "hyperv-gen2", 1, 52.4, 146, 902);
  RunResult h2 = BootedRun("photon-minimal", "hyperv-gen2", 2, 49.9, 145, 902);
  for (RunResult* r : {&h1, &h2}) {
    r->metrics["install_s"] = 19.5;
    r->profile_requested = {{"machine", "q35"},
                            {"firmware", "uefi"},
                            {"cpu_flags", "hv-relaxed,hv-synic"}};
    r->profile_applied = {{"machine", "q35"}, {"firmware", "uefi"}, {"cpu_flags", ""}};
    r->warnings = {
        "profile not honoured: hv-* CPU flags need KVM; dropped under TCG"};
    r->checks = {Check("sshd listening", "ss -ltn | grep -q ':22 '", true, 0.3)};
  }
  h2.checks.push_back(
      Check("dropbear listening", "pgrep dropbear", false, 0.12));
  for (RunResult* r : {&h1, &h2}) JudgeOne(*r, photon);

  // alpine-virt / qemu-kvm: one passing iteration.
  RunResult a1 = BootedRun("alpine-virt", "qemu-kvm", 1, 6.1, 48.2, 112);
  a1.checks = {Check("apk works", "apk --version", true, 0.05)};
  JudgeOne(a1, alpine);

  auto [k1, k2] = PanicThenTimeout(alpine);

  suite.runs = {warm, p1, p2a, p2, h1, h2, a1, k1, k2};
  const std::vector<Scenario> scenarios = {photon, alpine};
  JudgeSuite(&suite, &scenarios);
  return suite;
}

SuiteResult OwnBudgetNoteSuite() {
  SuiteResult suite;
  suite.run_id = "own-budget";
  suite.build_id = "b1";
  const Scenario alpine =
      Judging("alpine-virt", {{"boot_s", 10}, {"ram_mib", 64}});
  for (double boot_s : {9.0, 10.5}) {
    RunResult r =
        BootedRun("alpine-virt", "qemu-kvm",
                  static_cast<int>(suite.runs.size()) + 1, boot_s, 0, 0);
    r.metrics.erase("ram_mib");
    r.metrics.erase("disk_mib");
    r.checks.clear();
    JudgeOne(r, alpine);
    suite.runs.push_back(r);
  }
  const std::vector<Scenario> scenarios = {alpine};
  JudgeSuite(&suite, &scenarios);
  return suite;
}

std::string GoldenPath(const std::string& name) {
  const char* source = std::getenv("BOOTGATE_SOURCE_DIR");
  std::filesystem::path root =
      source != nullptr
          ? std::filesystem::path(source) / "harness/src/report"
          : std::filesystem::path(__FILE__).parent_path();
  return (root / "testdata" / name).string();
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = GoldenPath(name);
  // One variable for every golden of the project; rewriting never
  // compares the output with what it just wrote.
  const char* update = std::getenv("BOOTGATE_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    WriteFileAtomic(path, actual);
    return;
  }
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "golden file " << path
                  << " is missing; run with BOOTGATE_UPDATE_GOLDENS=1";
    return;
  }
  std::string expected = ReadFile(path);
  if (expected == actual) return;
  std::istringstream e(expected), a(actual);
  std::string el, al;
  int line = 1;
  while (true) {
    bool he = static_cast<bool>(std::getline(e, el));
    bool ha = static_cast<bool>(std::getline(a, al));
    if (!he && !ha) break;
    if (el != al || he != ha) {
      ADD_FAILURE() << "output differs from golden " << path << " at line "
                    << line << ":\n  golden: " << (he ? el : "<end>")
                    << "\n  actual: " << (ha ? al : "<end>")
                    << "\n(set BOOTGATE_UPDATE_GOLDENS=1 to regenerate)";
      return;
    }
    ++line;
  }
  ADD_FAILURE() << "output differs from golden " << path
                << " (line endings?)";
}

}  // namespace bootgate::testing
