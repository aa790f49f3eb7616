// `bootgate doctor`: the judging of its lines (pure), and one real look at
// this host, whose QEMU and directories CI installs and creates.
#include "cli/doctor.h"

#include <gtest/gtest.h>

#include "util/fs.h"

namespace bootgate {
namespace {

using State = DoctorLine::State;

TEST(DoctorTest, OnlyWhatTheReferenceScenarioNeedsDecidesTheExitCode) {
  std::vector<DoctorLine> lines = {
      {State::kOk, "qemu", "QEMU 7.2.22", "", true},
      {State::kBroken, "kvm probe", "KVM unusable", "fix nested virtualisation",
       false},
      {State::kMissing, "chromium", "not found", "apt-get install chromium",
       false},
  };
  EXPECT_EQ(DoctorExitCode(lines), 0);  // TCG and no HTML tests still run it
  lines.push_back({State::kMissing, "xorriso", "not found",
                   "apt-get install xorriso", true});
  EXPECT_EQ(DoctorExitCode(lines), 2);
  std::string text = RenderDoctor(lines);
  EXPECT_NE(text.find("MISSING  xorriso"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          "fix: apt-get install xorriso (needed for scenarios/reference.json)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("fix: apt-get install chromium\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cannot run here"), std::string::npos) << text;
}

TEST(DoctorTest, ThisHostIsLookedAtForReal) {
  PosixProcessLauncher launcher;
  TempDir dir(fs::temp_directory_path(), "bootgate-doctor-");
  DoctorOptions o;
  o.state_dir = (dir.path() / "state").string();
  o.report_dir = (dir.path() / "reports").string();
  o.cache_dir = (dir.path() / "cache").string();
  o.source_dir = BOOTGATE_SOURCE_DIR;
  KvmProber prober(&launcher, o.qemu_binary, o.cache_dir, FindProbeKernel());
  auto lines = CollectDoctorFacts(launcher, prober, o);
  std::map<std::string, DoctorLine> by_what;
  for (const auto& l : lines) by_what[l.what] = l;
  ASSERT_TRUE(by_what.count("qemu"));
  EXPECT_EQ(by_what["qemu"].state, State::kOk) << by_what["qemu"].detail;
  EXPECT_NE(by_what["qemu"].detail.find("QEMU "), std::string::npos);
  EXPECT_EQ(by_what["state dir"].state, State::kOk)
      << by_what["state dir"].detail;
  ASSERT_TRUE(by_what.count("/dev/kvm"));
  if (by_what["/dev/kvm"].state == State::kOk) {
    // The probe ran afresh and says what it saw, with figures.
    ASSERT_TRUE(by_what.count("kvm probe"));
    EXPECT_NE(by_what["kvm probe"].detail.find("(kernel probe)"),
              std::string::npos)
        << by_what["kvm probe"].detail;
    EXPECT_NE(by_what["kvm probe"].detail.find("the probe took"),
              std::string::npos);
  }
  // A report dir that cannot be created is broken, and needed.
  o.report_dir = "/proc/bootgate-cannot-be-here";
  auto bad = CollectDoctorFacts(launcher, prober, o);
  bool found = false;
  for (const auto& l : bad)
    if (l.what == "report dir") {
      found = true;
      EXPECT_EQ(l.state, State::kBroken);
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(DoctorExitCode(bad), 2);
}

}  // namespace
}  // namespace bootgate
