#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "budget/judge_suite.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/summary.h"
#include "history/history.h"
#include "report/json_report.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {

namespace {

// "k=v,k=v" of a suite's labels.
std::string LabelText(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels)
    out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

// The shards of the plan whose report is not among `parts`, as "K/N"
// (none when the reports were not sharded).
std::vector<std::string> MissingShards(const std::vector<SuiteResult>& parts) {
  int count = 0;
  std::set<int> present;
  for (const SuiteResult& p : parts) {
    if (p.shard_count == 0) continue;
    if (count != 0 && p.shard_count != count) {
      throw Error(
          "merge",
          fmt::format("the reports come from plans of {} and {} shards; "
                      "merge the shards of one run",
                      count, p.shard_count));
    }
    count = p.shard_count;
    present.insert(p.shard_index);
  }
  std::vector<std::string> missing;
  for (int k = 1; k <= count; ++k) {
    if (!present.count(k)) missing.push_back(fmt::format("{}/{}", k, count));
  }
  return missing;
}

// Adds `part`'s runs to `merged` (run dirs made relative to `out_dir`).
void AddRuns(SuiteResult& merged, SuiteResult& part, const std::string& path,
             const std::string& out_dir, std::set<std::string>& seen) {
  for (auto& r : part.runs) {
    std::string key = r.scenario + "/" + r.profile + "/" +
                      std::to_string(r.iteration) + "/" +
                      std::to_string(r.attempt) + (r.warmup ? "w" : "");
    if (!seen.insert(key).second) {
      throw Error(path,
                  "run " + key +
                      " appears in two shard reports; were the shards run "
                      "with different --shard values?");
    }
    r.run_dir = fs::relative(fs::path(path).parent_path() / r.run_dir, out_dir)
                    .string();
    merged.runs.push_back(r);
  }
}

std::map<std::string, std::string> ShardMetadata(const SuiteResult& p,
                                                 const std::string& path) {
  return {{"report", path},
          {"shard", p.shard_count == 0
                        ? ""
                        : fmt::format("{}/{}", p.shard_index, p.shard_count)},
          {"run_id", p.run_id},
          {"build_id", p.build_id},
          {"labels", LabelText(p.labels)},
          {"timeout_scale", fmt::format("{:g}", p.timeout_scale)},
          {"host", p.host},
          {"verdict", ToString(p.verdict)}};
}

}  // namespace

SuiteResult MergeReports(const std::vector<std::string>& reports,
                         const std::string& out_dir, bool allow_partial) {
  std::vector<SuiteResult> parts;
  for (const auto& path : reports)
    parts.push_back(ParseJsonReport(ReadFile(path), path));
  const std::vector<std::string> missing = MissingShards(parts);
  if (!missing.empty() && !allow_partial) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw Error("merge",
                "shard" + std::string(missing.size() == 1 ? " " : "s ") + list +
                    " of the plan " + (missing.size() == 1 ? "is" : "are") +
                    " missing (no report.json given for " +
                    (missing.size() == 1 ? "it" : "them") +
                    "); pass --allow-partial to merge the others anyway");
  }
  SuiteResult merged = parts.front();
  merged.runs.clear();
  merged.aggregates.clear();
  merged.shard_index = merged.shard_count = 0;
  std::set<std::string> seen;
  std::vector<AggregateResult> judged;  // how each shard judged its groups
  std::vector<Verdict> shard_verdicts;
  for (size_t i = 0; i < parts.size(); ++i) {
    SuiteResult& part = parts[i];
    judged.insert(judged.end(), part.aggregates.begin(), part.aggregates.end());
    if (!part.started_at.empty() && part.started_at < merged.started_at)
      merged.started_at = part.started_at;
    if (part.finished_at > merged.finished_at)
      merged.finished_at = part.finished_at;
    for (const auto& g : part.planned_groups) {
      if (std::find(merged.planned_groups.begin(), merged.planned_groups.end(),
                    g) == merged.planned_groups.end()) {
        merged.planned_groups.push_back(g);
      }
    }
    merged.interrupted = merged.interrupted || part.interrupted;
    merged.shards.push_back(ShardMetadata(part, reports[i]));
    shard_verdicts.push_back(part.verdict);
    AddRuns(merged, part, reports[i], out_dir, seen);
  }
  merged.run_id += "-merged";
  merged.report_dir = out_dir;
  const std::vector<Scenario> judging = JudgingFromAggregates(judged);
  JudgeSuite(&merged, &judging);
  // A shard's own verdict also counts (it may have stopped before its
  // runs, e.g. interrupted or unable to start): verdict.h's ranking.
  shard_verdicts.push_back(merged.verdict);
  merged.verdict = CombineVerdicts(shard_verdicts);
  if (!missing.empty())
    merged.verdict = CombineVerdicts({merged.verdict, Verdict::kError});
  return merged;
}

int MergeMain(const std::vector<std::string>& reports,
              const std::string& out_dir, const std::string& history_path,
              bool allow_partial) {
  SuiteResult merged;
  try {
    merged = MergeReports(reports, out_dir, allow_partial);
  } catch (const Error& e) {
    std::fprintf(stderr, "bootgate: error: %s\n", Safe(e.what()).c_str());
    return 2;
  }
  for (const auto& shard : merged.shards) {
    if (shard.at("build_id") != merged.build_id ||
        shard.at("labels") != LabelText(merged.labels)) {
      std::fprintf(
          stderr,
          "bootgate: warning: %s has build '%s' and labels '%s', the first "
          "report "
          "build '%s' and labels '%s'; each shard's are kept under "
          "\"shards\"\n",
          shard.at("report").c_str(), Safe(shard.at("build_id")).c_str(),
          Safe(shard.at("labels")).c_str(), Safe(merged.build_id).c_str(),
          Safe(LabelText(merged.labels)).c_str());
    }
  }
  fs::create_directories(out_dir);
  PosixProcessLauncher launcher;
  std::unique_ptr<History> history;
  if (!history_path.empty()) {
    history = std::make_unique<History>(history_path);
    history->Record(merged);
  }
  WriteReports(merged, out_dir, history.get(), launcher, true);
  PrintSummary(merged, stdout);
  std::printf("merged %zu runs from %zu reports into %s\n", merged.runs.size(),
              reports.size(), out_dir.c_str());
  return ExitCodeFor(merged.verdict);
}

}  // namespace bootgate
