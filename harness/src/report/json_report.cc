#include "report/json_report.h"

#include <map>
#include <vector>

#include "report/explain_json.h"
#include "util/error.h"

namespace bootgate {
namespace {

using nlohmann::json;

json BudgetsJson(const std::vector<BudgetResult>& budgets) {
  json out = json::array();
  for (const BudgetResult& b : budgets) {
    out.push_back({{"metric", b.metric},
                   {"value", b.value},
                   {"limit", b.limit},
                   {"statistic", b.statistic},
                   {"verdict", ToString(b.verdict)},
                   {"margin", b.margin},
                   {"margin_pct", b.margin_pct},
                   {"note", b.note}});
  }
  return out;
}

json StatsJson(const Stats& s) {
  // clang-format off
  return {{"n", s.n},          {"min", s.min},       {"median", s.median},
          {"p95", s.p95},      {"max", s.max},       {"mean", s.mean},
          {"stdev", s.stdev},  {"cov", s.cov},       {"ci_low", s.ci_low},
          {"ci_high", s.ci_high}, {"ci_level", s.ci_level}};
  // clang-format on
}

// Reads fields of one JSON object, naming the JSON path in every error.
class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) Fail("", "expected an object");
  }

  [[noreturn]] void Fail(const std::string& key, const std::string& what) const {
    throw Error("report JSON " + Path(key), what);
  }
  std::string Path(const std::string& key) const {
    return key.empty() ? (path_.empty() ? "/" : path_) : path_ + "/" + key;
  }
  const json* Find(const std::string& key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  /// Every string member of this object.
  void GetAll(std::map<std::string, std::string>& out) const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!it->is_string()) Fail(it.key(), "expected a string");
      out[it.key()] = it->get<std::string>();
    }
  }
  void Get(const std::string& key, std::string& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_string()) Fail(key, "expected a string");
      out = v->get<std::string>();
    }
  }
  void Get(const std::string& key, double& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_number()) Fail(key, "expected a number");
      out = v->get<double>();
    }
  }
  void Get(const std::string& key, int& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_number_integer()) Fail(key, "expected an integer");
      out = v->get<int>();
    }
  }
  void Get(const std::string& key, bool& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_boolean()) Fail(key, "expected true or false");
      out = v->get<bool>();
    }
  }
  void Get(const std::string& key, Verdict& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_string()) Fail(key, "expected a verdict string");
      try {
        out = VerdictFromString(v->get<std::string>());
      } catch (const Error& e) {
        Fail(key, e.what());
      }
    }
  }
  void Get(const std::string& key, std::vector<std::string>& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_array()) Fail(key, "expected an array of strings");
      out.clear();
      for (const json& e : *v) {
        if (!e.is_string()) Fail(key, "expected an array of strings");
        out.push_back(e.get<std::string>());
      }
    }
  }
  void Get(const std::string& key, std::vector<double>& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_array()) Fail(key, "expected an array of numbers");
      out.clear();
      for (const json& e : *v) {
        if (!e.is_number()) Fail(key, "expected an array of numbers");
        out.push_back(e.get<double>());
      }
    }
  }
  void Get(const std::string& key, std::map<std::string, std::string>& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_object()) Fail(key, "expected an object of strings");
      out.clear();
      for (auto it = v->begin(); it != v->end(); ++it) {
        if (!it->is_string()) Fail(key + "/" + it.key(), "expected a string");
        out[it.key()] = it->get<std::string>();
      }
    }
  }
  void Get(const std::string& key, std::map<std::string, double>& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_object()) Fail(key, "expected an object of numbers");
      out.clear();
      for (auto it = v->begin(); it != v->end(); ++it) {
        if (!it->is_number()) Fail(key + "/" + it.key(), "expected a number");
        out[it.key()] = it->get<double>();
      }
    }
  }
  void Get(const std::string& key,
           std::map<std::string, std::vector<double>>& out) const {
    if (const json* v = Find(key)) {
      if (!v->is_object()) Fail(key, "expected an object of number arrays");
      out.clear();
      for (auto it = v->begin(); it != v->end(); ++it) {
        Reader inner(*v, Path(key));
        inner.Get(it.key(), out[it.key()]);
      }
    }
  }
  /// Calls fn(Reader) for each object of an array field.
  template <typename Fn>
  void Each(const std::string& key, Fn fn) const {
    if (const json* v = Find(key)) {
      if (!v->is_array()) Fail(key, "expected an array");
      for (size_t i = 0; i < v->size(); ++i) {
        fn(Reader((*v)[i], Path(key) + "/" + std::to_string(i)));
      }
    }
  }
  /// Calls fn(name, Reader) for each object member of an object field.
  template <typename Fn>
  void EachMember(const std::string& key, Fn fn) const {
    if (const json* v = Find(key)) {
      if (!v->is_object()) Fail(key, "expected an object");
      for (auto it = v->begin(); it != v->end(); ++it) {
        fn(it.key(), Reader(*it, Path(key) + "/" + it.key()));
      }
    }
  }

 private:
  const json& j_;
  std::string path_;
};

std::vector<BudgetResult> ReadBudgets(const Reader& r) {
  std::vector<BudgetResult> out;
  r.Each("budgets", [&](const Reader& b) {
    BudgetResult v;
    b.Get("metric", v.metric);
    b.Get("value", v.value);
    b.Get("limit", v.limit);
    b.Get("statistic", v.statistic);
    b.Get("verdict", v.verdict);
    b.Get("margin", v.margin);
    b.Get("margin_pct", v.margin_pct);
    b.Get("note", v.note);
    out.push_back(std::move(v));
  });
  return out;
}

RunResult ReadRun(const Reader& r) {
  RunResult run;
  r.Get("scenario", run.scenario);
  r.Get("scenario_file", run.scenario_file);
  r.Get("profile", run.profile);
  r.Get("backend", run.backend);
  r.Get("connect_uri", run.connect_uri);
  r.Get("hypervisor_version", run.hypervisor_version);
  r.Get("accelerator", run.accelerator);
  r.Get("accel_note", run.accel_note);
  r.Get("accel_requested", run.accel_requested);
  r.Get("installer", run.installer);
  r.Get("install_completion", run.install_completion);
  r.Get("install_id", run.install_id);
  r.Get("concurrent_vms", run.concurrent_vms);
  r.Get("vm_cpus", run.vm_cpus);
  r.Get("vm_memory_mib", run.vm_memory_mib);
  r.Get("iteration", run.iteration);
  r.Get("attempt", run.attempt);
  r.Get("warmup", run.warmup);
  r.Get("passed_after_retry", run.passed_after_retry);
  r.Get("verdict", run.verdict);
  // Reports from before the judge recorded roles: a warm-up or counted run.
  std::string role = run.warmup ? "warmup" : "counted";
  r.Get("role", role);
  try {
    run.role = RunRoleFromString(role);
  } catch (const Error& e) {
    r.Fail("role", e.what());
  }
  run.counts_as = run.verdict;
  r.Get("counts_as", run.counts_as);
  r.Get("judge_note", run.judge_note);
  r.Get("labels", run.labels);
  r.Get("reason", run.reason);
  r.Get("failure_class", run.failure_class);
  r.Get("phase", run.phase);
  r.Get("metrics", run.metrics);
  r.Get("details", run.details);
  r.Get("samples", run.samples);
  run.budgets = ReadBudgets(r);
  r.Each("checks", [&](const Reader& c) {
    CheckResult v;
    c.Get("name", v.name);
    c.Get("command", v.command);
    c.Get("verdict", v.verdict);
    c.Get("reason", v.reason);
    c.Get("exit_status", v.exit_status);
    c.Get("output_excerpt", v.output_excerpt);
    c.Get("duration_s", v.duration_s);
    c.Get("channel", v.channel);
    run.checks.push_back(std::move(v));
  });
  r.Each("phases", [&](const Reader& p) {
    PhaseResult v;
    p.Get("name", v.name);
    p.Get("start_s", v.start_s);
    p.Get("end_s", v.end_s);
    run.phases.push_back(std::move(v));
  });
  r.Each("milestones", [&](const Reader& m) {
    Milestone v;
    m.Get("name", v.name);
    m.Get("t_s", v.t_s);
    m.Get("line", v.line);
    run.milestones.push_back(std::move(v));
  });
  r.Each("vm_phases", [&](const Reader& p) {
    VmPhaseInfo v;
    p.Get("name", v.name);
    p.Get("console_log", v.console_log);
    p.Get("argv", v.argv);
    p.Get("exit", v.exit);
    p.Get("t0_unix_s", v.t0_unix_s);
    run.vm_phases.push_back(std::move(v));
  });
  r.Get("console_tail", run.console_tail);
  r.Get("warnings", run.warnings);
  r.Get("profile_requested", run.profile_requested);
  r.Get("profile_applied", run.profile_applied);
  r.Get("access_channel", run.access_channel);
  r.Get("ssh_port", run.ssh_port);
  r.Get("host_key_sha256", run.host_key_sha256);
  r.Get("disk_judged", run.disk_judged);
  r.Get("image", run.image);
  r.Get("image_sha256", run.image_sha256);
  r.Get("started_at", run.started_at);
  r.Get("wall_s", run.wall_s);
  r.Get("run_dir", run.run_dir);
  if (const json* e = r.Find("explain"))
    run.explain = ExplanationFromJson(*e, r.Path("explain"));
  return run;
}

AggregateResult ReadAggregate(const Reader& r) {
  AggregateResult a;
  r.Get("scenario", a.scenario);
  r.Get("profile", a.profile);
  r.Get("backend", a.backend);
  r.Get("accelerator", a.accelerator);
  r.Get("judge", a.judge);
  r.Get("verdict", a.verdict);
  r.Get("reason", a.reason);
  r.EachMember("stats", [&](const std::string& metric, const Reader& s) {
    Stats v;
    s.Get("n", v.n);
    s.Get("min", v.min);
    s.Get("median", v.median);
    s.Get("p95", v.p95);
    s.Get("max", v.max);
    s.Get("mean", v.mean);
    s.Get("stdev", v.stdev);
    s.Get("cov", v.cov);
    s.Get("ci_low", v.ci_low);
    s.Get("ci_high", v.ci_high);
    s.Get("ci_level", v.ci_level);
    a.stats[metric] = v;
  });
  a.budgets = ReadBudgets(r);
  r.Get("warnings", a.warnings);
  std::map<std::string, double> counts;
  r.Get("counts", counts);
  for (const auto& [verdict, n] : counts)
    a.counts[verdict] = static_cast<int>(n);
  r.Get("superseded", a.superseded);
  r.Get("warmups", a.warmups);
  r.Get("errors", a.errors);
  r.Get("warmup_failures", a.warmup_failures);
  return a;
}

}  // namespace

nlohmann::json ToJson(const RunResult& run) {
  json checks = json::array();
  for (const CheckResult& c : run.checks) {
    checks.push_back({{"name", c.name},
                      {"command", c.command},
                      {"verdict", ToString(c.verdict)},
                      {"reason", c.reason},
                      {"exit_status", c.exit_status},
                      {"output_excerpt", c.output_excerpt},
                      {"duration_s", c.duration_s},
                      {"channel", c.channel}});
  }
  json phases = json::array();
  for (const PhaseResult& p : run.phases) {
    phases.push_back({{"name", p.name},
                      {"start_s", p.start_s},
                      {"end_s", p.end_s},
                      {"duration_s", p.duration_s()}});
  }
  json milestones = json::array();
  for (const Milestone& m : run.milestones) {
    milestones.push_back({{"name", m.name}, {"t_s", m.t_s}, {"line", m.line}});
  }
  json vm_phases = json::array();
  for (const VmPhaseInfo& p : run.vm_phases) {
    vm_phases.push_back({{"name", p.name},
                         {"console_log", p.console_log},
                         {"argv", p.argv},
                         {"exit", p.exit},
                         {"t0_unix_s", p.t0_unix_s}});
  }
  json j = {{"scenario", run.scenario},
            {"scenario_file", run.scenario_file},
            {"profile", run.profile},
            {"backend", run.backend},
            {"connect_uri", run.connect_uri},
            {"hypervisor_version", run.hypervisor_version},
            {"accelerator", run.accelerator},
            {"accel_note", run.accel_note},
            {"accel_requested", run.accel_requested},
            {"installer", run.installer},
            {"install_completion", run.install_completion},
            {"install_id", run.install_id},
            {"concurrent_vms", run.concurrent_vms},
            {"vm_cpus", run.vm_cpus},
            {"vm_memory_mib", run.vm_memory_mib},
            {"iteration", run.iteration},
            {"attempt", run.attempt},
            {"warmup", run.warmup},
            {"passed_after_retry", run.passed_after_retry},
            {"verdict", ToString(run.verdict)},
            {"labels", run.labels.empty() ? json::object() : json(run.labels)},
            {"role", ToString(run.role)},
            {"counts_as", ToString(run.counts_as)},
            {"judge_note", run.judge_note},
            {"reason", run.reason},
            {"failure_class", run.failure_class},
            {"phase", run.phase},
            {"metrics", run.metrics},
            {"details", run.details},
            {"samples", run.samples},
            {"budgets", BudgetsJson(run.budgets)},
            {"checks", checks},
            {"phases", phases},
            {"milestones", milestones},
            {"vm_phases", vm_phases},
            {"console_tail", run.console_tail},
            {"warnings", run.warnings},
            {"profile_requested", run.profile_requested},
            {"profile_applied", run.profile_applied},
            {"access_channel", run.access_channel},
            {"ssh_port", run.ssh_port},
            {"host_key_sha256", run.host_key_sha256},
            {"disk_judged", run.disk_judged},
            {"image", run.image},
            {"image_sha256", run.image_sha256},
            {"started_at", run.started_at},
            {"wall_s", run.wall_s},
            {"run_dir", run.run_dir}};
  // nlohmann turns empty std::maps into null-free objects already; make sure
  // empty ones are {} and not null for consumers that iterate them.
  for (const char* key : {"metrics", "details", "samples", "profile_requested",
                          "profile_applied"}) {
    if (j[key].is_null()) j[key] = json::object();
  }
  if (run.explain) j["explain"] = ExplanationToJson(*run.explain);
  return j;
}

nlohmann::json ToJson(const AggregateResult& a) {
  json stats = json::object();
  for (const auto& [metric, s] : a.stats) stats[metric] = StatsJson(s);
  return {{"scenario", a.scenario},
          {"profile", a.profile},
          {"backend", a.backend},
          {"accelerator", a.accelerator},
          {"judge", a.judge},
          {"verdict", ToString(a.verdict)},
          {"reason", a.reason},
          {"stats", stats},
          {"budgets", BudgetsJson(a.budgets)},
          {"warnings", a.warnings},
          {"counts", a.counts.empty() ? json::object() : json(a.counts)},
          {"superseded", a.superseded},
          {"warmups", a.warmups},
          {"errors", a.errors},
          {"warmup_failures", a.warmup_failures}};
}

nlohmann::json ToJson(const SuiteResult& suite) {
  json runs = json::array();
  for (const RunResult& r : suite.runs) runs.push_back(ToJson(r));
  // What the judge counted: counted runs only (superseded attempts and
  // warm-ups are in "superseded" and "warmups").
  std::map<std::string, int> counts;
  int superseded = 0, warmups = 0;
  for (const AggregateResult& a : suite.aggregates) {
    for (const auto& [verdict, n] : a.counts) counts[verdict] += n;
    superseded += a.superseded;
    warmups += a.warmups;
  }
  json shards = json::array();
  for (const auto& shard : suite.shards) shards.push_back(shard);
  json aggregates = json::array();
  for (const AggregateResult& a : suite.aggregates) aggregates.push_back(ToJson(a));
  json labels = json::object();
  for (const auto& [k, v] : suite.labels) labels[k] = v;
  return {
      {"schema", suite.schema},
      {"run_id", suite.run_id},
      {"started_at", suite.started_at},
      {"finished_at", suite.finished_at},
      {"host", suite.host},
      {"bootgate_version", suite.bootgate_version},
      {"timeout_scale", suite.timeout_scale},
      {"build_id", suite.build_id},
      {"labels", labels},
      {"verdict", ToString(suite.verdict)},
      {"exit_code", ExitCodeFor(suite.verdict)},
      {"counts", counts.empty() ? json::object() : json(counts)},
      {"superseded", superseded},
      {"warmups", warmups},
      {"interrupted", suite.interrupted},
      {"shard", suite.shard_count == 0 ? json(nullptr)
                                       : json({{"index", suite.shard_index},
                                               {"count", suite.shard_count}})},
      {"planned_groups", suite.planned_groups},
      {"shards", shards},
      {"runs", runs},
      {"aggregates", aggregates},
      {"report_dir", suite.report_dir}};
}

RunResult RunFromJson(const nlohmann::json& j) { return ReadRun(Reader(j, "")); }

AggregateResult AggregateFromJson(const nlohmann::json& j) {
  return ReadAggregate(Reader(j, ""));
}

SuiteResult SuiteFromJson(const nlohmann::json& j) {
  Reader r(j, "");
  SuiteResult suite;
  std::string schema;
  r.Get("schema", schema);
  if (schema != kReportSchema) {
    r.Fail("schema", "schema is '" + schema + "', expected '" + kReportSchema +
                         "'; this is not a bootgate report of a version this "
                         "build can read");
  }
  suite.schema = schema;
  r.Get("run_id", suite.run_id);
  r.Get("started_at", suite.started_at);
  r.Get("finished_at", suite.finished_at);
  r.Get("host", suite.host);
  r.Get("bootgate_version", suite.bootgate_version);
  r.Get("timeout_scale", suite.timeout_scale);  // older reports lack it: 1
  r.Get("build_id", suite.build_id);
  r.Get("labels", suite.labels);
  r.Get("verdict", suite.verdict);
  r.Get("interrupted", suite.interrupted);
  if (const json* shard = r.Find("shard")) {
    Reader k(*shard, r.Path("shard"));
    k.Get("index", suite.shard_index);
    k.Get("count", suite.shard_count);
  }
  r.Get("planned_groups", suite.planned_groups);
  r.Each("shards", [&](const Reader& shard) {
    std::map<std::string, std::string> m;
    shard.GetAll(m);
    suite.shards.push_back(std::move(m));
  });
  r.Each("runs", [&](const Reader& run) { suite.runs.push_back(ReadRun(run)); });
  r.Each("aggregates", [&](const Reader& a) {
    suite.aggregates.push_back(ReadAggregate(a));
  });
  r.Get("report_dir", suite.report_dir);
  return suite;
}

std::string RenderJson(const SuiteResult& suite) {
  // Guest text is sanitised upstream; replace any stray invalid UTF-8 rather
  // than failing to write the report.
  return ToJson(suite).dump(2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

SuiteResult ParseJsonReport(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for numbers such as 1e999.
    throw Error(source, std::string("not valid JSON: ") + e.what());
  }
  try {
    return SuiteFromJson(j);
  } catch (const Error& e) {
    throw Error(source, e.what());
  } catch (const json::exception& e) {
    throw Error(source, std::string("not a bootgate report: ") + e.what());
  }
}

}  // namespace bootgate
