#include "budget/judge_suite.h"

#include <fmt/format.h>

#include <algorithm>

#include "budget/budget.h"
#include "util/error.h"

namespace bootgate {
namespace {

std::string RunLabel(const RunResult& r) {
  return fmt::format("{}iteration {} (attempt {})", r.warmup ? "warm-up " : "",
                     r.iteration, r.attempt);
}

void MarkRoles(std::vector<RunResult*>& runs, const std::string& judge) {
  for (RunResult* r : runs) {
    bool superseded = false;
    for (const RunResult* o : runs) {
      superseded |= o->iteration == r->iteration && o->warmup == r->warmup &&
                    o->attempt > r->attempt;
    }
    r->role = superseded  ? RunRole::kSuperseded
              : r->warmup ? RunRole::kWarmup
                          : RunRole::kCounted;
    r->counts_as = r->verdict;
    r->judge_note.clear();
    if (r->role == RunRole::kSuperseded || !FailedOnlyOnOwnBudgets(*r))
      continue;
    r->counts_as = Verdict::kPass;
    std::string over;
    for (const BudgetResult& b : r->budgets) {
      if (b.verdict != Verdict::kFail) continue;
      over += fmt::format("{}{} {:g} over its own budget {:g}",
                          over.empty() ? "" : ", ", b.metric, b.value, b.limit);
    }
    r->judge_note = over + " in this run; the group is judged on its " +
                    (r->warmup ? "counted runs" : judge);
  }
}

AggregateResult JudgeGroup(std::vector<RunResult*>& runs,
                           const Budgets& budgets) {
  MarkRoles(runs, budgets.judge);
  std::vector<RunResult> judged;
  for (const RunResult* r : runs) {
    if (r->role != RunRole::kSuperseded) judged.push_back(*r);
  }
  AggregateResult a = Aggregate(judged, budgets, budgets.judge);
  if (judged.empty() && !runs.empty()) {
    a.scenario = runs.front()->scenario;
    a.profile = runs.front()->profile;
    a.backend = runs.front()->backend;
  }
  for (const RunResult* r : runs) {
    switch (r->role) {
      case RunRole::kSuperseded:
        ++a.superseded;
        continue;
      case RunRole::kWarmup:
        ++a.warmups;
        break;
      case RunRole::kCounted:
        ++a.counts[ToString(r->counts_as)];
        break;
    }
    if (r->verdict == Verdict::kError || r->verdict == Verdict::kInterrupted) {
      a.errors.push_back(RunLabel(*r) + ": " + r->reason);
    }
    if (r->role == RunRole::kWarmup && r->counts_as != Verdict::kPass &&
        r->counts_as != Verdict::kSkipped) {
      a.warmup_failures.push_back(RunLabel(*r) + " " + ToString(r->verdict) +
                                  ": " + r->reason);
    }
  }
  return a;
}

}  // namespace

void JudgeSuite(SuiteResult* suite, const std::vector<Scenario>* scenarios) {
  suite->aggregates.clear();
  std::vector<std::pair<std::string, std::string>> groups;
  for (const auto& r : suite->runs) {
    auto g = std::make_pair(r.scenario, r.profile);
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) {
      groups.push_back(g);
    }
  }
  std::vector<Verdict> verdicts;
  for (const auto& [name, profile] : groups) {
    std::vector<RunResult*> runs;
    for (auto& r : suite->runs) {
      if (r.scenario == name && r.profile == profile) runs.push_back(&r);
    }
    Budgets budgets;
    if (scenarios != nullptr) {
      for (const auto& s : *scenarios) {
        if (s.name == name) budgets = s.budgets;
      }
    }
    suite->aggregates.push_back(JudgeGroup(runs, budgets));
    verdicts.push_back(suite->aggregates.back().verdict);
  }
  if (suite->interrupted) verdicts.push_back(Verdict::kInterrupted);
  suite->verdict = CombineVerdicts(verdicts);
}

std::vector<Scenario> JudgingFromAggregates(
    const std::vector<AggregateResult>& aggregates) {
  std::vector<Scenario> out;
  for (const AggregateResult& a : aggregates) {
    // Reports written before aggregates carried "judge" still name the
    // statistic in each judged budget.
    std::string judge = a.judge;
    for (const BudgetResult& b : a.budgets) {
      if (b.statistic != "value") judge = b.statistic;
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const Scenario& s) {
      return s.name == a.scenario;
    });
    if (it == out.end()) {
      Scenario s;
      s.name = a.scenario;
      s.budgets.judge = judge;
      out.push_back(std::move(s));
      it = out.end() - 1;
    } else if (it->budgets.judge != judge) {
      throw Error(
          a.scenario,
          "judged on " + it->budgets.judge + " in one report and on " + judge +
              " in another; were they run from different scenario files?");
    }
    auto& limits = it->budgets.per_profile[a.profile];
    for (const BudgetResult& b : a.budgets) {
      BudgetValue v;
      v.any = b.limit;
      auto [slot, added] = limits.emplace(b.metric, v);
      if (!added && slot->second.any != v.any) {
        throw Error(a.scenario + "/" + a.profile,
                    "two reports give " + b.metric +
                        " different budgets; were they run from "
                        "different scenario files?");
      }
    }
  }
  return out;
}

}  // namespace bootgate
