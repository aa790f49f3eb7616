#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "history/history.h"
#include "report/prometheus_report.h"
#include "util/cancel.h"

namespace bootgate {

int ServeMain(const std::string& db, const std::string& bind) {
  CancelToken cancel;
  SignalRouter signals(&cancel);
  auto history = std::make_shared<History>(db);
  // Each group's latest judged suite: its verdict as the judge gave it,
  // error and interrupted included, with that suite's build and labels.
  auto provider = [history] { return history->LatestJudgedSuites(); };
  MetricsServer server(bind, provider);
  std::fprintf(stderr,
               "bootgate: serving the latest results of %s at "
               "http://%s/metrics (Ctrl-C stops)\n",
               db.c_str(), bind.c_str());
  while (!cancel.cancelled())
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return 0;
}

}  // namespace bootgate
