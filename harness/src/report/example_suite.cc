#include "report/example_suite.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "util/fs.h"

namespace bootgate::testing {
namespace {

BudgetResult Budget(const std::string& metric, double value, double limit,
                    const std::string& statistic, const std::string& note = "") {
  BudgetResult b;
  b.metric = metric;
  b.value = value;
  b.limit = limit;
  b.statistic = statistic;
  b.margin = limit - value;
  b.margin_pct = limit == 0 ? 0 : 100.0 * (limit - value) / limit;
  b.verdict = value <= limit ? Verdict::kPass : Verdict::kFail;
  b.note = note;
  return b;
}

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

Stats MakeStats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  Stats s;
  s.n = static_cast<int>(values.size());
  s.min = values.front();
  s.max = values.back();
  size_t n = values.size();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  s.p95 = values.back();
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / n;
  double var = 0;
  for (double v : values) var += (v - s.mean) * (v - s.mean);
  s.stdev = n > 1 ? std::sqrt(var / (n - 1)) : 0;
  s.cov = s.mean == 0 ? 0 : s.stdev / s.mean;
  // Too few runs for a 95% interval: [min, max] with its real coverage.
  s.ci_low = s.min;
  s.ci_high = s.max;
  s.ci_level = 1 - 2 * std::pow(0.5, static_cast<double>(n));
  return s;
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
  RunResult warm = BootedRun("photon-minimal", "qemu-kvm", 0, 12.5, 150, 880);
  warm.warmup = true;
  warm.reason = "warm-up run, not counted";
  RunResult p1 = BootedRun("photon-minimal", "qemu-kvm", 1, 9.8, 141.5, 880);
  RunResult p2 = BootedRun("photon-minimal", "qemu-kvm", 2, 10.2, 142.5, 881);
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
  // Second iteration needed a retry.
  p2.attempt = 2;
  p2.passed_after_retry = true;
  p2.warnings = {"attempt 1 lost the console for 3 s; retried"};
  for (RunResult* r : {&p1, &p2}) {
    r->budgets = {Budget("boot_s", r->metrics["boot_s"], 45, "value"),
                  Budget("ram_mib", r->metrics["ram_mib"], 150, "value"),
                  Budget("disk_mib", r->metrics["disk_mib"], 1024, "value"),
                  Budget("install_s", r->metrics["install_s"], 20, "value")};
  }

  // photon-minimal / hyperv-gen2: boot budget broken, a check failed.
  RunResult h1 = BootedRun("photon-minimal", "hyperv-gen2", 1, 52.4, 146, 902);
  RunResult h2 = BootedRun("photon-minimal", "hyperv-gen2", 2, 49.9, 145, 902);
  for (RunResult* r : {&h1, &h2}) {
    r->verdict = Verdict::kFail;
    r->reason = "boot_s " + std::to_string(r->metrics["boot_s"]).substr(0, 4) +
                " s exceeds its budget of 45 s";
    r->profile_requested = {{"machine", "q35"},
                            {"firmware", "uefi"},
                            {"cpu_flags", "hv-relaxed,hv-synic"}};
    r->profile_applied = {{"machine", "q35"}, {"firmware", "uefi"}, {"cpu_flags", ""}};
    r->warnings = {"profile not honoured: hv-* CPU flags need KVM; dropped under TCG"};
    r->budgets = {Budget("boot_s", r->metrics["boot_s"], 45, "value"),
                  Budget("ram_mib", r->metrics["ram_mib"], 150, "value")};
    r->checks = {Check("sshd listening", "ss -ltn | grep -q ':22 '", true, 0.3)};
  }
  h2.checks.push_back(
      Check("dropbear listening", "pgrep dropbear", false, 0.12));
  h2.reason += "; check 'dropbear listening' failed";

  // alpine-virt / qemu-kvm: one passing iteration.
  RunResult a1 = BootedRun("alpine-virt", "qemu-kvm", 1, 6.1, 48.2, 112);
  a1.budgets = {Budget("boot_s", 6.1, 20, "value"),
                Budget("ram_mib", 48.2, 64, "value")};
  a1.checks = {Check("apk works", "apk --version", true, 0.05)};

  // alpine-virt / hyperv-gen2: a kernel panic, then a timeout.
  RunResult k1 = BootedRun("alpine-virt", "hyperv-gen2", 1, 0, 0, 0);
  k1.verdict = Verdict::kFail;
  k1.failure_class = "kernel-panic";
  k1.phase = "kernel";
  k1.reason = "kernel panic at 3.2 s: VFS: Unable to mount root fs on unknown-block(0,0)";
  k1.metrics.clear();
  k1.details.clear();
  k1.samples.clear();
  k1.phases = {{"firmware", 0, 0.4}, {"bootloader", 0.4, 1.1}, {"kernel", 1.1, 3.2}};
  k1.milestones = {{"linux-version", 1.1, "Linux version 6.1.0"},
                   {"kernel-panic", 3.2, "Kernel panic - not syncing: VFS"}};
  k1.console_tail = {
      "[    3.180000] VFS: Cannot open root device \"vda2\" or unknown-block(0,0)",
      "[    3.190000] Please append a correct \"root=\" boot option; <here> & there",
      std::string("[    3.200000] Kernel panic - not syncing: VFS \x01\x1b[0m|x|"),
      "[    3.210000] ---[ end Kernel panic ]---"};
  k1.access_channel = "none";
  k1.ssh_port = 0;
  k1.wall_s = 4.75;
  RunResult k2 = k1;
  k2.iteration = 2;
  k2.failure_class = "timeout";
  k2.phase = "boot";
  k2.reason = "no login prompt within 120 s (boot timeout)";
  k2.phases = {{"firmware", 0, 0.4}, {"bootloader", 0.4, 1.2}};
  k2.milestones = {{"grub", 0.4, "GNU GRUB  version 2.06"}};
  k2.console_tail = {"Booting `Alpine Linux'", "Loading Linux virt ..."};
  k2.started_at = "2026-01-01T00:12:00.000Z";
  k2.wall_s = 121.5;
  k2.run_dir = "runs/alpine-virt/hyperv-gen2/2";

  suite.runs = {warm, p1, p2, h1, h2, a1, k1, k2};

  AggregateResult ap;
  ap.scenario = "photon-minimal";
  ap.profile = "qemu-kvm";
  ap.backend = "qemu";
  ap.accelerator = "tcg";
  ap.verdict = Verdict::kPass;
  ap.reason = "2 counted iterations passed";
  ap.stats = {{"boot_s", MakeStats({9.8, 10.2})},
              {"ram_mib", MakeStats({141.5, 142.5})},
              {"disk_mib", MakeStats({880, 881})},
              {"install_s", MakeStats({18.5, 18.5})}};
  ap.budgets = {Budget("boot_s", 10.0, 45, "median"),
                Budget("ram_mib", 142, 150, "median"),
                Budget("disk_mib", 880.5, 1024, "median"),
                Budget("install_s", 18.5, 20, "median")};
  ap.warnings = {"noisy host: boot_s CoV 12% over 2 iterations"};

  AggregateResult ah;
  ah.scenario = "photon-minimal";
  ah.profile = "hyperv-gen2";
  ah.backend = "libvirt";
  ah.accelerator = "tcg";
  ah.verdict = Verdict::kFail;
  ah.reason = "boot_s median 51.15 s exceeds its budget of 45 s";
  ah.stats = {{"boot_s", MakeStats({52.4, 49.9})},
              {"ram_mib", MakeStats({146, 145})}};
  ah.budgets = {Budget("boot_s", 51.15, 45, "median"),
                Budget("ram_mib", 145.5, 150, "median")};
  ah.warnings = {"profile not honoured: hv-* CPU flags need KVM; dropped under TCG"};

  AggregateResult aa;
  aa.scenario = "alpine-virt";
  aa.profile = "qemu-kvm";
  aa.backend = "qemu";
  aa.accelerator = "tcg";
  aa.verdict = Verdict::kPass;
  aa.reason = "1 counted iteration passed";
  aa.stats = {{"boot_s", MakeStats({6.1})}, {"ram_mib", MakeStats({48.2})}};
  aa.budgets = {Budget("boot_s", 6.1, 20, "median", "a single iteration; no CI"),
                Budget("ram_mib", 48.2, 64, "median")};

  AggregateResult ak;
  ak.scenario = "alpine-virt";
  ak.profile = "hyperv-gen2";
  ak.backend = "libvirt";
  ak.accelerator = "tcg";
  ak.verdict = Verdict::kFail;
  ak.reason = "every iteration failed before login (kernel-panic, timeout)";

  suite.aggregates = {ap, ah, aa, ak};
  suite.verdict = Verdict::kFail;
  return suite;
}

SuiteResult OwnBudgetNoteSuite() {
  SuiteResult suite;
  suite.run_id = "own-budget";
  suite.build_id = "b1";
  BudgetResult ram = Budget("ram_mib", 0, 64, "value");
  ram.verdict = Verdict::kSkipped;
  ram.note = "metric not measured";
  for (double boot_s : {9.0, 10.5}) {
    RunResult r =
        BootedRun("alpine-virt", "qemu-kvm",
                  static_cast<int>(suite.runs.size()) + 1, boot_s, 0, 0);
    r.metrics.erase("ram_mib");
    r.metrics.erase("disk_mib");
    r.checks.clear();
    r.budgets = {Budget("boot_s", boot_s, 10, "value"), ram};
    r.verdict = boot_s > 10 ? Verdict::kFail : Verdict::kPass;
    r.failure_class = boot_s > 10 ? "budget" : "";
    r.reason = boot_s > 10 ? "boot_s 10.5 exceeds its budget of 10.0"
                           : "all budgets and checks passed";
    suite.runs.push_back(r);
  }
  AggregateResult a;
  a.scenario = "alpine-virt";
  a.profile = "qemu-kvm";
  a.backend = "qemu";
  a.accelerator = "tcg";
  a.verdict = Verdict::kPass;
  a.stats = {{"boot_s", MakeStats({9, 10.5})}};
  BudgetResult agg_ram = Budget("ram_mib", 0, 64, "median");
  agg_ram.verdict = Verdict::kSkipped;
  agg_ram.note = "metric not measured in any counted run";
  a.budgets = {Budget("boot_s", 9.75, 10, "median"), agg_ram};
  suite.aggregates = {a};
  suite.verdict = Verdict::kPass;
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
  const char* update = std::getenv("BOOTGATE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    WriteFileAtomic(path, actual);
    return;
  }
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "golden file " << path
                  << " is missing; run with BOOTGATE_UPDATE_GOLDEN=1";
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
                    << "\n(set BOOTGATE_UPDATE_GOLDEN=1 to regenerate)";
      return;
    }
    ++line;
  }
  ADD_FAILURE() << "output differs from golden " << path
                << " (line endings?)";
}

}  // namespace bootgate::testing
