// Helpers for end-to-end tests: run the real bootgate binary, parse the
// report it wrote, and check that nothing was left behind.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// Skips the current test with `reason`, except on the CI machine
/// (BOOTGATE_REQUIRE_ALL=1, set by ci/test.sh), where a test that cannot run
/// its real case fails: a skip must not let CI pass without the real thing.
#define BOOTGATE_SKIP_UNLESS_REQUIRED(reason)                                \
  do {                                                                       \
    const char* bootgate_require_all = std::getenv("BOOTGATE_REQUIRE_ALL");  \
    if (bootgate_require_all != nullptr &&                                   \
        std::string(bootgate_require_all) == "1")                            \
      FAIL() << "must run on the CI machine (BOOTGATE_REQUIRE_ALL=1), but: " \
             << reason;                                                      \
    GTEST_SKIP() << reason;                                                  \
  } while (0)

namespace bootgate::testing {

/// Paths from the test environment (set by bootgate_test in CMake).
std::string SourceDir();
std::string BinaryDir();
std::string BootgateBin();
/// images/.cache/reference (built by images/reference/build.sh).
std::string ReferenceDir();
/// Builds the reference image if needed (runs its recipe once per process).
void EnsureReferenceImage();

struct BootgateRun {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
  double wall_s = 0;
  /// True if bootgate exited (with exit_code); false if a signal killed it
  /// (exit_code is then 128 + the signal).
  bool exited = false;
  /// When each signal was sent, seconds after the start.
  std::vector<double> signal_at_s;
  nlohmann::json report;  ///< report.json, if written
  std::string report_dir;
};

struct RunOptions {
  std::vector<std::string> args;  ///< after "bootgate"
  std::map<std::string, std::string> env;  ///< extra environment
  double timeout_s = 600;
  /// Send `signal` once `trigger` appears in stderr (or after signal_after_s
  /// if trigger is empty); 0 = no signal.
  int signal = 0;
  std::string trigger;
  double signal_after_s = 0;
  /// How many times to send it, `repeat_every_s` apart (a second Ctrl-C).
  int repeat = 1;
  double repeat_every_s = 0.05;
};

/// Runs bootgate to completion (or kills it at the timeout) and reads the
/// report from --report-dir (added automatically when absent).
BootgateRun RunBootgate(RunOptions options);

/// Writes a scenario JSON file in a fresh temp dir and returns its path.
std::string WriteScenario(const std::string& name, const nlohmann::json& scenario);

/// The run of scenario `name` in a report.json, or nullptr.
const nlohmann::json* RunNamed(const nlohmann::json& report, const std::string& name);

/// Pids of live (not zombie) processes whose command line contains `needle`.
std::vector<int> ProcessesMatching(const std::string& needle);
/// Pids of qemu-system processes whose command line contains `needle`.
std::vector<int> QemuProcessesMatching(const std::string& needle);
/// Entries left in a state dir (workspaces).
std::vector<std::string> DirEntries(const std::string& dir);
/// A unique temp directory for one test.
std::string TestTempDir(const std::string& prefix);

/// The common fixture of VM tests: the reference image is built, the test
/// gets a private state dir, and after the test no QEMU names that dir and
/// no scratch file is left in it.
class VmTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  /// Options that run bootgate with this test's state dir.
  RunOptions Opts(std::vector<std::string> args) const;
  std::string state_dir_;
};

}  // namespace bootgate::testing
