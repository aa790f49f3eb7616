// Scenario loading: ParseScenario on the real scenarios/reference.json text
// (JSON with comments, validation of every field, regex compilation).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "scenario/scenario.h"
#include "util/fs.h"

namespace bootgate {
namespace {

// BOOTGATE_SOURCE_DIR, else the tree this file was compiled from (CMake
// passes absolute source paths).
std::string SourceDir() {
  const char* dir = std::getenv("BOOTGATE_SOURCE_DIR");
  if (dir) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().string();
}

void BM_ParseReferenceScenario(benchmark::State& state) {
  std::string file = SourceDir() + "/scenarios/reference.json";
  std::string text = ReadFile(file);
  for (auto _ : state) {
    std::vector<ValidationIssue> issues;
    // No file checks: the bench measures parsing, not stat() calls.
    auto s = ParseScenario(text, file, &issues, /*check_files=*/false);
    if (!s) state.SkipWithError("scenarios/reference.json did not parse");
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseReferenceScenario)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace bootgate

BENCHMARK_MAIN();
