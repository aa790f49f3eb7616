#include "report/prometheus_report.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/gateway.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <system_error>
#include <thread>
#include <tuple>

#include "report/render_util.h"
#include "util/error.h"
#include "util/escape.h"

namespace bootgate {
namespace {

using Labels = std::map<std::string, std::string>;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Families are created on first use and looked up by name afterwards, so a
// name is registered once per registry.
class Families {
 public:
  explicit Families(prometheus::Registry& registry) : registry_(registry) {}
  void Set(const std::string& name, const std::string& help,
           const Labels& labels, double value) {
    auto it = families_.find(name);
    if (it == families_.end()) {
      auto& family =
          prometheus::BuildGauge().Name(name).Help(help).Register(registry_);
      it = families_.emplace(name, &family).first;
    }
    it->second->Add(labels).Set(value);
  }

 private:
  prometheus::Registry& registry_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> families_;
};

std::string UnitHelp(const PrometheusMetricName& m) {
  return m.unit.empty() ? "" : ", in " + m.unit;
}

// The latest counted run's metrics, checks and boot phases.
template <typename With>
void FillRun(Families& f, const RunResult& r, const With& with) {
  const Labels base = with("scenario", r.scenario);
  for (const auto& [key, value] : r.metrics) {
    PrometheusMetricName m = PrometheusNameFor(key);
    f.Set(m.run_name,
          "bootgate metric " + key + " of the latest counted run" + UnitHelp(m),
          base, value * m.scale);
  }
  for (const CheckResult& c : r.checks) {
    f.Set("bootgate_check_passed", "1 if the conformance check passed, else 0",
          with("check", c.name), c.verdict == Verdict::kPass ? 1 : 0);
  }
  for (const PhaseResult& p : r.phases) {
    f.Set("bootgate_boot_phase_seconds", "Duration of a boot phase",
          with("phase", p.name), p.duration_s());
  }
}

// One scenario x profile: the judged series from its aggregate, then the
// latest counted run's own values under bootgate_run_* (when it has one).
void FillGroup(Families& f, const AggregateResult& agg, const RunResult* r,
               const std::string& build_id) {
  const Labels base = {{"scenario", agg.scenario},
                       {"profile", agg.profile},
                       {"accelerator", r != nullptr && agg.accelerator.empty()
                                           ? r->accelerator
                                           : agg.accelerator},
                       {"backend", agg.backend},
                       {"build", build_id}};
  auto with = [&](const std::string& k, const std::string& v) {
    Labels l = base;
    l[k] = v;
    return l;
  };
  auto verdicts = [&](const std::string& name, const std::string& help,
                      Verdict verdict) {
    for (Verdict v :
         {Verdict::kPass, Verdict::kFail, Verdict::kError,
          Verdict::kInterrupted, Verdict::kInconclusive, Verdict::kSkipped}) {
      f.Set(name, help, with("verdict", ToString(v)), verdict == v ? 1 : 0);
    }
  };

  // ---- the judged verdict and statistic (what the gate decided) ----
  const Verdict judged = agg.verdict;
  f.Set("bootgate_passed",
        "1 if the scenario x profile passed (the judged verdict the exit code "
        "reads), else 0",
        base, judged == Verdict::kPass ? 1 : 0);
  verdicts(
      "bootgate_verdict",
      "1 for the judged verdict of the scenario x profile, 0 for the others",
      judged);
  for (const auto& [verdict, n] : agg.counts) {
    f.Set("bootgate_counted_runs",
          "Counted runs of the scenario x profile by the verdict they count as",
          with("verdict", verdict), n);
  }
  f.Set("bootgate_superseded_attempts",
        "Attempts a retry or the KVM->TCG fallback superseded", base,
        agg.superseded);
  auto judged_value = [&](const std::string& key, double value, int n) {
    PrometheusMetricName m = PrometheusNameFor(key);
    f.Set(m.name,
          "bootgate metric " + key +
              ": the judged statistic (the scenario's judge, " +
              "median by default) over the counted runs" + UnitHelp(m),
          base, value * m.scale);
    f.Set("bootgate_samples",
          "Counted runs behind the judged statistic of a metric",
          with("metric", m.base), n);
  };
  for (const auto& [key, st] : agg.stats) {
    judged_value(key, report_internal::JudgedStatistic(st, agg.judge), st.n);
  }
  const std::vector<BudgetResult>& budgets = agg.budgets;
  for (const BudgetResult& b : budgets) {
    PrometheusMetricName m = PrometheusNameFor(b.metric);
    std::string name = "bootgate_budget" + (m.unit.empty() ? "" : "_" + m.unit);
    f.Set(name, "Budget (upper limit) of a bootgate metric" + UnitHelp(m),
          with("metric", m.base), b.limit * m.scale);
  }
  for (const BudgetResult& b : budgets) {
    // A metric never measured is not a passed budget: it has no
    // bootgate_budget_passed series, and bootgate_budget_measured says why.
    const bool measured = b.verdict != Verdict::kSkipped;
    const Labels l = with("metric", PrometheusNameFor(b.metric).base);
    f.Set("bootgate_budget_measured",
          "1 if the budget's metric was measured, else 0", l, measured ? 1 : 0);
    if (measured) {
      f.Set("bootgate_budget_passed",
            "1 if the judged metric met its budget, 0 if not (or "
            "inconclusive); absent when "
            "not measured",
            l, b.verdict == Verdict::kPass ? 1 : 0);
    }
  }

  // ---- the latest counted run ----
  if (r == nullptr) return;
  const Verdict run_verdict = r->counts_as;
  f.Set("bootgate_run_passed", "1 if the latest counted run passed, else 0",
        base, run_verdict == Verdict::kPass ? 1 : 0);
  verdicts("bootgate_run_verdict",
           "1 for the verdict of the latest counted run, 0 for the others",
           run_verdict);
  if (auto t = report_internal::ParseRfc3339(r->started_at)) {
    f.Set("bootgate_run_timestamp_seconds",
          "Unix time the latest counted run started", base, *t);
  }
  f.Set("bootgate_run_duration_seconds",
        "Wall-clock duration of the latest counted run", base, r->wall_s);
  f.Set("bootgate_run_iteration", "Iteration number of the exported run", base,
        r->iteration);
  FillRun(f, *r, with);
}

std::vector<prometheus::MetricFamily> SortedCollect(
    const prometheus::Registry& registry) {
  auto families = registry.Collect();
  for (auto& family : families) {
    std::sort(family.metric.begin(), family.metric.end(),
              [](const prometheus::ClientMetric& a,
                 const prometheus::ClientMetric& b) { return a.label < b.label; });
  }
  return families;
}

struct GatewayUrl {
  std::string host;  ///< "http://127.0.0.1"
  std::string port;
};

GatewayUrl ParseGatewayUrl(const std::string& url) {
  std::string rest = url;
  std::string scheme = "http";
  auto sep = rest.find("://");
  if (sep != std::string::npos) {
    scheme = rest.substr(0, sep);
    rest = rest.substr(sep + 3);
  }
  if (scheme != "http" && scheme != "https") {
    throw Error(url, "Pushgateway URL must start with http:// or https://");
  }
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    if (rest.substr(slash) != "/") {
      throw Error(url, "Pushgateway URL must not have a path; give "
                       "scheme://host:port");
    }
    rest = rest.substr(0, slash);
  }
  std::string host = rest, port = scheme == "https" ? "443" : "80";
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || port.empty() ||
      !std::all_of(port.begin(), port.end(), ::isdigit)) {
    throw Error(url, "not a valid Pushgateway URL; expected http://host:port");
  }
  return {scheme + "://" + host, port};
}

// Pushgateway grouping-key values travel in the URL path; values that are not
// plain URL-safe text use the gateway's base64url form (label@base64/value).
std::pair<std::string, std::string> GroupingLabel(const std::string& name,
                                                  const std::string& value) {
  bool plain = !value.empty() &&
               std::all_of(value.begin(), value.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) ||
                        c == '-' || c == '_' || c == '.';
               });
  if (plain) return {name, value};
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < value.size(); i += 3) {
    uint32_t n = (uint8_t(value[i]) << 16) | (uint8_t(value[i + 1]) << 8) |
                 uint8_t(value[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(n >> k) & 63];
  }
  if (i + 1 == value.size()) {
    uint32_t n = uint8_t(value[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == value.size()) {
    uint32_t n = (uint8_t(value[i]) << 16) | (uint8_t(value[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  // An empty value is spelled "=" in the base64 form.
  return {name + "@base64", out.empty() ? "=" : out};
}

}  // namespace

PrometheusMetricName PrometheusNameFor(const std::string& key) {
  PrometheusMetricName m;
  std::string base = key;
  struct Suffix {
    const char* suffix;
    const char* unit;
    double scale;
  };
  static const Suffix kSuffixes[] = {{"_s", "seconds", 1},
                                     {"_ms", "seconds", 1e-3},
                                     {"_mib", "bytes", 1048576.0},
                                     {"_kib", "bytes", 1024.0},
                                     {"_gib", "bytes", 1073741824.0},
                                     {"_bytes", "bytes", 1}};
  for (const Suffix& s : kSuffixes) {
    if (EndsWith(key, s.suffix)) {
      base = key.substr(0, key.size() - std::string(s.suffix).size());
      m.unit = s.unit;
      m.scale = s.scale;
      break;
    }
  }
  if (base == "ram" || base == "disk") base += "_used";
  m.base = ToIdentifier(base);
  m.name = "bootgate_" + m.base + (m.unit.empty() ? "" : "_" + m.unit);
  m.run_name = "bootgate_run_" + m.base + (m.unit.empty() ? "" : "_" + m.unit);
  return m;
}

std::vector<RunResult> LatestCountedRuns(const std::vector<RunResult>& runs) {
  std::vector<RunResult> out;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const RunResult& r : runs) {
    if (r.role != RunRole::kCounted) continue;
    auto key = std::make_pair(r.scenario, r.profile);
    auto it = index.find(key);
    if (it == index.end()) {
      index[key] = out.size();
      out.push_back(r);
      continue;
    }
    RunResult& current = out[it->second];
    if (r.iteration >= current.iteration) current = r;
  }
  return out;
}

namespace {

void FillSuite(Families& families, const std::vector<RunResult>& runs,
               const std::vector<AggregateResult>& aggregates,
               const std::string& build_id) {
  const std::vector<RunResult> latest = LatestCountedRuns(runs);
  for (const AggregateResult& a : aggregates) {
    const RunResult* run = nullptr;
    for (const RunResult& r : latest) {
      if (r.scenario == a.scenario && r.profile == a.profile) run = &r;
    }
    FillGroup(families, a, run, build_id);
  }
}

}  // namespace

void FillRegistry(prometheus::Registry& registry,
                  const std::vector<RunResult>& runs,
                  const std::vector<AggregateResult>& aggregates,
                  const std::string& build_id) {
  Families families(registry);
  FillSuite(families, runs, aggregates, build_id);
}

void FillRegistry(prometheus::Registry& registry,
                  const std::vector<SuiteResult>& latest_suites) {
  auto& info =
      prometheus::BuildGauge()
          .Name("bootgate_suite_info")
          .Help(
              "1 per scenario x profile: the suite whose judged verdict is "
              "exported, its run id, build and labels (label_<key>)")
          .Register(registry);
  Families families(registry);
  for (const SuiteResult& s : latest_suites) {
    FillSuite(families, s.runs, s.aggregates, s.build_id);
    for (const AggregateResult& a : s.aggregates) {
      Labels l = {{"scenario", a.scenario},
                  {"profile", a.profile},
                  {"build", s.build_id},
                  {"run_id", s.run_id}};
      for (const auto& [k, v] : s.labels) l["label_" + ToIdentifier(k)] = v;
      info.Add(l).Set(1);
    }
  }
}

std::string RenderPrometheusText(const SuiteResult& suite) {
  prometheus::Registry registry;
  FillRegistry(registry, suite.runs, suite.aggregates, suite.build_id);
  return prometheus::TextSerializer().Serialize(SortedCollect(registry));
}

void PushToGateway(const SuiteResult& suite, const std::string& url,
                   const std::string& job) {
  GatewayUrl gateway_url = ParseGatewayUrl(url);
  for (const AggregateResult& group : suite.aggregates) {
    SuiteResult one;
    one.build_id = suite.build_id;
    one.aggregates = {group};
    for (const RunResult& r : suite.runs) {
      if (r.scenario == group.scenario && r.profile == group.profile) {
        one.runs.push_back(r);
      }
    }
    const AggregateResult& run = group;  // its scenario and profile name it
    auto registry = std::make_shared<prometheus::Registry>();
    FillRegistry(*registry, std::vector<SuiteResult>{one});
    prometheus::Labels grouping;
    grouping.insert(GroupingLabel("scenario", run.scenario));
    grouping.insert(GroupingLabel("profile", run.profile));
    prometheus::Gateway gateway(gateway_url.host, gateway_url.port, job, grouping);
    gateway.RegisterCollectable(registry);
    // Push() is HTTP PUT: it replaces every metric of this grouping key.
    int status = gateway.Push();
    if (status < 200 || status >= 300) {
      throw Error(url, status <= 0
                           ? "could not reach the Pushgateway (curl error " +
                                 std::to_string(-status) + ") to push " +
                                 run.scenario + "/" + run.profile
                           : "the Pushgateway answered HTTP " +
                                 std::to_string(status) + " to the push of " +
                                 run.scenario + "/" + run.profile);
    }
  }
}

class MetricsServer::Collector : public prometheus::Collectable {
 public:
  explicit Collector(std::function<std::vector<SuiteResult>()> provider)
      : provider_(std::move(provider)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    // civetweb calls this on its worker threads, whose stack its Debian
    // build fixes at 100 KiB (USE_STACK_SIZE: the 0x19000 libcivetweb.so.1
    // passes to pthread_attr_setstacksize). The provider reads the history
    // database and judges suites: under AddressSanitizer, whose frames are
    // larger, that overflowed it (prometheus_integration_test). On a thread
    // of our own it gets the process's default thread stack.
    prometheus::Registry registry;
    double failed = 0;
    try {
      std::thread worker([&] {
        try {
          FillRegistry(registry, provider_());
        } catch (const std::exception&) {
          // A scrape must still answer; the error is visible as a series.
          failed = 1;
        }
      });
      worker.join();
    } catch (const std::system_error&) {
      failed = 1;  // no thread to be had: said as for a failed provider
    }
    prometheus::BuildGauge()
        .Name("bootgate_scrape_error")
        .Help("1 if reading the latest runs failed during this scrape")
        .Register(registry)
        .Add({})
        .Set(failed);
    return SortedCollect(registry);
  }

 private:
  std::function<std::vector<SuiteResult>()> provider_;
};

MetricsServer::MetricsServer(const std::string& bind,
                             std::function<std::vector<SuiteResult>()> provider)
    : collector_(std::make_shared<Collector>(std::move(provider))) {
  try {
    // civetweb serves one connection per worker thread, and by default
    // waits 30 s for a request head: two half-sent requests held the old
    // two-thread server for that long, again and again. Now each request
    // head has 2 s in all, and 16 workers share the load, so a few slow or
    // silent clients cost the others nothing.
    exposer_ = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
        "listening_ports", bind, "num_threads", "16", "request_timeout_ms", "2000",
        "enable_keep_alive", "no"});
  } catch (const std::exception& e) {
    throw Error(bind, std::string("cannot serve /metrics there (address in use "
                                  "or invalid?): ") +
                          e.what());
  }
  exposer_->RegisterCollectable(collector_);
}

MetricsServer::~MetricsServer() = default;

int MetricsServer::port() const {
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace bootgate
