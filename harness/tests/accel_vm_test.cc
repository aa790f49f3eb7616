// The accelerator decision against the truth on the machine where it runs:
// whatever the probe decides, a real guest under that accelerator reaches
// its login prompt; when it says KVM is unusable, a kernel under KVM really
// does not reach its panic in the bound; and a KVM that a run finds stuck
// (planted "usable" verdict on a host whose KVM hangs) falls back to TCG.
#include <gtest/gtest.h>

#include "backend/qemu/kvm_probe.h"
#include "util/fs.h"
#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

class AccelVmTest : public VmTest {
 protected:
  void SetUp() override {
    VmTest::SetUp();
    cache_dir_ = TestTempDir("accel-cache");
  }
  RunOptions WithCache(std::vector<std::string> args) const {
    RunOptions o = Opts(std::move(args));
    o.env["BOOTGATE_CACHE_DIR"] = cache_dir_;
    return o;
  }
  std::optional<KvmVerdict> CachedVerdict() const {
    std::string path = cache_dir_ + "/kvm-verdict.json";
    if (!fs::exists(path)) return std::nullopt;
    return ParseVerdict(ReadFile(path));
  }
  std::string cache_dir_;
};

TEST_F(AccelVmTest,
       TheQuickStartPassesUnderWhateverTheProbeChoseAndTheProbeTellsTheTruth) {
  // README's first command, with no probe cache: accel "auto".
  auto r =
      RunBootgate(WithCache({"run", SourceDir() + "/scenarios/reference.json",
                             "--no-html", "--history", ""}));
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  const auto& run = r.report["runs"][0];
  std::string accel = run["accelerator"];
  std::string note = run["accel_note"];
  EXPECT_EQ(run["accel_requested"], "auto");
  EXPECT_NE(r.stderr_text.find("accel: " + accel), std::string::npos)
      << r.stderr_text;
  if (access("/dev/kvm", R_OK | W_OK) != 0) {
    std::printf("case: no /dev/kvm here; TCG without a probe\n");
    EXPECT_EQ(accel, "tcg");
    return;
  }
  std::optional<KvmVerdict> v = CachedVerdict();
  ASSERT_TRUE(v) << "the probe left no verdict in " << cache_dir_;
  EXPECT_EQ(v->how, "kernel probe");
  EXPECT_NE(note.find("(kernel probe)"), std::string::npos) << note;
  EXPECT_EQ(accel, v->usable() ? "kvm" : "tcg") << note;
  std::printf(
      "probe: %.2f s in all; kvm %s after %.2f s; tcg %s after %.2f s\n",
      v->probe_s,
      v->kvm.reached ? "reached its panic" : "did not reach its panic",
      v->kvm.elapsed_s,
      v->tcg.reached ? "reached its panic" : "did not reach its panic",
      v->tcg.elapsed_s);
  PosixProcessLauncher launcher;
  if (v->usable()) {
    std::printf(
        "case: KVM works here; the reference guest reached login under KVM\n");
    KernelTrial again =
        RunKernelTrial(launcher, "qemu-system-x86_64", v->kernel, "kvm", 10);
    EXPECT_TRUE(again.reached) << again.ended;
    return;
  }
  // Unusable: check the verdict is not a false alarm. A kernel under KVM,
  // alone on the host this time, must still not reach its panic in the bound.
  ASSERT_TRUE(v->tcg.reached) << v->evidence;
  double bound = KvmBoundS(v->tcg.elapsed_s);
  KernelTrial kvm =
      RunKernelTrial(launcher, "qemu-system-x86_64", v->kernel, "kvm", bound);
  EXPECT_FALSE(kvm.reached) << "KVM reached its panic in " << kvm.elapsed_s
                            << " s, but the probe said: " << v->evidence;
  std::printf("case: KVM is broken here (%s); last KVM output: '%s'\n",
              kvm.last_line.empty() ? "the kernel hangs with no output"
                                    : "it stalls before the panic",
              kvm.last_line.c_str());
}

TEST_F(AccelVmTest,
       ExplicitKvmOnAHostWhereItIsBrokenIsCouldNotMeasureWithTheEvidence) {
  if (access("/dev/kvm", R_OK | W_OK) != 0)
    BOOTGATE_SKIP_UNLESS_REQUIRED("no /dev/kvm here");
  auto r =
      RunBootgate(WithCache({"run", SourceDir() + "/scenarios/reference.json",
                             "--accel", "kvm", "--no-html", "--history", ""}));
  std::optional<KvmVerdict> v = CachedVerdict();
  ASSERT_TRUE(v);
  if (v->usable()) {
    std::printf("case: KVM works here, so --accel kvm ran under it\n");
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    return;
  }
  std::printf("case: KVM is broken here; --accel kvm refused\n");
  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  const auto& run = r.report["runs"][0];
  EXPECT_EQ(run["verdict"], "error");
  std::string reason = run["reason"];
  EXPECT_NE(reason.find("KVM was requested but is not usable here"),
            std::string::npos)
      << reason;
  EXPECT_NE(reason.find("did not reach its panic line"), std::string::npos)
      << reason;
}

TEST_F(AccelVmTest,
       AUsableVerdictThatARunContradictsFallsBackToTcgAndIsReplaced) {
  if (access("/dev/kvm", R_OK | W_OK) != 0)
    BOOTGATE_SKIP_UNLESS_REQUIRED("no /dev/kvm here");
  // What this host really does, first.
  PosixProcessLauncher launcher;
  KvmProber prober(&launcher, "qemu-system-x86_64", cache_dir_,
                   FindProbeKernel());
  ProbeHost host = ProbeHost::Current();
  KvmVerdict truth = prober.ProbeNow(host);
  RunOptions extra;
  if (truth.usable()) {
    // KVM works here: a real QEMU that keeps every KVM guest silent (started
    // paused, -S, and never continued) stands in for a host whose KVM hangs
    // guests, so the fallback path runs on this host too. TCG guests run as
    // they are.
    std::string wrapper = TestTempDir("stuck-kvm") + "/qemu-system-x86_64";
    WriteFileAtomic(wrapper,
                    "#!/bin/sh\n"
                    "prev=\n"
                    "for a in \"$@\"; do\n"
                    "  if [ \"$prev\" = -accel ] && [ \"$a\" = kvm ]; then\n"
                    "    exec qemu-system-x86_64 \"$@\" -S\n"
                    "  fi\n"
                    "  prev=$a\n"
                    "done\n"
                    "exec qemu-system-x86_64 \"$@\"\n",
                    0755);
    extra.env["BOOTGATE_QEMU"] = wrapper;
    std::printf(
        "case: KVM works here; a QEMU that keeps KVM guests paused plays the "
        "stuck host\n");
  }
  // A stale "usable" verdict, as the firmware-only probe once wrote here.
  KvmVerdict planted = truth;
  planted.state = KvmVerdict::State::kUsable;
  planted.evidence = "planted by the test";
  WriteFileAtomic(cache_dir_ + "/kvm-verdict.json", SerializeVerdict(planted));
  std::string ref = ReferenceDir();
  std::string scn = WriteScenario(
      "ref-fallback",
      {{"name", "ref-fallback"},
       {"image", {{"iso", ref + "/reference.iso"}}},
       {"vm", {{"cpus", 1}, {"memory_mib", 512}, {"accel", "auto"}}},
       {"boot",
        {{"login_pattern", "refimg login: ?$"},
         {"timeout_s", 120},
         // Long enough for the TCG rerun's silent kernel load on a loaded
         // CI host (CI once saw more than 10 s between GRUB's menu and the
         // kernel's first line); KVM's stall shows as silence just as well.
         {"silence_s", 30}}},
       {"access", {{"method", "none"}}},
       {"budgets", {{"boot_s", {{"kvm", 5}, {"tcg", 60}}}}}});
  RunOptions o = WithCache({"run", scn, "--no-html", "--history", ""});
  for (const auto& [k, v] : extra.env) o.env[k] = v;
  auto r = RunBootgate(o);
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  // What a CI system reads: passed on retry, no error anywhere.
  const std::string junit = ReadFile(r.report_dir + "/junit.xml");
  EXPECT_NE(junit.find("errors=\"0\""), std::string::npos) << junit;
  EXPECT_EQ(junit.find("errors=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<flakyError "), std::string::npos) << junit;
  EXPECT_EQ(r.report["counts"], (nlohmann::json{{"pass", 1}}))
      << r.report["counts"];
  EXPECT_EQ(r.report["superseded"], 1);
  const std::string md = ReadFile(r.report_dir + "/summary.md");
  EXPECT_EQ(md.find("### Failures"), std::string::npos) << md;
  EXPECT_NE(md.find("### Superseded attempts"), std::string::npos) << md;
  const auto& runs = r.report["runs"];
  ASSERT_EQ(runs.size(), 2u) << runs.dump(2);
  EXPECT_EQ(runs[0]["accelerator"], "kvm");
  EXPECT_EQ(runs[0]["failure_class"], "kvm-stuck") << runs[0]["reason"];
  EXPECT_EQ(runs[1]["accelerator"], "tcg");
  EXPECT_EQ(runs[1]["verdict"], "pass");
  EXPECT_NE(std::string(runs[1]["accel_note"])
                .find("fell back to TCG after attempt 1"),
            std::string::npos)
      << runs[1]["accel_note"];
  // The aggregate is judged on the TCG budget (60 s), not KVM's 5 s.
  EXPECT_EQ(r.report["aggregates"][0]["accelerator"], "tcg");
  std::optional<KvmVerdict> after = CachedVerdict();
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->usable());
  EXPECT_EQ(after->how, "contradicted by a run");
  EXPECT_EQ(runs[0]["role"], "superseded");
  EXPECT_EQ(runs[1]["role"], "counted");
  std::printf("case: KVM stuck at '%s'; fell back to TCG\n",
              std::string(runs[0]["reason"]).c_str());
}

}  // namespace
}  // namespace bootgate::testing
