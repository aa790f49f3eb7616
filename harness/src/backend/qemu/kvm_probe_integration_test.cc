// The probe's mechanism on the real QEMU of this host: under TCG, which works
// everywhere, the probe kernel must reach its panic line (if it did not, a
// KVM verdict would mean nothing), and the whole decision stays fast.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "backend/qemu/kvm_probe.h"
#include "util/fs.h"

namespace bootgate {
namespace {

TEST(KvmProbeIntegrationTest, TheProbeKernelReachesItsPanicUnderTcg) {
  std::string kernel = FindProbeKernel();
  ASSERT_FALSE(kernel.empty()) << "no /boot/vmlinuz-* (ci/install-deps.sh "
                                  "installs linux-image-cloud-amd64)";
  PosixProcessLauncher launcher;
  KernelTrial t =
      RunKernelTrial(launcher, "qemu-system-x86_64", kernel, "tcg", 30);
  EXPECT_TRUE(t.reached) << t.ended << "; last line: " << t.last_line;
  EXPECT_GT(t.elapsed_s, 0.1);
  EXPECT_LT(t.elapsed_s, 30);
  EXPECT_FALSE(t.last_line.empty());
  std::printf("probe kernel %s under TCG: panic in %.2f s\n", kernel.c_str(),
              t.elapsed_s);
}

TEST(KvmProbeIntegrationTest, TheHostGetsAVerdictWithFiguresAndItIsCached) {
  ProbeHost host = ProbeHost::Current();
  if (!host.kvm_device)
    GTEST_SKIP() << "no /dev/kvm on this host: nothing to probe";
  PosixProcessLauncher launcher;
  TempDir cache(fs::temp_directory_path(), "bootgate-probe-");
  KvmProber prober(&launcher, "qemu-system-x86_64", cache.path().string(),
                   FindProbeKernel());
  KvmVerdict v = prober.Decide(host);
  EXPECT_FALSE(v.from_cache);
  EXPECT_EQ(v.how, "kernel probe");
  EXPECT_TRUE(v.kvm.ran);
  EXPECT_TRUE(v.tcg.ran);
  // Under a working KVM the kernel answers first; otherwise TCG's panic sets
  // the bound and the decision comes soon after it.
  if (v.usable()) {
    EXPECT_LT(v.probe_s, 3.0);
  } else {
    EXPECT_TRUE(v.tcg.reached) << v.evidence;
    EXPECT_LT(v.probe_s, KvmBoundS(v.tcg.elapsed_s) + 2.0) << v.evidence;
  }
  std::printf("verdict: %s\n", DescribeVerdict(v, host.now_unix_s).c_str());
  KvmVerdict again = prober.Decide(ProbeHost::Current());
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.state, v.state);
  EXPECT_EQ(again.evidence, v.evidence);
}

}  // namespace
}  // namespace bootgate
