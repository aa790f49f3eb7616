#include "backend/qemu/kvm_probe.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>

namespace bootgate {
namespace {

// The probe mechanism itself must work: under TCG, always available, the
// firmware reaches its boot step. If this failed, the KVM verdict would mean
// nothing.
TEST(KvmProbeTest, FirmwareReachesBootUnderTcg) {
  PosixProcessLauncher launcher;
  std::string detail;
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(FirmwareReachesBoot(launcher, "qemu-system-x86_64", "tcg", 10, &detail)) << detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(KvmProbeTest, ProbeGivesAVerdictWithAReasonAndIsCached) {
  PosixProcessLauncher launcher;
  std::string dir = ::testing::TempDir() + "/probe-cache";
  AccelProbe first = ProbeKvm(launcher, "qemu-system-x86_64", dir);
  EXPECT_FALSE(first.note.empty());
  auto start = std::chrono::steady_clock::now();
  AccelProbe second = ProbeKvm(launcher, "qemu-system-x86_64", dir);
  EXPECT_EQ(first.kvm_usable, second.kvm_usable);
  if (access("/dev/kvm", R_OK | W_OK) == 0) {
    EXPECT_NE(second.note.find("cached"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  }
}

}  // namespace
}  // namespace bootgate
