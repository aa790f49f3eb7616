// bootgate: boot an image, time it, log in, measure, check, judge, report.
// main only declares the options (one function per group of commands),
// parses and dispatches to the command's <command>_command.cc.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/ab.h"
#include "cli/commands.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/sanitize.h"

namespace bootgate {
namespace {

// Every command's options and its subcommand, filled by CLI11.
struct Cli {
  RunCommandOptions run;
  CLI::App* run_cmd = nullptr;
  std::vector<std::string> validate_files;
  CLI::App* validate = nullptr;
  std::string profile_dir;
  CLI::App* profiles = nullptr;
  std::string db;
  std::string selector;
  int limit = 50;
  std::string history_format = "text";
  CLI::App* history = nullptr;
  CompareCommandOptions cmp;
  CLI::App* compare = nullptr;
  std::string bind = "127.0.0.1:9464";
  int port = 0;
  CLI::App* serve = nullptr;
  std::vector<std::string> merge_reports;
  std::string merge_out;
  std::string merge_history;
  bool merge_allow_partial = false;
  CLI::App* merge = nullptr;
  bool clean_probe = false;
  CLI::App* clean = nullptr;
  std::string doctor_kernel;
  bool doctor_no_color = false;
  CLI::App* doctor = nullptr;
  AbCommandOptions ab;
  CLI::App* ab_cmd = nullptr;
};

void AddRun(CLI::App& app, Cli& c, const std::string& reports_root,
            const char* reports_where) {
  c.run.history = reports_root + "/history.db";
  c.run.reports_root = reports_root;
  c.run_cmd = app.add_subcommand(
      "run",
      "Boot scenarios, measure them and judge them against their budgets");
  c.run_cmd->add_option("scenarios", c.run.scenarios, "Scenario files (JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  c.run_cmd->add_option(
      "--report-dir", c.run.report_dir,
      std::string("Where reports go (default <reports>/<run-id>; <reports>: ") +
          reports_where + ")");
  c.run_cmd->add_option(
      "--history", c.run.history,
      "History database (default <reports>/history.db; \"\" to disable)");
  c.run_cmd
      ->add_option("--iterations,-n", c.run.iterations,
                   "Counted runs per scenario x profile")
      ->check(CLI::Range(1, 1000));
  c.run_cmd->add_option("--warmup", c.run.warmup, "Warm-up runs (not counted)")
      ->check(CLI::Range(0, 100));
  c.run_cmd
      ->add_option(
          "--retries", c.run.retries,
          "Re-run a run that could not measure (never a failed budget)")
      ->check(CLI::Range(0, 10));
  c.run_cmd
      ->add_option("--jobs,-j", c.run.jobs,
                   "Concurrent VMs (default: from host cores and memory)")
      ->check(CLI::Range(1, 256));
  c.run_cmd->add_option("--shard", c.run.shard, "Run shard K of N (K/N)");
  c.run_cmd
      ->add_option("--until-confident", c.run.until_confident,
                   "Take more samples, up to N, while a budget is inconclusive")
      ->check(CLI::Range(1, 1000));
  c.run_cmd
      ->add_option("--boots-per-install", c.run.boots_per_install,
                   "Install once per K boots of a group; each boot starts from a "
                   "fresh copy-on-write overlay of the installed disk (default: "
                   "the scenario's install.boots_per_install, 1)")
      ->check(CLI::Range(1, 1000));
  c.run_cmd->add_option("--accel", c.run.accel, "Accelerator: auto, kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  c.run_cmd
      ->add_option(
          "--probe-kernel", c.run.probe_kernel,
          "Linux kernel the KVM probe boots (default: newest /boot/vmlinuz-*)")
      ->check(CLI::ExistingFile);
  c.run_cmd
      ->add_option("--profile", c.run.profiles,
                   "Hardware profiles (comma-separated)")
      ->delimiter(',');
  c.run_cmd->add_option("--backend", c.run.backend, "qemu or libvirt")
      ->check(CLI::IsMember({"qemu", "libvirt"}));
  c.run_cmd->add_option("--connect", c.run.connect,
                        "libvirt URI (default qemu:///system)");
  c.run_cmd->add_option("--build-id", c.run.build_id,
                        "Build id / version / git sha of the image under test");
  c.run_cmd->add_option("--label", c.run.labels,
                        "Extra label k=v for history and metrics (repeatable)");
  c.run_cmd->add_option("--pushgateway", c.run.pushgateway,
                        "Push metrics to this Prometheus Pushgateway URL");
  c.run_cmd->add_flag(
      "--dry-run", c.run.dry_run,
      "Prepare everything (recipes, disks, kickstart, kernel) and write each "
      "run's "
      "install.config and qemu.argv into its report folder; start no VM");
  c.run_cmd->add_flag(
      "--keep", c.run.keep,
      "Keep the VM's scratch files (overlay, seed, installed disk)");
  c.run_cmd->add_flag("--console", c.run.console,
                      "Show the guest's serial console live (sanitised)");
  c.run_cmd
      ->add_option(
          "--timeout-scale", c.run.timeout_scale,
          "Multiply every timeout of the scenarios (boot, silence, install, "
          "SSH readiness, checks) by F > 0, e.g. 3 on a TCG host; recorded in "
          "report.json")
      ->check(CLI::PositiveNumber);
  c.run_cmd->add_flag(
      "--quiet,-q", c.run.quiet,
      "Print only the verdict line and errors (no progress, no table)");
  c.run_cmd->add_flag(
      "--no-color", c.run.no_color,
      "No colour on a terminal (also when NO_COLOR is set and not empty)");
  c.run_cmd->add_flag("--no-html", c.run.no_html,
                      "Skip the HTML report (no gnuplot needed)");
}

void AddValidateAndProfiles(CLI::App& app, Cli& c) {
  c.validate = app.add_subcommand(
      "validate", "Check scenario files; print every error with its JSON path");
  c.validate->add_option("files", c.validate_files, "Scenario files")
      ->required();

  c.profiles = app.add_subcommand("profiles", "List hardware profiles");
  c.profiles->add_option("--dir", c.profile_dir, "Profile directory");
}

void AddHistoryAndCompare(CLI::App& app, Cli& c,
                          const std::string& reports_root) {
  c.db = reports_root + "/history.db";
  c.history =
      app.add_subcommand("history", "List runs in the history database");
  c.history->add_option("--db", c.db, "History database");
  c.history->add_option("--select", c.selector,
                        "Selector, e.g. scenario=reference,last=10");
  c.history->add_option("--limit", c.limit, "Rows to show");
  c.history->add_option("--format", c.history_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  c.compare =
      app.add_subcommand("compare",
                         "Compare two selections of runs (Mann-Whitney U, "
                         "Holm-corrected); exit 1 on a regression, "
                         "2 if they cannot be compared");
  c.compare->add_option("--db", c.db, "History database");
  c.compare
      ->add_option("--baseline", c.cmp.baseline,
                   "Baseline selector, e.g. build=1.0,last=10")
      ->required();
  c.compare
      ->add_option("--candidate", c.cmp.candidate,
                   "Candidate selector, e.g. latest")
      ->required();
  c.compare
      ->add_option("--alpha", c.cmp.alpha,
                   "Significance level (family-wise, Holm)")
      ->check(CLI::Range(1e-6, 0.5));
  c.compare
      ->add_option("--min-effect", c.cmp.min_effect_pct,
                   "Minimum change in percent that counts")
      ->check(CLI::Range(0.0, 1000.0));
  c.compare->add_option("--metric", c.cmp.metrics,
                        "Compare only this metric (repeatable; default: all)");
  c.compare->add_flag(
      "--allow-mismatch", c.cmp.allow_mismatch,
      "Compare even if accelerators, backends or profiles differ "
      "between the sides");
  c.compare->add_option("--format", c.cmp.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
}

void AddServeAndMerge(CLI::App& app, Cli& c, const std::string& reports_root) {
  c.serve = app.add_subcommand(
      "serve", "Expose the latest results from the history for Prometheus");
  c.serve->add_option("--db", c.db, "History database");
  c.serve->add_option("--bind", c.bind, "Listen address");
  c.serve->add_option("--port", c.port,
                      "Port on 127.0.0.1 (shorthand for --bind)");

  c.merge_out = reports_root + "/merged";
  c.merge = app.add_subcommand(
      "merge",
      "Combine shard reports into one report, JUnit and history import");
  c.merge
      ->add_option("reports", c.merge_reports,
                   "report.json files of the shards")
      ->required()
      ->check(CLI::ExistingFile);
  c.merge->add_option("--report-dir", c.merge_out, "Output directory");
  c.merge->add_option("--history", c.merge_history,
                      "Import the merged runs into this history database");
  c.merge->add_flag("--allow-partial", c.merge_allow_partial,
                    "Merge even when shards of the plan are missing (the "
                    "merged verdict is then at least error)");
}

void AddCleanAndDoctor(CLI::App& app, Cli& c) {
  c.clean = app.add_subcommand(
      "clean",
      "Remove VMs and files left by bootgate processes that were killed");
  c.clean->add_flag(
      "--probe", c.clean_probe,
      "Also forget the cached KVM verdict (the next run probes again)");

  c.doctor = app.add_subcommand("doctor",
                                "Tell what this host can do and why (exit 0: "
                                "the reference scenario can run)");
  c.doctor
      ->add_option("--probe-kernel", c.doctor_kernel,
                   "Linux kernel the KVM probe boots")
      ->check(CLI::ExistingFile);
  c.doctor->add_flag(
      "--no-color", c.doctor_no_color,
      "No colour on a terminal (also when NO_COLOR is set and not empty)");
}

// Runs the command the user chose; its exit code.
void AddAb(CLI::App& app, Cli& c, const std::string& reports_root,
           const char* reports_where) {
  c.ab.history = reports_root + "/history.db";
  c.ab.reports_root = reports_root;
  c.ab_cmd = app.add_subcommand(
      "ab",
      "Boot a baseline and a candidate alternately on this host and judge the "
      "shift (Hodges-Lehmann, Wilcoxon signed-rank); exit 1 regression, 0 no "
      "change or improvement, 3 inconclusive, 2 could not measure");
  c.ab_cmd->add_option("--baseline", c.ab.baseline, "Baseline scenario (JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  c.ab_cmd->add_option("--candidate", c.ab.candidate,
                       "Candidate scenario (JSON; default: the baseline's, "
                       "with --candidate-image)")
      ->check(CLI::ExistingFile);
  c.ab_cmd->add_option("--baseline-image", c.ab.baseline_image,
                       "Run the baseline on this image instead of its "
                       "scenario's (disk, ISO or kernel; the installer ISO of "
                       "an install scenario)");
  c.ab_cmd->add_option("--candidate-image", c.ab.candidate_image,
                       "Run the candidate on this image instead of its "
                       "scenario's");
  auto* pairs = c.ab_cmd->add_option("--pairs", c.ab.pairs, "Pairs to run (default 10)")
                       ->check(CLI::Range(1, 1000));
  c.ab_cmd
      ->add_option("--until-decided", c.ab.until_decided,
                   "Run up to MAX pairs, stopping at the first decided look "
                   "(group-sequential, linear alpha spending)")
      ->check(CLI::Range(6, 1000))
      ->excludes(pairs);
  c.ab_cmd->add_option("--min-effect", c.ab.min_effect,
                     "Smallest shift that matters: 5% (of the baseline median, default) or 0.25s");
  c.ab_cmd->add_option("--alpha", c.ab.alpha, "Error rate of a decision (default 0.05)")
      ->check(CLI::Range(1e-6, 0.5));
  c.ab_cmd->add_option("--metric", c.ab.metrics,
                     "A metric that decides (repeatable; default boot_s); the others are reported");
  c.ab_cmd->add_option("--order", c.ab.order, "abba (default) or random (per pair, seeded)")
      ->check(CLI::IsMember({"abba", "random"}));
  c.ab_cmd->add_option("--seed", c.ab.seed, "Seed of --order random (default: from the clock; recorded)")
      ->check(CLI::Range(0LL, 1LL << 62));
  c.ab_cmd->add_option("--warmup", c.ab.warmup, "Warm-up pairs, not counted (default 1)")
      ->check(CLI::Range(0, 10));
  c.ab_cmd->add_option("--profile", c.ab.profile, "Hardware profile (default: the baseline's first)");
  c.ab_cmd->add_option("--accel", c.ab.accel, "Accelerator: auto, kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  c.ab_cmd->add_option("--timeout-scale", c.ab.timeout_scale, "Multiply every timeout by F > 0")
      ->check(CLI::PositiveNumber);
  c.ab_cmd->add_option("--report-dir", c.ab.report_dir,
                     std::string("Where reports go (default <reports>/<run-id>; <reports>: ") +
                         reports_where + ")");
  c.ab_cmd->add_option("--history", c.ab.history,
                     "History database (default <reports>/history.db; \"\" to disable)");
  c.ab_cmd->add_option("--baseline-build", c.ab.build_baseline, "Build id of the baseline (a label)");
  c.ab_cmd->add_option("--candidate-build", c.ab.build_candidate, "Build id of the candidate (a label)");
  c.ab_cmd->add_flag("--keep", c.ab.keep, "Keep the VMs' scratch files");
  c.ab_cmd->add_flag("--quiet,-q", c.ab.quiet, "Only the table and errors");
}

int Dispatch(Cli& c) {
  if (*c.run_cmd) return RunCommandMain(c.run);
  if (*c.ab_cmd) return AbMain(c.ab);
  if (*c.validate) return ValidateMain(c.validate_files);
  if (*c.profiles) return ProfilesMain(c.profile_dir);
  if (*c.history)
    return HistoryMain(c.db, c.selector, c.limit, c.history_format);
  if (*c.compare) {
    c.cmp.db = c.db;
    return CompareMain(c.cmp);
  }
  if (*c.serve)
    return ServeMain(
        c.db, c.port > 0 ? "127.0.0.1:" + std::to_string(c.port) : c.bind);
  if (*c.merge)
    return MergeMain(c.merge_reports, c.merge_out, c.merge_history,
                     c.merge_allow_partial);
  if (*c.clean) return CleanMain(c.clean_probe);
  if (*c.doctor) return DoctorMain(c.doctor_kernel, c.doctor_no_color);
  return 2;
}

}  // namespace
}  // namespace bootgate

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
  Cli c;
  AddRun(app, c, reports_root, kReportsWhere);
  AddAb(app, c, reports_root, kReportsWhere);
  AddValidateAndProfiles(app, c);
  AddHistoryAndCompare(app, c, reports_root);
  AddServeAndMerge(app, c, reports_root);
  AddCleanAndDoctor(app, c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    return Dispatch(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bootgate: error: %s\n",
                 SanitizeForTerminal(e.what()).c_str());
    return 2;
  }
}
