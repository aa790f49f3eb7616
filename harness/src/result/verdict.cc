#include "result/verdict.h"

#include <algorithm>

#include "util/error.h"

namespace bootgate {

std::string ToString(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kError: return "error";
    case Verdict::kInterrupted: return "interrupted";
    case Verdict::kInconclusive: return "inconclusive";
    case Verdict::kSkipped: return "skipped";
  }
  return "error";
}

Verdict VerdictFromString(const std::string& s) {
  for (Verdict v : {Verdict::kPass, Verdict::kFail, Verdict::kError,
                    Verdict::kInterrupted, Verdict::kInconclusive,
                    Verdict::kSkipped}) {
    if (ToString(v) == s) return v;
  }
  throw Error("unknown verdict '" + s +
              "'; expected pass, fail, error, interrupted, inconclusive or "
              "skipped");
}

int ExitCodeFor(Verdict v) {
  switch (v) {
    case Verdict::kPass:
    case Verdict::kSkipped:
      return 0;
    // An inconclusive gate must not pass silently: it did not prove the
    // budget holds.
    case Verdict::kFail:
    case Verdict::kInconclusive:
      return 1;
    case Verdict::kError:
    case Verdict::kInterrupted:
      return 2;
  }
  return 2;
}

Verdict CombineVerdicts(const std::vector<Verdict>& verdicts) {
  auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::kFail: return 5;
      case Verdict::kInterrupted: return 4;
      case Verdict::kError: return 3;
      case Verdict::kInconclusive: return 2;
      case Verdict::kPass: return 1;
      case Verdict::kSkipped: return 0;
    }
    return 3;
  };
  Verdict worst = Verdict::kPass;
  int worst_rank = 1;
  bool any = false;
  for (Verdict v : verdicts) {
    if (v == Verdict::kSkipped) continue;
    any = true;
    if (rank(v) > worst_rank) {
      worst = v;
      worst_rank = rank(v);
    }
  }
  return any ? worst : Verdict::kPass;
}

}  // namespace bootgate
