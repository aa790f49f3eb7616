// bootgate: boot an image, time it, log in, measure, check, judge, report.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/ab.h"
#include "cli/commands.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/sanitize.h"

int main(int argc, char** argv) {
  using namespace bootgate;
  CLI::App app{"bootgate: image boot benchmark and conformance gate"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("bootgate ") + BootgateVersion());
  app.footer(
      "Exit codes: 0 pass, 1 the image failed a check or budget, 2 could not "
      "measure (bad input, host problem). `bootgate COMMAND --help` tells a "
      "command's options.");
  // Reports and history: reports/ here in a checkout (the quick start),
  // $XDG_STATE_HOME/bootgate/reports when installed.
  const std::string reports_root = DefaultReportsRoot();
  const char* kReportsWhere =
      "reports/ in a checkout, $XDG_STATE_HOME/bootgate/reports (default "
      "~/.local/state/bootgate/reports) when installed";

  RunCommandOptions run;
  run.history = reports_root + "/history.db";
  run.reports_root = reports_root;
  auto* run_cmd = app.add_subcommand("run", "Boot scenarios, measure them and judge them against their budgets");
  run_cmd->add_option("scenarios", run.scenarios, "Scenario files (JSON)")->required()->check(CLI::ExistingFile);
  run_cmd->add_option(
      "--report-dir", run.report_dir,
      std::string("Where reports go (default <reports>/<run-id>; <reports>: ") +
          kReportsWhere + ")");
  run_cmd->add_option(
      "--history", run.history,
      "History database (default <reports>/history.db; \"\" to disable)");
  run_cmd->add_option("--iterations,-n", run.iterations, "Counted runs per scenario x profile")->check(CLI::Range(1, 1000));
  run_cmd->add_option("--warmup", run.warmup, "Warm-up runs (not counted)")->check(CLI::Range(0, 100));
  run_cmd->add_option("--retries", run.retries, "Re-run a run that could not measure (never a failed budget)")->check(CLI::Range(0, 10));
  run_cmd->add_option("--jobs,-j", run.jobs, "Concurrent VMs (default: from host cores and memory)")->check(CLI::Range(1, 256));
  run_cmd->add_option("--shard", run.shard, "Run shard K of N (K/N)");
  run_cmd->add_option("--until-confident", run.until_confident, "Take more samples, up to N, while a budget is inconclusive")->check(CLI::Range(1, 1000));
  run_cmd->add_option("--accel", run.accel, "Accelerator: auto, kvm or tcg")->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  run_cmd->add_option("--probe-kernel", run.probe_kernel, "Linux kernel the KVM probe boots (default: newest /boot/vmlinuz-*)")->check(CLI::ExistingFile);
  run_cmd->add_option("--profile", run.profiles, "Hardware profiles (comma-separated)")->delimiter(',');
  run_cmd->add_option("--backend", run.backend, "qemu or libvirt")->check(CLI::IsMember({"qemu", "libvirt"}));
  run_cmd->add_option("--connect", run.connect, "libvirt URI (default qemu:///system)");
  run_cmd->add_option("--build-id", run.build_id, "Build id / version / git sha of the image under test");
  run_cmd->add_option("--label", run.labels, "Extra label k=v for history and metrics (repeatable)");
  run_cmd->add_option("--pushgateway", run.pushgateway, "Push metrics to this Prometheus Pushgateway URL");
  run_cmd->add_flag("--dry-run", run.dry_run,
                    "Prepare everything (recipes, disks, kickstart, kernel) and write each run's "
                    "install.config and qemu.argv into its report folder; start no VM");
  run_cmd->add_flag("--keep", run.keep, "Keep the VM's scratch files (overlay, seed, installed disk)");
  run_cmd->add_flag("--console", run.console, "Show the guest's serial console live (sanitised)");
  run_cmd
      ->add_option(
          "--timeout-scale", run.timeout_scale,
          "Multiply every timeout of the scenarios (boot, silence, install, "
          "SSH readiness, checks) by F > 0, e.g. 3 on a TCG host; recorded in "
          "report.json")
      ->check(CLI::PositiveNumber);
  run_cmd->add_flag(
      "--quiet,-q", run.quiet,
      "Print only the verdict line and errors (no progress, no table)");
  run_cmd->add_flag(
      "--no-color", run.no_color,
      "No colour on a terminal (also when NO_COLOR is set and not empty)");
  run_cmd->add_flag("--no-html", run.no_html, "Skip the HTML report (no gnuplot needed)");

  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check scenario files; print every error with its JSON path");
  validate->add_option("files", validate_files, "Scenario files")->required();

  std::string profile_dir;
  auto* profiles = app.add_subcommand("profiles", "List hardware profiles");
  profiles->add_option("--dir", profile_dir, "Profile directory");

  std::string db = reports_root + "/history.db";
  std::string selector;
  int limit = 50;
  std::string history_format = "text";
  auto* history = app.add_subcommand("history", "List runs in the history database");
  history->add_option("--db", db, "History database");
  history->add_option("--select", selector, "Selector, e.g. scenario=reference,last=10");
  history->add_option("--limit", limit, "Rows to show");
  history->add_option("--format", history_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  CompareCommandOptions cmp;
  auto* compare =
      app.add_subcommand("compare",
                         "Compare two selections of runs (Mann-Whitney U, "
                         "Holm-corrected); exit 1 on a regression, "
                         "2 if they cannot be compared");
  compare->add_option("--db", db, "History database");
  compare
      ->add_option("--baseline", cmp.baseline,
                   "Baseline selector, e.g. build=1.0,last=10")
      ->required();
  compare
      ->add_option("--candidate", cmp.candidate,
                   "Candidate selector, e.g. latest")
      ->required();
  compare
      ->add_option("--alpha", cmp.alpha,
                   "Significance level (family-wise, Holm)")
      ->check(CLI::Range(1e-6, 0.5));
  compare
      ->add_option("--min-effect", cmp.min_effect_pct,
                   "Minimum change in percent that counts")
      ->check(CLI::Range(0.0, 1000.0));
  compare->add_option("--metric", cmp.metrics,
                      "Compare only this metric (repeatable; default: all)");
  compare->add_flag("--allow-mismatch", cmp.allow_mismatch,
                    "Compare even if accelerators, backends or profiles differ "
                    "between the sides");
  compare->add_option("--format", cmp.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  std::string bind = "127.0.0.1:9464";
  int port = 0;
  auto* serve = app.add_subcommand("serve", "Expose the latest results from the history for Prometheus");
  serve->add_option("--db", db, "History database");
  serve->add_option("--bind", bind, "Listen address");
  serve->add_option("--port", port, "Port on 127.0.0.1 (shorthand for --bind)");

  std::vector<std::string> merge_reports;
  std::string merge_out = reports_root + "/merged";
  std::string merge_history;
  auto* merge = app.add_subcommand("merge", "Combine shard reports into one report, JUnit and history import");
  merge->add_option("reports", merge_reports, "report.json files of the shards")->required()->check(CLI::ExistingFile);
  merge->add_option("--report-dir", merge_out, "Output directory");
  merge->add_option("--history", merge_history, "Import the merged runs into this history database");

  bool clean_probe = false;
  auto* clean = app.add_subcommand("clean", "Remove VMs and files left by bootgate processes that were killed");
  clean->add_flag("--probe", clean_probe, "Also forget the cached KVM verdict (the next run probes again)");

  std::string doctor_kernel;
  auto* doctor = app.add_subcommand("doctor", "Tell what this host can do and why (exit 0: the reference scenario can run)");
  doctor->add_option("--probe-kernel", doctor_kernel, "Linux kernel the KVM probe boots")->check(CLI::ExistingFile);
  bool doctor_no_color = false;
  doctor->add_flag(
      "--no-color", doctor_no_color,
      "No colour on a terminal (also when NO_COLOR is set and not empty)");

  AbCommandOptions ab;
  ab.history = reports_root + "/history.db";
  ab.reports_root = reports_root;
  auto* ab_cmd = app.add_subcommand(
      "ab",
      "Boot a baseline and a candidate alternately on this host and judge the "
      "shift (Hodges-Lehmann, Wilcoxon signed-rank); exit 1 regression, 0 no "
      "change or improvement, 3 inconclusive, 2 could not measure");
  ab_cmd->add_option("--baseline", ab.baseline, "Baseline scenario (JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  ab_cmd->add_option("--candidate", ab.candidate, "Candidate scenario (JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* ab_pairs = ab_cmd->add_option("--pairs", ab.pairs, "Pairs to run (default 10)")
                       ->check(CLI::Range(1, 1000));
  ab_cmd
      ->add_option("--until-decided", ab.until_decided,
                   "Run up to MAX pairs, stopping at the first decided look "
                   "(group-sequential, linear alpha spending)")
      ->check(CLI::Range(6, 1000))
      ->excludes(ab_pairs);
  ab_cmd->add_option("--min-effect", ab.min_effect,
                     "Smallest shift that matters: 5% (of the baseline median, default) or 0.25s");
  ab_cmd->add_option("--alpha", ab.alpha, "Error rate of a decision (default 0.05)")
      ->check(CLI::Range(1e-6, 0.5));
  ab_cmd->add_option("--metric", ab.metrics,
                     "A metric that decides (repeatable; default boot_s); the others are reported");
  ab_cmd->add_option("--order", ab.order, "abba (default) or random (per pair, seeded)")
      ->check(CLI::IsMember({"abba", "random"}));
  ab_cmd->add_option("--seed", ab.seed, "Seed of --order random (default: from the clock; recorded)")
      ->check(CLI::Range(0LL, 1LL << 62));
  ab_cmd->add_option("--warmup", ab.warmup, "Warm-up pairs, not counted (default 1)")
      ->check(CLI::Range(0, 10));
  ab_cmd->add_option("--profile", ab.profile, "Hardware profile (default: the baseline's first)");
  ab_cmd->add_option("--accel", ab.accel, "Accelerator: auto, kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  ab_cmd->add_option("--timeout-scale", ab.timeout_scale, "Multiply every timeout by F > 0")
      ->check(CLI::PositiveNumber);
  ab_cmd->add_option("--report-dir", ab.report_dir,
                     std::string("Where reports go (default <reports>/<run-id>; <reports>: ") +
                         kReportsWhere + ")");
  ab_cmd->add_option("--history", ab.history,
                     "History database (default <reports>/history.db; \"\" to disable)");
  ab_cmd->add_option("--baseline-build", ab.build_baseline, "Build id of the baseline (a label)");
  ab_cmd->add_option("--candidate-build", ab.build_candidate, "Build id of the candidate (a label)");
  ab_cmd->add_flag("--keep", ab.keep, "Keep the VMs' scratch files");
  ab_cmd->add_flag("--quiet,-q", ab.quiet, "Only the table and errors");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*run_cmd) return RunCommandMain(run);
    if (*ab_cmd) return AbMain(ab);
    if (*validate) return ValidateMain(validate_files);
    if (*profiles) return ProfilesMain(profile_dir);
    if (*history) return HistoryMain(db, selector, limit, history_format);
    if (*compare) {
      cmp.db = db;
      return CompareMain(cmp);
    }
    if (*serve) return ServeMain(db, port > 0 ? "127.0.0.1:" + std::to_string(port) : bind);
    if (*merge) return MergeMain(merge_reports, merge_out, merge_history);
    if (*clean) return CleanMain(clean_probe);
    if (*doctor) return DoctorMain(doctor_kernel, doctor_no_color);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bootgate: error: %s\n",
                 SanitizeForTerminal(e.what()).c_str());
    return 2;
  }
  return 2;
}
