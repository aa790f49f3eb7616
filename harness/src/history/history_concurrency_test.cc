// Two processes write 200 suites each into one database at the same time:
// no row may be lost and no "database is locked" may escape.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "history/history.h"
#include "history/history_test_util.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

using namespace testing_history;

constexpr int kSuitesPerWriter = 200;
constexpr int kRunsPerSuite = 3;

// Child body: waits for the start signal, writes, exits 0 or 1.
[[noreturn]] void Writer(const std::string& db, int writer, int start_fd) {
  char go;
  if (read(start_fd, &go, 1) < 0) _exit(3);
  try {
    History h(db);
    for (int i = 0; i < kSuitesPerWriter; ++i) {
      std::vector<RunSpec> specs(kRunsPerSuite);
      for (int r = 0; r < kRunsPerSuite; ++r) specs[r].boot_s = writer * 1000 + i + r * 0.1;
      h.Record(MakeSuite("w" + std::to_string(writer) + "-" + std::to_string(i),
                         "2024-05-01T10:00:00Z", "b" + std::to_string(writer), specs));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %d: %s\n", writer, e.what());
    _exit(1);
  }
  _exit(0);
}

TEST(HistoryConcurrency, TwoProcessesWritingAtOnceLoseNothing) {
  TempDir dir(std::filesystem::temp_directory_path(), "history-concurrency-");
  // A fresh path: both writers also race to create the schema.
  const std::string db = (dir.path() / "history.db").string();
  int start[2];
  ASSERT_EQ(pipe(start), 0);
  pid_t pids[2];
  for (int w = 0; w < 2; ++w) {
    pids[w] = fork();
    ASSERT_GE(pids[w], 0);
    if (pids[w] == 0) {
      close(start[1]);
      Writer(db, w, start[0]);
    }
  }
  close(start[0]);
  close(start[1]);  // EOF releases both writers at once
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a writer failed (see stderr)";
  }
  EXPECT_EQ(CountRows(db, "suites"), 2 * kSuitesPerWriter);
  EXPECT_EQ(CountRows(db, "runs"), 2 * kSuitesPerWriter * kRunsPerSuite);
  EXPECT_EQ(CountRows(db, "metrics"), 2 * kSuitesPerWriter * kRunsPerSuite * 2);
  History h(db);
  EXPECT_EQ(h.MetricValues(ParseSelector("build=b0"), "boot_s").size(),
            size_t{kSuitesPerWriter * kRunsPerSuite});
  EXPECT_EQ(h.MetricValues(ParseSelector("build=b1"), "boot_s").size(),
            size_t{kSuitesPerWriter * kRunsPerSuite});
}

}  // namespace
}  // namespace bootgate
