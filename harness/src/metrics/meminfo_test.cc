#include "metrics/meminfo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "metrics/test_data.h"
#include "util/error.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;

// testdata/meminfo_host.txt and free_k_host.txt were taken back to back on
// the build host, retried until free's "free" and "available" equalled
// MemFree and MemAvailable: one snapshot.
TEST(Meminfo, ParsesRealProcMeminfo) {
  Meminfo m = ParseMeminfo(MetricsTestData("meminfo_host.txt"));
  EXPECT_DOUBLE_EQ(m.total_mib, 24684092 / 1024.0);
  EXPECT_DOUBLE_EQ(m.free_mib, 21198328 / 1024.0);
  EXPECT_DOUBLE_EQ(m.available_mib, 23785812 / 1024.0);
  EXPECT_DOUBLE_EQ(m.buffers_mib, 55080 / 1024.0);
  EXPECT_DOUBLE_EQ(m.cached_mib, 2702312 / 1024.0);
}

TEST(Meminfo, UsedEqualsProcpsFreeUsedColumn) {
  Meminfo m = ParseMeminfo(MetricsTestData("meminfo_host.txt"));
  std::istringstream free_out(MetricsTestData("free_k_host.txt"));
  std::string line;
  double total_kib = -1, used_kib = -1;
  while (std::getline(free_out, line)) {
    if (line.rfind("Mem:", 0) == 0) {
      std::istringstream f(line.substr(4));
      f >> total_kib >> used_kib;
    }
  }
  ASSERT_GT(used_kib, 0) << "no Mem: line in free_k_host.txt";
  EXPECT_NEAR(m.total_mib, total_kib / 1024.0, 1.0 / 1024);
  EXPECT_NEAR(m.used_mib(), used_kib / 1024.0, 1.0 / 1024);
}

TEST(Meminfo, ToleratesCrLfAndUnitlessLines) {
  Meminfo m = ParseMeminfo(
      "MemTotal:        2048 kB\r\nMemFree: 1024 kB\r\n"
      "MemAvailable:    1536 kB\r\nHugePages_Total:       0\r\n");
  EXPECT_DOUBLE_EQ(m.total_mib, 2.0);
  EXPECT_DOUBLE_EQ(m.available_mib, 1.5);
  EXPECT_DOUBLE_EQ(m.used_mib(), 0.5);
  EXPECT_DOUBLE_EQ(m.buffers_mib, 0);
}

TEST(Meminfo, MissingMemAvailableIsNamed) {
  try {
    ParseMeminfo("MemTotal: 2048 kB\nMemFree: 1024 kB\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("MemAvailable"));
  }
}

TEST(Meminfo, MissingMemTotalIsNamed) {
  try {
    ParseMeminfo("MemFree: 1024 kB\nMemAvailable: 1536 kB\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("MemTotal"));
  }
}

TEST(Meminfo, TruncatedRealOutputFails) {
  std::string text = MetricsTestData("meminfo_host.txt");
  // Cut in the middle of the MemAvailable line's key.
  size_t at = text.find("MemAvailable");
  ASSERT_NE(at, std::string::npos);
  EXPECT_THROW(ParseMeminfo(text.substr(0, at + 6)), Error);
  EXPECT_THROW(ParseMeminfo(""), Error);
}

TEST(Meminfo, GarbageAndBadNumbersFail) {
  EXPECT_THROW(ParseMeminfo("bash: cat: command not found\n"), Error);
  EXPECT_THROW(ParseMeminfo(std::string("\x00\xff\x01 garbage", 12)), Error);
  try {
    ParseMeminfo("MemTotal: lots kB\nMemAvailable: 1 kB\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("MemTotal"));
    EXPECT_THAT(e.what(), HasSubstr("lots"));
  }
  EXPECT_THROW(ParseMeminfo("MemTotal: -5 kB\nMemAvailable: 1 kB\n"), Error);
}

}  // namespace
}  // namespace bootgate
