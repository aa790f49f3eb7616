// The result model: the plain structs every stage fills and every reporter
// (JSON, JUnit, Markdown, HTML, Prometheus) and the history read. The stages
// return values of these types; the runner assembles a RunResult per VM run
// and the suite runner a SuiteResult. Data only, no dependency on any stage:
// this folder depends on nothing but util/.
#pragma once

#include "result/budget_result.h"
#include "result/check_result.h"
#include "result/explanation.h"
#include "result/run_result.h"
#include "result/stats.h"
#include "result/suite_result.h"
#include "result/timeline.h"
#include "result/verdict.h"
