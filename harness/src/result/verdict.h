// The verdict every stage's judgement ends in, and the two rules built on it:
// the suite verdict (CombineVerdicts) and the process exit code (ExitCodeFor).
#pragma once

#include <string>
#include <vector>

namespace bootgate {

/// A verdict is data, not an error. kError means "could not measure".
enum class Verdict {
  kPass,
  kFail,
  kError,
  kInterrupted,
  kInconclusive,
  kSkipped
};
std::string ToString(Verdict v);  ///< "pass", "fail", "error", ...
Verdict VerdictFromString(const std::string& s);  ///< throws Error

/// 0 pass; 1 a budget, check or the image failed; 2 could not measure.
int ExitCodeFor(Verdict v);
/// The suite verdict: fail beats interrupted beats error beats inconclusive
/// beats pass. A real failure is never hidden behind "could not measure".
Verdict CombineVerdicts(const std::vector<Verdict>& verdicts);

}  // namespace bootgate
