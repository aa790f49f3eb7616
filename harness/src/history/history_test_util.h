// Builders shared by the history tests.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "budget/judge_suite.h"
#include "result/result.h"

namespace bootgate::testing_history {

struct RunSpec {
  std::string scenario = "photon";
  std::string profile = "qemu-kvm";
  std::string accel = "tcg";
  std::string backend = "qemu";
  double boot_s = 10;
  bool warmup = false;
  Verdict verdict = Verdict::kPass;
  int vm_cpus = 1;
  std::map<std::string, std::string> labels = {};  ///< the scenario's own
  int vm_memory_mib = 512;
};

inline SuiteResult MakeSuite(const std::string& id, const std::string& started_at,
                             const std::string& build, const std::vector<RunSpec>& specs,
                             std::map<std::string, std::string> labels = {}) {
  SuiteResult s;
  s.run_id = id;
  s.started_at = started_at;
  s.finished_at = started_at;
  s.host = "ci-host";
  s.bootgate_version = "0.1.0";
  s.build_id = build;
  s.labels = std::move(labels);
  int i = 0;
  for (const RunSpec& spec : specs) {
    RunResult r;
    r.scenario = spec.scenario;
    r.profile = spec.profile;
    r.accelerator = spec.accel;
    r.backend = spec.backend;
    r.vm_cpus = spec.vm_cpus;
    r.vm_memory_mib = spec.vm_memory_mib;
    r.iteration = ++i;
    r.warmup = spec.warmup;
    r.verdict = spec.verdict;
    r.labels = spec.labels;
    r.image = "/images/" + spec.scenario + ".iso";
    r.image_sha256 = "abc123";
    // Runs start one second apart after the suite.
    r.started_at = started_at.substr(0, started_at.size() - 3) + (i < 10 ? ":0" : ":") +
                   std::to_string(i) + "Z";
    r.metrics["boot_s"] = spec.boot_s;
    r.metrics["ram_mib"] = 120;
    s.runs.push_back(r);
  }
  JudgeSuite(&s, nullptr);  // as `bootgate run` records it: judged
  return s;
}

/// Counts rows of a table through a separate connection.
inline int64_t CountRows(const std::string& db_path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &st, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace bootgate::testing_history
