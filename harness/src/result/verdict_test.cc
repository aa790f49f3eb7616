#include "result/verdict.h"

#include <gtest/gtest.h>

namespace bootgate {
namespace {

// Aggregates combine run verdicts with CombineVerdicts.
TEST(CombineVerdicts, Order) {
  EXPECT_EQ(CombineVerdicts({}), Verdict::kPass);
  EXPECT_EQ(CombineVerdicts({Verdict::kPass, Verdict::kInconclusive}),
            Verdict::kInconclusive);
  EXPECT_EQ(CombineVerdicts({Verdict::kInconclusive, Verdict::kFail}),
            Verdict::kFail);
  // A real failure is never hidden behind "could not measure" (fails on the
  // old ranking, where error beat fail).
  EXPECT_EQ(CombineVerdicts({Verdict::kFail, Verdict::kError, Verdict::kPass}),
            Verdict::kFail);
  EXPECT_EQ(CombineVerdicts({Verdict::kInterrupted, Verdict::kFail}),
            Verdict::kFail);
  EXPECT_EQ(CombineVerdicts({Verdict::kError, Verdict::kInterrupted}),
            Verdict::kInterrupted);
  EXPECT_EQ(CombineVerdicts({Verdict::kError, Verdict::kInconclusive}),
            Verdict::kError);
  EXPECT_EQ(CombineVerdicts({Verdict::kSkipped, Verdict::kPass}),
            Verdict::kPass);
}

}  // namespace
}  // namespace bootgate
