#include "metrics/df.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/test_data.h"
#include "util/error.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;

constexpr double kKiB = 1.0 / 1024;  // one 1K block in MiB

// All inputs below are real captures (see testdata/): coreutils 9.1 and
// busybox 1.35 on Debian 12.
TEST(DfPosix, CoreutilsRoot) {
  DiskUsage d = ParseDfPosix(MetricsTestData("df_coreutils_root.txt"), "/");
  EXPECT_EQ(d.filesystem, "/dev/vda");
  EXPECT_EQ(d.mount, "/");
  EXPECT_DOUBLE_EQ(d.size_mib, 264212084 * kKiB);
  EXPECT_DOUBLE_EQ(d.used_mib, 17970108 * kKiB);
  EXPECT_DOUBLE_EQ(d.avail_mib, 82367080 * kKiB);
}

TEST(DfPosix, BusyboxRoot) {
  DiskUsage d = ParseDfPosix(MetricsTestData("df_busybox_root.txt"), "/");
  EXPECT_EQ(d.filesystem, "/dev/vda");
  EXPECT_DOUBLE_EQ(d.used_mib, 17970112 * kKiB);
  EXPECT_DOUBLE_EQ(d.avail_mib, 82367076 * kKiB);
}

TEST(DfPosix, BusyboxWithout_P_Header1KBlocks) {
  DiskUsage d =
      ParseDfPosix(MetricsTestData("df_busybox_nonposix_root.txt"), "/");
  EXPECT_EQ(d.mount, "/");
  EXPECT_DOUBLE_EQ(d.size_mib, 264212084 * kKiB);
}

TEST(DfPosix, PicksTheRequestedMountAmongSeveral) {
  std::string text = MetricsTestData("df_coreutils_multi.txt");
  DiskUsage shm = ParseDfPosix(text, "/dev/shm");
  EXPECT_EQ(shm.filesystem, "tmpfs");
  EXPECT_DOUBLE_EQ(shm.size_mib, 24684092 * kKiB);
  EXPECT_DOUBLE_EQ(shm.used_mib, 0);
  DiskUsage proc = ParseDfPosix(text, "/proc");  // capacity "-"
  EXPECT_EQ(proc.filesystem, "proc");
  EXPECT_DOUBLE_EQ(proc.size_mib, 0);
  try {
    ParseDfPosix(text, "/var");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/var"));
    EXPECT_THAT(e.what(), HasSubstr("/dev/shm"));
  }
}

TEST(DfPosix, OnlyLineIsTakenForAPathInsideAMount) {
  // `df -P -k /var/log` on a guest without a /var mount prints "/".
  DiskUsage d =
      ParseDfPosix(MetricsTestData("df_coreutils_root.txt"), "/var/log");
  EXPECT_EQ(d.mount, "/");
}

TEST(DfPosix, LongFilesystemNameAndMountWithSpace) {
  for (const char* file : {"df_coreutils_space_longname.txt",
                           "df_busybox_space_longname.txt"}) {
    SCOPED_TRACE(file);
    DiskUsage d = ParseDfPosix(MetricsTestData(file), "/tmp/bg mnt");
    EXPECT_EQ(d.filesystem,
              "bootgate-a-rather-long-filesystem-name-for-wrapping");
    EXPECT_EQ(d.mount, "/tmp/bg mnt");
    EXPECT_DOUBLE_EQ(d.size_mib, 64);
    EXPECT_DOUBLE_EQ(d.avail_mib, 64);
  }
}

TEST(DfPosix, WrappedFilesystemLineIsJoined) {
  // Non-POSIX busybox/old coreutils put a long name on its own line.
  DiskUsage d = ParseDfPosix(
      "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
      "/dev/mapper/very-long-volume-group-name-root\n"
      "                       1048576    524288    524288  50% /\n",
      "/");
  EXPECT_EQ(d.filesystem, "/dev/mapper/very-long-volume-group-name-root");
  EXPECT_DOUBLE_EQ(d.used_mib, 512);
}

TEST(DfPosix, BlockSizeComesFromTheHeader) {
  DiskUsage d = ParseDfPosix(
      "Filesystem 512-blocks Used Available Capacity Mounted on\r\n"
      "/dev/sda1 2048 1024 1024 50% /\r\n",
      "/");
  EXPECT_DOUBLE_EQ(d.size_mib, 1.0);
  EXPECT_DOUBLE_EQ(d.used_mib, 0.5);
}

TEST(DfPosix, GarbageAndTruncatedInputFail) {
  std::string real = MetricsTestData("df_coreutils_root.txt");
  EXPECT_THROW(ParseDfPosix("", "/"), Error);
  EXPECT_THROW(ParseDfPosix("df: /nope: No such file or directory\n", "/"),
               Error);
  // Header only (truncated after the first line).
  EXPECT_THROW(ParseDfPosix(real.substr(0, real.find('\n') + 1), "/"), Error);
  // Data line cut before the capacity column.
  size_t cut = real.find("18%");
  ASSERT_NE(cut, std::string::npos);
  EXPECT_THROW(ParseDfPosix(real.substr(0, cut), "/"), Error);
  // No block-size column.
  EXPECT_THROW(ParseDfPosix("Filesystem Size Used Avail Use% Mounted on\n"
                            "/dev/vda1 10G 5G 5G 50% /\n",
                            "/"),
               Error);
  // Non-numeric columns.
  EXPECT_THROW(ParseDfPosix("Filesystem 1024-blocks Used Available Capacity "
                            "Mounted on\n/dev/vda1 ten 5 5 50% /\n",
                            "/"),
               Error);
}

}  // namespace
}  // namespace bootgate
