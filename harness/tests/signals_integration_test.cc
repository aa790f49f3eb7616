// Ctrl-C twice end to end, with no VM: the real bootgate binary runs a
// scenario whose image recipe is slow and starts children that ignore
// SIGTERM (as a build stuck in I/O would), and is sent SIGINT or SIGTERM.
// Once: it stops cleanly (exit 2, the recipe's tree gone). Twice within the
// window: it kills the recipe's whole process group and exits at once with
// 128 + the signal. The VM variants are in faults_vm_test.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {
namespace fs = std::filesystem;

class SignalsTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    dir_ = TestTempDir("sigrecipe");
    state_dir_ = dir_ + "/state";
    fs::create_directories(state_dir_);
    marker_ = "300." + std::to_string(getpid()) + std::to_string(GetParam());
    recipe_ = dir_ + "/recipe.sh";
    std::ofstream(recipe_) << "#!/bin/sh\n"
                              "trap '' TERM\n"
                              "sleep "
                           << marker_
                           << " &\n"
                              "sleep "
                           << marker_
                           << "\n"
                              "wait\n";
    chmod(recipe_.c_str(), 0755);
    nlohmann::json s = {{"name", "sigrecipe"},
                        {"image",
                         {{"kernel", dir_ + "/vmlinuz"},
                          {"initrd", dir_ + "/initrd.img"},
                          {"recipe", recipe_}}},
                        {"vm", {{"accel", "tcg"}}},
                        {"access", {{"method", "none"}}}};
    scenario_ = WriteScenario("sigrecipe", s);
  }
  void TearDown() override {
    for (int pid : ProcessesMatching(marker_)) kill(pid, SIGKILL);
  }
  RunOptions Opts(int repeat) const {
    RunOptions o;
    o.args = {"run", scenario_,      "--no-html",     "--history",
              "",    "--report-dir", dir_ + "/report"};
    o.env = {{"BOOTGATE_STATE_DIR", state_dir_}};
    o.signal = GetParam();
    o.trigger = "image: running";  // said once the recipe ran for 2 s
    o.repeat = repeat;
    o.timeout_s = 60;
    return o;
  }
  std::string dir_, state_dir_, marker_, recipe_, scenario_;
};

TEST_P(SignalsTest, OnceStopsTheRecipeCleanly) {
  auto r = RunBootgate(Opts(1));
  ASSERT_EQ(r.signal_at_s.size(), 1u) << r.stderr_text;
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("stopping cleanly"), std::string::npos)
      << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("every process it started were stopped"),
            std::string::npos)
      << r.stderr_text;
  // The group got its SIGKILL before bootgate exited; a loaded kernel may
  // take a moment to finish tearing a killed process down.
  for (int i = 0; i < 40 && !ProcessesMatching(marker_).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(ProcessesMatching(marker_).empty())
      << "the recipe's children outlived bootgate";
}

TEST_P(SignalsTest, TwiceKillsTheRecipeTreeAndExitsAtOnce) {
  auto r = RunBootgate(Opts(2));
  ASSERT_EQ(r.signal_at_s.size(), 2u) << r.stderr_text;
  EXPECT_TRUE(r.exited) << "killed by a signal, not a forced exit";
  EXPECT_EQ(r.exit_code, 128 + GetParam()) << r.stderr_text;
  EXPECT_NE(
      r.stderr_text.find(std::string("SIG") + sigabbrev_np(GetParam()) +
                         " again: forced exit after killing process group"),
      std::string::npos)
      << r.stderr_text;
  // The clean path needs 2 s here (SIGTERM is ignored, then SIGKILL).
  EXPECT_LT(r.wall_s - r.signal_at_s[1], 1.5) << r.stderr_text;
  // Checked at once: the tree was killed before bootgate exited.
  EXPECT_TRUE(ProcessesMatching(marker_).empty())
      << "the recipe's children outlived bootgate";
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalsTest,
                         ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return std::string(sigabbrev_np(info.param));
                         });

}  // namespace
}  // namespace bootgate::testing
