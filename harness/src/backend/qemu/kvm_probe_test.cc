// The KVM decision without QEMU: how two kernel trials are judged, how long
// a cached verdict holds, and how a run's contradiction replaces it.
#include "backend/qemu/kvm_probe.h"

#include <gtest/gtest.h>

#include "backend/qemu/accel_resolver.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

KernelTrial Reached(const std::string& accel, double s) {
  return {accel,
          true,
          true,
          s,
          "[    1.8] Kernel Offset: disabled",
          "reached its panic"};
}
KernelTrial Silent(const std::string& accel, double s, std::string last = "") {
  return {accel,
          true,
          false,
          s,
          std::move(last),
          "given up after " + std::to_string(s).substr(0, 4) + " s"};
}

TEST(KvmBoundTest, FollowsTcgWithAFloor) {
  EXPECT_DOUBLE_EQ(KvmBoundS(1.8), 1.5 * 1.8 + 0.5);
  EXPECT_DOUBLE_EQ(KvmBoundS(0.2), 2.0);
}

TEST(JudgeTrialsTest, KvmThatReachesThePanicFirstIsUsable) {
  KernelTrial tcg = Silent("tcg", 0.3);
  tcg.ended = "stopped: KVM answered first";
  KvmVerdict v = JudgeTrials(Reached("kvm", 0.3), tcg);
  EXPECT_TRUE(v.usable());
  EXPECT_NE(v.evidence.find("reached its panic line in 0.30 s"),
            std::string::npos)
      << v.evidence;
}

TEST(JudgeTrialsTest, KvmKernelThatPrintsNothingIsBrokenWithTheFigures) {
  // This host's case: firmware and GRUB run, the kernel hangs without a byte.
  KvmVerdict v = JudgeTrials(Silent("kvm", 3.2), Reached("tcg", 1.8));
  EXPECT_EQ(v.state, KvmVerdict::State::kBroken);
  EXPECT_NE(v.evidence.find("no output at all"), std::string::npos)
      << v.evidence;
  EXPECT_NE(v.evidence.find("TCG reached it in 1.80 s"), std::string::npos)
      << v.evidence;
  EXPECT_NE(v.evidence.find("so KVM had 3.20 s"), std::string::npos)
      << v.evidence;
  EXPECT_NE(v.evidence.find("given up after 3.20 s"), std::string::npos)
      << v.evidence;
}

TEST(JudgeTrialsTest, FirmwareThatStallsIsBrokenAndNamesItsLastLine) {
  KvmVerdict v = JudgeTrials(Silent("kvm", 3.2, "SeaBIOS (version 1.16.2)"),
                             Reached("tcg", 1.8));
  EXPECT_FALSE(v.usable());
  EXPECT_NE(v.evidence.find("last output 'SeaBIOS (version 1.16.2)'"),
            std::string::npos)
      << v.evidence;
}

TEST(JudgeTrialsTest, KvmSlowerThanTheBoundIsNotUsed) {
  KvmVerdict v = JudgeTrials(Reached("kvm", 9.0), Reached("tcg", 1.8));
  EXPECT_FALSE(v.usable());
  EXPECT_NE(v.evidence.find("slower than the bound"), std::string::npos)
      << v.evidence;
}

TEST(CachedVerdictTest, BrokenExpiresInMinutesUsableLastsTheBoot) {
  KvmVerdict broken;
  broken.state = KvmVerdict::State::kBroken;
  broken.boot_id = "b1";
  broken.made_unix_s = 1000;
  std::string why;
  EXPECT_TRUE(
      CachedVerdictHolds(broken, 1000 + kBrokenVerdictTtlS - 1, "b1", &why));
  EXPECT_FALSE(
      CachedVerdictHolds(broken, 1000 + kBrokenVerdictTtlS + 1, "b1", &why));
  EXPECT_NE(why.find("expires"), std::string::npos) << why;
  KvmVerdict usable = broken;
  usable.state = KvmVerdict::State::kUsable;
  EXPECT_TRUE(CachedVerdictHolds(usable, 1000 + 86400 * 30, "b1", &why));
  EXPECT_FALSE(CachedVerdictHolds(usable, 1001, "b2", &why));
  EXPECT_NE(why.find("another host boot"), std::string::npos);
}

TEST(CachedVerdictTest, SerialisesWithItsEvidenceAndRejectsOldFormats) {
  KvmVerdict v = JudgeTrials(Silent("kvm", 3.2), Reached("tcg", 1.8));
  v.made_unix_s = 1234.5;
  v.boot_id = "b1";
  v.kernel = "/boot/vmlinuz-6.1.0-57-cloud-amd64";
  v.probe_s = 3.3;
  std::optional<KvmVerdict> back = ParseVerdict(SerializeVerdict(v));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->state, KvmVerdict::State::kBroken);
  EXPECT_EQ(back->how, "kernel probe");
  EXPECT_EQ(back->evidence, v.evidence);
  EXPECT_DOUBLE_EQ(back->tcg.elapsed_s, 1.8);
  EXPECT_EQ(back->kernel, v.kernel);
  // The cache of the firmware probe ("usable\n<note>") is not a verdict.
  EXPECT_FALSE(
      ParseVerdict("usable\nKVM probe passed: firmware reached its boot step"));
  EXPECT_FALSE(ParseVerdict(
      "{\"schema\": \"bootgate.kvm-verdict/v1\", \"state\": \"maybe\"}"));
}

TEST(FindProbeKernelTest, AnExplicitKernelWins) {
  EXPECT_EQ(FindProbeKernel("/srv/vmlinuz"), "/srv/vmlinuz");
}

class AccelResolverTest : public ::testing::Test {
 protected:
  AccelResolverTest() : dir_(fs::temp_directory_path(), "bootgate-accel-") {}
  ProbeHost Host() const { return {now_, "boot-1", true}; }
  void Plant(KvmVerdict::State state, double made) {
    KvmVerdict v =
        JudgeTrials(state == KvmVerdict::State::kUsable ? Reached("kvm", 0.3)
                                                        : Silent("kvm", 3.2),
                    Reached("tcg", 1.8));
    v.state = state;
    v.boot_id = "boot-1";
    v.made_unix_s = made;
    WriteFileAtomic(dir_.path() / "kvm-verdict.json", SerializeVerdict(v));
  }
  AccelResolver Resolver() {
    // No probe kernel: a probe that does run ends at once as "not proven",
    // so these tests never start QEMU.
    return AccelResolver(
        KvmProber(&launcher_, "qemu-system-x86_64", dir_.path().string(), ""),
        [this] { return Host(); });
  }
  PosixProcessLauncher launcher_;
  TempDir dir_;
  double now_ = 100000;
};

TEST_F(AccelResolverTest, ACachedUsableVerdictGivesKvmAndSaysSo) {
  Plant(KvmVerdict::State::kUsable, now_ - 3600);
  AccelResolver r = Resolver();
  auto [accel, note] = r.Resolve("auto");
  EXPECT_EQ(accel, "kvm");
  EXPECT_NE(note.find("KVM usable (kernel probe)"), std::string::npos) << note;
  EXPECT_NE(note.find("cached 3600 s ago"), std::string::npos) << note;
}

TEST_F(AccelResolverTest, ARunThatContradictsUsableReplacesItAtOnce) {
  Plant(KvmVerdict::State::kUsable, now_ - 60);
  AccelResolver r = Resolver();
  EXPECT_EQ(r.Resolve("auto").first, "kvm");
  r.ReportBroken("the guest printed no kernel output under KVM");
  auto [accel, note] = r.Resolve("auto");
  EXPECT_EQ(accel, "tcg");
  EXPECT_NE(note.find("contradicted by a run"), std::string::npos) << note;
  // ... and so does the next bootgate process, from the cache.
  AccelResolver next = Resolver();
  EXPECT_EQ(next.Resolve("auto").first, "tcg");
  EXPECT_THROW(next.Resolve("kvm"), Error);
}

TEST_F(AccelResolverTest, AnExpiredBrokenVerdictIsProbedAgain) {
  Plant(KvmVerdict::State::kBroken, now_ - kBrokenVerdictTtlS - 5);
  AccelResolver r = Resolver();
  KvmVerdict v = r.Verdict();
  EXPECT_FALSE(v.from_cache);
  EXPECT_EQ(v.how, "no probe kernel");  // probed again (with no kernel here)
  EXPECT_NE(v.evidence.find("linux-image-cloud-amd64"), std::string::npos)
      << v.evidence;
  EXPECT_EQ(r.Resolve("auto").first, "tcg");
}

TEST_F(AccelResolverTest, ExplicitKvmOnABrokenHostThrowsWithTheEvidence) {
  Plant(KvmVerdict::State::kBroken, now_ - 10);
  AccelResolver r = Resolver();
  try {
    r.Resolve("kvm");
    FAIL() << "KVM must be refused";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("not usable here"), std::string::npos) << what;
    EXPECT_NE(what.find("no output at all"), std::string::npos) << what;
    EXPECT_NE(what.find("bootgate doctor"), std::string::npos) << what;
  }
  EXPECT_EQ(r.Resolve("tcg").first, "tcg");
}

TEST_F(AccelResolverTest, ForgettingTheVerdictMakesTheNextRunProbe) {
  Plant(KvmVerdict::State::kUsable, now_ - 10);
  EXPECT_TRUE(ForgetKvmVerdict(dir_.path().string()));
  EXPECT_FALSE(ForgetKvmVerdict(dir_.path().string()));
  EXPECT_FALSE(Resolver().Verdict().from_cache);
}

}  // namespace
}  // namespace bootgate
