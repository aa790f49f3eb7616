// The explain parsers on outputs captured from real guests: testdata/debian_*
// from the Debian 12 systemd image (images/debian/build.sh, booted under
// QEMU TCG, read over SSH), testdata/reference_* from the busybox reference
// image, testdata/host_* from this Debian 12 build host (kernel 6.1, which
// prints the Pss_Anon/Pss_Shmem split). testdata/README.md says how.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/explain/collect.h"
#include "metrics/explain/disk_usage.h"
#include "metrics/explain/kernel_memory.h"
#include "metrics/explain/kernel_stamps.h"
#include "metrics/explain/processes.h"
#include "metrics/explain/systemd_analyze.h"
#include "metrics/meminfo.h"
#include "ssh/command_channel.h"
#include "util/clock.h"
#include "util/fs.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;

std::string Data(const std::string& name) {
  const char* src = std::getenv("BOOTGATE_SOURCE_DIR");
  return ReadFile(std::string(src ? src : ".") +
                  "/harness/src/metrics/explain/testdata/" + name);
}

TEST(SystemdSpan, ParsesEveryUnitSystemdPrints) {
  EXPECT_DOUBLE_EQ(*ParseSystemdSpan("1min 5.120s"), 65.12);
  EXPECT_DOUBLE_EQ(*ParseSystemdSpan("456ms"), 0.456);
  EXPECT_DOUBLE_EQ(*ParseSystemdSpan("2h 3min"), 7380);
  EXPECT_NEAR(*ParseSystemdSpan("12us"), 12e-6, 1e-12);
  EXPECT_NEAR(*ParseSystemdSpan("12\xc2\xb5s"), 12e-6, 1e-12);
  EXPECT_FALSE(ParseSystemdSpan("5 s"));
  EXPECT_FALSE(ParseSystemdSpan("fast"));
  EXPECT_FALSE(ParseSystemdSpan(""));
}

TEST(SystemdAnalyzeTime, ParsesKernelInitrdUserspaceAndTarget) {
  SystemdTime t = ParseSystemdAnalyzeTime(
      "Startup finished in 1.234s (firmware) + 2.5s (loader) + 3.040s (kernel) "
      "+ 4.1s (initrd) + "
      "1min 5.120s (userspace) = 1min 15.994s \ngraphical.target reached after "
      "1min 5.095s in "
      "userspace.\n");
  EXPECT_DOUBLE_EQ(t.phases_s.at("firmware"), 1.234);
  EXPECT_DOUBLE_EQ(t.phases_s.at("initrd"), 4.1);
  EXPECT_DOUBLE_EQ(t.phases_s.at("userspace"), 65.12);
  EXPECT_DOUBLE_EQ(t.phases_s.at("total"), 75.994);
  EXPECT_EQ(t.target, "graphical.target");
}

TEST(SystemdAnalyzeTime, BootNotFinishedGivesNothing) {
  SystemdTime t = ParseSystemdAnalyzeTime(
      "Bootup is not yet finished "
      "(org.freedesktop.systemd1.Manager.FinishTimestampMonotonic=0).\n"
      "Please try again later.\n");
  EXPECT_TRUE(t.phases_s.empty());
  EXPECT_TRUE(t.target.empty());
}

TEST(ProcessMemory, PssWithTheAnonShmemSplitOfLinux61) {
  std::string measure;
  auto procs = ParseProcessMemory(Data("host_comm.txt"),
                                  Data("host_pss_split.txt"), "", 0, &measure);
  ASSERT_FALSE(procs.empty());
  EXPECT_EQ(measure, "pss");
  // testdata/host_pss_split.txt starts with pid 11164: Pss 16156 kB of which
  // Pss_Anon 11528 + Pss_Shmem 0.
  auto it = std::find_if(procs.begin(), procs.end(),
                         [](const ProcessMemory& p) { return p.pid == 11164; });
  ASSERT_NE(it, procs.end());
  EXPECT_DOUBLE_EQ(it->pss_mib, 16156 / 1024.0);
  EXPECT_DOUBLE_EQ(it->unreclaimable_mib, 11528 / 1024.0);
  for (size_t i = 1; i < procs.size(); ++i)
    EXPECT_GE(procs[i - 1].pss_mib, procs[i].pss_mib);
}

TEST(ProcessMemory, ReferenceImageBusybox) {
  std::string measure;
  // The captures were taken over separate SSH sessions: the session's own
  // processes differ between them, so RSS is left out here (in the guest
  // script all three greps run in one shell).
  auto procs =
      ParseProcessMemory(Data("reference_proc_comm.txt"),
                         Data("reference_proc_pss.txt"), "", 0, &measure);
  // 5 user processes (init, getty, dropbear, its session, ash); the kernel
  // threads have no Pss.
  ASSERT_EQ(procs.size(), 5u);
  EXPECT_EQ(measure, "pss");
  EXPECT_EQ(procs[0].pid, 177);
  EXPECT_DOUBLE_EQ(procs[0].pss_mib, 1566 / 1024.0);
  EXPECT_DOUBLE_EQ(procs[0].unreclaimable_mib, procs[0].pss_mib)
      << "no split printed: all of it";
}

TEST(ProcessMemory, ReferenceRssAloneIsRss) {
  std::string measure;
  auto procs = ParseProcessMemory(Data("reference_proc_comm.txt"), "",
                                  Data("reference_proc_rss.txt"), 0, &measure);
  EXPECT_EQ(procs.size(), 5u);
  EXPECT_EQ(measure, "rss");
}

TEST(ProcessMemory, FallsBackToRssWithoutSmapsRollupAndSkipsTheCollector) {
  std::string measure;
  auto procs = ParseProcessMemory(
      "/proc/1/comm:init\n/proc/7/comm:sh\n/proc/2/comm:kthreadd\n", "",
      "/proc/1/status:VmRSS:\t    1200 kB\n"
      "/proc/7/status:VmRSS:\t    900 kB\n",
      7, &measure);
  ASSERT_EQ(procs.size(), 1u);
  EXPECT_EQ(procs[0].name, "init");
  EXPECT_DOUBLE_EQ(procs[0].pss_mib, 1200 / 1024.0);
  EXPECT_EQ(measure, "rss");
}

TEST(KernelMemory, ReferenceImageAddsUpWithinTolerance) {
  const std::string meminfo = Data("reference_meminfo.txt");
  auto k = ParseKernelMemory(meminfo);
  EXPECT_DOUBLE_EQ(k.at("slab"), 16804 / 1024.0);
  EXPECT_DOUBLE_EQ(k.at("sunreclaim"), 7196 / 1024.0);
  EXPECT_DOUBLE_EQ(k.at("percpu"), 256 / 1024.0);
  EXPECT_DOUBLE_EQ(k.at("page_cache"), 11516 / 1024.0);
  EXPECT_DOUBLE_EQ(k.at("shmem_unmapped"), (11516 - 3600) / 1024.0);
  EXPECT_DOUBLE_EQ(k.at("reserve"),
                   (0 + 0 + 9608 - (440776 - 440428)) / 1024.0);

  RamExplanation ram;
  ram.used_mib = ParseMeminfo(meminfo).used_mib();
  ram.kernel_mib = k;
  std::string measure;
  for (const auto& p :
       ParseProcessMemory(Data("reference_proc_comm.txt"),
                          Data("reference_proc_pss.txt"), "", 0, &measure))
    ram.processes_unreclaimable_mib += p.unreclaimable_mib;
  AttributeRam(&ram);
  EXPECT_NEAR(ram.used_mib, 39.57, 0.01);
  EXPECT_TRUE(ram.within_tolerance) << "unexplained " << ram.unexplained_mib
                                    << " of " << ram.used_mib << " MiB";
  EXPECT_LT(std::abs(ram.unexplained_mib), 0.10 * ram.used_mib);
}

TEST(KernelMemory, AResidualBeyondToleranceIsSaid) {
  RamExplanation ram;
  ram.used_mib = 200;
  ram.processes_unreclaimable_mib = 100;
  ram.kernel_mib = {{"sunreclaim", 10}, {"page_cache", 500}};
  AttributeRam(&ram);
  EXPECT_DOUBLE_EQ(ram.explained_mib, 110)
      << "page cache is available: not summed";
  EXPECT_DOUBLE_EQ(ram.unexplained_mib, 90);
  EXPECT_DOUBLE_EQ(ram.tolerance_mib, 20);
  EXPECT_FALSE(ram.within_tolerance);
}

TEST(DiskUsage, ReferenceImageDu) {
  double total = 0;
  auto paths = ParseDuKib(Data("reference_du.txt"), "/", &total);
  EXPECT_DOUBLE_EQ(total, 11508 / 1024.0);
  ASSERT_FALSE(paths.empty());
  EXPECT_EQ(paths[0].name, "/lib");
  EXPECT_DOUBLE_EQ(paths[0].mib, 8004 / 1024.0);
}

TEST(DiskUsage, DpkgInKibRpmInBytes) {
  auto dpkg = ParseDpkgSizes("libc6 12000\nbroken \nsystemd 20480\n");
  ASSERT_EQ(dpkg.size(), 2u);
  EXPECT_EQ(dpkg[0].name, "systemd");
  EXPECT_DOUBLE_EQ(dpkg[0].mib, 20);
  // Photon's rpm -qa --qf '%{NAME} %{SIZE}\n' (SIZE in bytes, RPM docs).
  auto rpm = ParseRpmSizes("glibc 10485760\nbash 2097152\n");
  ASSERT_EQ(rpm.size(), 2u);
  EXPECT_DOUBLE_EQ(rpm[0].mib, 10);
}

TEST(ExplainSections, SplitsAndKeepsFirst) {
  auto s = SplitExplainSections(
      "junk\n@@bootgate:a@@\nx\ny\n@@bootgate:b@@\n@@bootgate:a@@\nz");
  EXPECT_EQ(s.at("a"), "x\ny\n");
  EXPECT_EQ(s.at("b"), "");
  EXPECT_EQ(s.size(), 2u);
}

TEST(ExplainRam, ReferenceSectionsAndNoSystemd) {
  std::string out = "@@bootgate:self@@\n999\n@@bootgate:meminfo@@\n" +
                    Data("reference_meminfo.txt") + "@@bootgate:comm@@\n" +
                    Data("reference_proc_comm.txt") + "@@bootgate:pss@@\n" +
                    Data("reference_proc_pss.txt");
  std::vector<std::string> notes;
  auto ram = ExplainRam(SplitExplainSections(out), 3, &notes);
  ASSERT_TRUE(ram);
  EXPECT_EQ(ram->processes.size(), 3u) << "cut to top_n";
  EXPECT_EQ(ram->process_count, 5);
  EXPECT_TRUE(ram->within_tolerance);
  EXPECT_FALSE(ExplainBoot(SplitExplainSections(""), 10, &notes));
  EXPECT_THAT(notes.back(), HasSubstr("no systemd-analyze"));
  std::vector<std::string> disk_notes;
  auto disk = ExplainDisk(
      SplitExplainSections("@@bootgate:du@@\n" + Data("reference_du.txt")), "/",
      10, &disk_notes);
  ASSERT_TRUE(disk);
  EXPECT_TRUE(disk->packages.empty());
  EXPECT_EQ(disk->package_manager, "");
  EXPECT_THAT(disk_notes.back(), HasSubstr("no package manager"));
  // busybox's rpm applet: a package manager that lists nothing is none.
  disk_notes.clear();
  disk = ExplainDisk(SplitExplainSections(
                         "@@bootgate:du@@\n" + Data("reference_du.txt") +
                         "@@bootgate:rpm@@\nrpm: unrecognized option '--qf'\n"),
                     "/", 10, &disk_notes);
  ASSERT_TRUE(disk);
  EXPECT_EQ(disk->package_manager, "");
  EXPECT_THAT(disk_notes.back(), HasSubstr("rpm listed no packages"));
}

// The stage over a scripted channel: each area is one command; a failed one
// loses only its area, with a note naming it.
TEST(CollectExplanation, AFailedAreaLosesOnlyItself) {
  FakeCommandChannel ch;
  ExecResult boot;
  boot.exit_status = 0;
  boot.stdout_text =
      "@@bootgate:time@@\nStartup finished in 3.0s (kernel) + 20.5s (userspace) = 23.5s\n"
      "@@bootgate:blame@@\n     12.5s cloud-init.service\n  1.093s ssh.service\n"
      "@@bootgate:chain@@\ngraphical.target @20.5s\n`-ssh.service @19.4s +1.093s\n";
  ch.OnRegex("systemd-analyze", boot);
  ExecResult ram;
  ram.exit_status = 0;
  ram.stdout_text = "@@bootgate:self@@\n999\n@@bootgate:meminfo@@\n" + Data("reference_meminfo.txt") +
                    "@@bootgate:comm@@\n" + Data("reference_proc_comm.txt") + "@@bootgate:pss@@\n" +
                    Data("reference_proc_pss.txt");
  ch.OnRegex("smaps_rollup", ram);
  ch.FailRegex("du -x", "command timed out after 60 s: du");
  FakeClock clock;
  Explanation ex = CollectExplanation(ch, ExplainSpec{}, "/", clock);
  ASSERT_EQ(ch.calls().size(), 3u);
  EXPECT_THAT(ch.calls()[0].command, HasSubstr("is-system-running --wait"));
  ASSERT_TRUE(ex.boot);
  EXPECT_EQ(ex.boot->units.size(), 2u);
  EXPECT_EQ(ex.boot->target, "graphical.target");
  EXPECT_EQ(ex.boot->critical_chain[1].took_s, 1.093);
  ASSERT_TRUE(ex.ram);
  EXPECT_FALSE(ex.disk);
  EXPECT_THAT(ex.notes.back(), HasSubstr("disk: command timed out"));
}

TEST(KernelStamps, ReferenceConsole) {
  std::vector<ConsoleLine> lines = {
      {1.0, "[    0.000000] Linux version 6.1"},
      {32.881, "[    4.032885] Run /init as init process"},
      {42.141, "refimg login: "}};
  KernelBootStamps k = ExtractKernelBootStamps(lines, 42.141, 28.8);
  EXPECT_DOUBLE_EQ(*k.init_start_kernel_s, 4.032885);
  EXPECT_NEAR(*k.login_prompt_kernel_s, 13.341, 1e-9);
  EXPECT_FALSE(ExtractKernelBootStamps(lines, 42.141, std::nullopt)
                   .login_prompt_kernel_s);
}

}  // namespace
}  // namespace bootgate
