#include "history/history.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <variant>

#include "budget/budget.h"
#include "report/json_report.h"
#include "util/error.h"

namespace bootgate {

namespace {

// "bgth": marks the file as a bootgate history (PRAGMA application_id).
constexpr int kApplicationId = 0x62677468;

constexpr const char* kSchema = R"sql(
CREATE TABLE suites(
  suite_id TEXT PRIMARY KEY NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  host TEXT NOT NULL,
  bootgate_version TEXT NOT NULL,
  build_id TEXT NOT NULL,
  labels_json TEXT NOT NULL,
  verdict TEXT NOT NULL);
CREATE INDEX suites_started ON suites(started_at);
CREATE INDEX suites_build ON suites(build_id);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  suite_id TEXT NOT NULL REFERENCES suites(suite_id) ON DELETE CASCADE,
  scenario TEXT NOT NULL,
  profile TEXT NOT NULL,
  backend TEXT NOT NULL,
  accelerator TEXT NOT NULL,
  host TEXT NOT NULL,
  image_path TEXT NOT NULL,
  image_sha256 TEXT NOT NULL,
  build_id TEXT NOT NULL,
  labels_json TEXT NOT NULL,
  started_at TEXT NOT NULL,
  iteration INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  warmup INTEGER NOT NULL CHECK (warmup IN (0, 1)),
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL,
  failure_class TEXT NOT NULL,
  vm_cpus INTEGER NOT NULL DEFAULT 0,
  vm_memory_mib INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_suite ON runs(suite_id);
CREATE INDEX runs_group ON runs(scenario, profile, accelerator, started_at);
CREATE INDEX runs_trend ON runs(scenario, profile, started_at);
CREATE TABLE metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  budget_limit REAL,
  budget_verdict TEXT,
  PRIMARY KEY (run_id, metric)) WITHOUT ROWID;
CREATE INDEX metrics_metric ON metrics(metric, run_id);
CREATE TABLE checks(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  verdict TEXT NOT NULL,
  duration_s REAL NOT NULL);
CREATE INDEX checks_run ON checks(run_id);
)sql";

// Schema 3 adds the explanation table (a new database gets it after
// kSchema, an old one by the upgrade).
constexpr const char* kExplainTable = R"sql(
CREATE TABLE explain(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run_id, kind, name)) WITHOUT ROWID;
)sql";

// Schema 4 stores each suite's judged aggregates (what `serve` exports) and
// each run's role and the verdict the judge counted it as.
constexpr const char* kJudgedTables = R"sql(
CREATE TABLE aggregates(
  suite_id TEXT NOT NULL REFERENCES suites(suite_id) ON DELETE CASCADE,
  scenario TEXT NOT NULL,
  profile TEXT NOT NULL,
  verdict TEXT NOT NULL,
  aggregate_json TEXT NOT NULL,
  PRIMARY KEY (suite_id, scenario, profile)) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN role TEXT NOT NULL DEFAULT 'counted';
ALTER TABLE runs ADD COLUMN counts_as TEXT NOT NULL DEFAULT '';
)sql";

constexpr const char* kCounted =
    "r.role != 'superseded' AND r.verdict NOT IN ('error', 'interrupted', "
    "'skipped')";

using Param = std::variant<std::string, int64_t, double>;

struct Sql {
  std::string text;
  std::vector<Param> params;
};

// A prepared statement that finalizes itself; every failure names the db.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path, const std::string& sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      Fail("cannot prepare a query");
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void Bind(int i, const Param& p) {
    int rc = SQLITE_OK;
    if (auto* s = std::get_if<std::string>(&p)) {
      rc = sqlite3_bind_text(stmt_, i, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    } else if (auto* n = std::get_if<int64_t>(&p)) {
      rc = sqlite3_bind_int64(stmt_, i, *n);
    } else {
      rc = sqlite3_bind_double(stmt_, i, std::get<double>(p));
    }
    if (rc != SQLITE_OK) Fail("cannot bind a query parameter");
  }
  void BindAll(const std::vector<Param>& params) {
    for (size_t i = 0; i < params.size(); ++i) Bind(static_cast<int>(i + 1), params[i]);
  }
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }
  /// True while a row is available.
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Fail("query failed");
    return false;
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int col) const {
    const auto* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  [[noreturn]] void Fail(const std::string& what) {
    throw Error(path_, "history database: " + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* stmt_ = nullptr;
};

void ExecSql(sqlite3* db, const std::string& path, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw Error(path, "history database: " + msg);
  }
}

int64_t PragmaInt(sqlite3* db, const std::string& path, const std::string& pragma) {
  Stmt s(db, path, "PRAGMA " + pragma);
  return s.Step() ? s.Int(0) : 0;
}

std::string LabelPath(const std::string& key) {
  if (key.empty() || key.find_first_of("\"\\") != std::string::npos) {
    throw Error("selector", "label name \"" + key + "\" is empty or contains a quote or backslash");
  }
  return "$.\"" + key + "\"";
}

// Conditions on the run alias `r` (without suite narrowing).
void RunConditions(const Selector& sel, const std::string& r, Sql* out) {
  auto eq = [&](const std::string& column, const std::string& value) {
    if (value.empty()) return;
    out->text += " AND " + r + "." + column + " = ?";
    out->params.emplace_back(value);
  };
  eq("scenario", sel.scenario);
  eq("profile", sel.profile);
  eq("accelerator", sel.accelerator);
  eq("backend", sel.backend);
  eq("build_id", sel.build_id);
  if (!sel.include_warmup) out->text += " AND " + r + ".warmup = 0";
  for (const auto& [key, value] : sel.labels) {
    out->text += " AND json_extract(" + r + ".labels_json, ?) = ?";
    out->params.emplace_back(LabelPath(key));
    out->params.emplace_back(value);
  }
}

// The WHERE clause (starting with "1") selecting runs `r` for a selector.
Sql Where(const Selector& sel) {
  Sql w{"1", {}};
  RunConditions(sel, "r", &w);
  const bool relative = sel.suite_id == "latest" || sel.suite_id == "previous";
  if (!sel.suite_id.empty() && !relative) {
    w.text += " AND r.suite_id = ?";
    w.params.emplace_back(sel.suite_id);
  }
  if (relative || sel.last > 0) {
    // Rank the suites having a matching run by start time, newest first.
    w.text +=
        " AND r.suite_id IN (SELECT s2.suite_id FROM suites s2 WHERE EXISTS "
        "(SELECT 1 FROM runs r2 WHERE r2.suite_id = s2.suite_id";
    RunConditions(sel, "r2", &w);
    w.text += ") ORDER BY s2.started_at DESC, s2.rowid DESC LIMIT ? OFFSET ?)";
    w.params.emplace_back(int64_t{relative ? 1 : sel.last});
    w.params.emplace_back(int64_t{sel.suite_id == "previous" ? 1 : 0});
  }
  return w;
}

constexpr const char* kRunColumns =
    "r.id, r.suite_id, r.scenario, r.profile, r.backend, r.accelerator, "
    "r.host, "
    "r.image_path, r.image_sha256, r.build_id, r.started_at, r.verdict, "
    "r.reason, "
    "r.iteration, r.warmup, r.labels_json, r.vm_cpus, r.vm_memory_mib, r.role, "
    "r.counts_as, r.attempt";

std::vector<HistoryRun> LoadRuns(sqlite3* db, const std::string& path, const std::string& sql,
                                 const std::vector<Param>& params) {
  std::vector<HistoryRun> runs;
  {
    Stmt s(db, path, sql);
    s.BindAll(params);
    while (s.Step()) {
      HistoryRun h;
      h.id = s.Int(0);
      h.suite_id = s.Text(1);
      h.scenario = s.Text(2);
      h.profile = s.Text(3);
      h.backend = s.Text(4);
      h.accelerator = s.Text(5);
      h.host = s.Text(6);
      h.image_path = s.Text(7);
      h.image_sha256 = s.Text(8);
      h.build_id = s.Text(9);
      h.started_at = s.Text(10);
      h.verdict = s.Text(11);
      h.reason = s.Text(12);
      h.iteration = static_cast<int>(s.Int(13));
      h.warmup = s.Int(14) != 0;
      h.vm_cpus = static_cast<int>(s.Int(16));
      h.vm_memory_mib = static_cast<int>(s.Int(17));
      h.role = s.Text(18);
      h.counts_as = s.Text(19).empty() ? h.verdict : s.Text(19);
      h.attempt = static_cast<int>(s.Int(20));
      const auto labels = nlohmann::json::parse(s.Text(15), nullptr, false);
      if (labels.is_object()) {
        for (const auto& [k, v] : labels.items()) {
          if (v.is_string()) h.labels[k] = v.get<std::string>();
        }
      }
      runs.push_back(std::move(h));
    }
  }
  Stmt m(db, path, "SELECT metric, value, budget_limit FROM metrics WHERE run_id = ?");
  Stmt e(db, path, "SELECT kind, name, value FROM explain WHERE run_id = ?");
  for (HistoryRun& h : runs) {
    m.Reset();
    m.Bind(1, h.id);
    while (m.Step()) {
      h.metrics[m.Text(0)] = m.Double(1);
      if (!m.IsNull(2)) h.limits[m.Text(0)] = m.Double(2);
    }
    e.Reset();
    e.Bind(1, h.id);
    while (e.Step()) h.explain[e.Text(0)][e.Text(1)] = e.Double(2);
  }
  return runs;
}

}  // namespace

std::map<std::string, std::map<std::string, double>> ExplainRows(
    const RunResult& run) {
  std::map<std::string, std::map<std::string, double>> rows;
  if (!run.explain) return rows;
  const Explanation& ex = *run.explain;
  rows["summary"]["cost_s"] = ex.cost_s;
  if (ex.boot) {
    for (const auto& [phase, s] : ex.boot->phases_s) rows["systemd"][phase] = s;
    for (const UnitTime& u : ex.boot->units) rows["unit"][u.unit] = u.s;
    for (const ChainLink& c : ex.boot->critical_chain)
      rows["chain"][c.unit] = c.at_s;
    if (ex.boot->init_start_kernel_s)
      rows["summary"]["init_start_kernel_s"] = *ex.boot->init_start_kernel_s;
    if (ex.boot->login_prompt_kernel_s)
      rows["summary"]["login_prompt_kernel_s"] =
          *ex.boot->login_prompt_kernel_s;
  }
  if (ex.ram) {
    // Processes by name: several of one name (sshd, getty) are one item.
    for (const ProcessMemory& p : ex.ram->processes)
      rows["process"][p.name] += p.pss_mib;
    for (const auto& [part, mib] : ex.ram->kernel_mib)
      rows["kernel"][part] = mib;
    rows["summary"]["processes_mib"] = ex.ram->processes_mib;
    rows["summary"]["unexplained_mib"] = ex.ram->unexplained_mib;
  }
  if (ex.disk) {
    for (const SizedItem& p : ex.disk->paths) rows["path"][p.name] = p.mib;
    for (const SizedItem& p : ex.disk->packages)
      rows["package"][p.name] = p.mib;
    if (!ex.disk->package_manager.empty())
      rows["summary"]["packages_mib"] = ex.disk->packages_mib;
  }
  return rows;
}

namespace {

std::string LabelsJson(const std::map<std::string, std::string>& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : labels) j[k] = v;
  return j.dump();
}

}  // namespace

Selector ParseSelector(const std::string& text) {
  Selector sel;
  std::map<std::string, bool> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    start = end + 1;
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
    const std::string context = "selector \"" + text + "\"";
    std::string key, value;
    if (item == "latest" || item == "previous") {
      key = "run";
      value = item;
    } else {
      const auto eq = item.find('=');
      if (eq == std::string::npos) {
        throw Error(context, "item \"" + item +
                                 "\" is not key=value, \"latest\" or \"previous\"");
      }
      key = item.substr(0, eq);
      value = item.substr(eq + 1);
      if (value.empty()) throw Error(context, "key \"" + key + "\" has an empty value");
    }
    if (seen[key]) throw Error(context, "key \"" + key + "\" is given twice");
    seen[key] = true;
    if (key == "run") {
      sel.suite_id = value;
    } else if (key == "build") {
      sel.build_id = value;
    } else if (key == "scenario") {
      sel.scenario = value;
    } else if (key == "profile") {
      sel.profile = value;
    } else if (key == "accel") {
      sel.accelerator = value;
    } else if (key == "backend") {
      sel.backend = value;
    } else if (key.rfind("label.", 0) == 0) {
      const std::string name = key.substr(6);
      if (name.empty() || name.find_first_of("\"\\") != std::string::npos) {
        throw Error(context, "label name in \"" + key + "\" is empty or contains a quote or backslash");
      }
      sel.labels[name] = value;
    } else if (key == "last") {
      int n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size() || n <= 0) {
        throw Error(context, "last=" + value + " is not a positive whole number");
      }
      sel.last = n;
    } else {
      throw Error(context, "unknown key \"" + key +
                               "\"; use run, build, scenario, profile, accel, backend, "
                               "label.NAME, last, latest or previous");
    }
  }
  return sel;
}

History::History(const std::string& path, int busy_timeout_ms) : path_(path) {
  try {
    Open(busy_timeout_ms);
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

void History::Open(int busy_timeout_ms) {
  std::error_code ec;
  const std::filesystem::path p(path_);
  if (p.has_parent_path()) {
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) throw Error(path_, "cannot create the history directory: " + ec.message());
  }
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    throw Error(path_, std::string("cannot open the history database: ") +
                           (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);

  // Read the identity in one snapshot: another process may be creating the
  // schema right now, and its tables and user_version commit together.
  int64_t app_id = 0, version = 0, tables = 0;
  try {
    ExecSql(db_, path_, "BEGIN");
    app_id = PragmaInt(db_, path_, "application_id");
    version = PragmaInt(db_, path_, "user_version");
    Stmt s(db_, path_, "SELECT count(*) FROM sqlite_master");
    tables = s.Step() ? s.Int(0) : 0;
    ExecSql(db_, path_, "COMMIT");
  } catch (const Error&) {
    const int code = sqlite3_errcode(db_) & 0xff;
    const std::string msg = sqlite3_errmsg(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      throw Error(path_, "is not a bootgate history (not a SQLite database, or corrupt): " + msg);
    }
    throw;
  }
  auto not_ours = [&] {
    return Error(path_, "is not a bootgate history database (it holds other tables); "
                        "pass a new path or the right file");
  };
  if (tables > 0 && app_id != kApplicationId) throw not_ours();
  if (version > kHistorySchemaVersion) {
    throw Error(path_, "history schema version " + std::to_string(version) +
                           " is newer than this bootgate understands (" +
                           std::to_string(kHistorySchemaVersion) + "); upgrade bootgate");
  }

  // Switching to WAL needs a moment of exclusive access; another process
  // doing the same can make it fail with SQLITE_BUSY without the handler.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (;;) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc == SQLITE_OK) break;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) {
      throw Error(path_, std::string("cannot switch the history database to WAL mode: ") +
                             sqlite3_errmsg(db_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ExecSql(db_, path_, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");

  // Upgrades in place, one step at a time, each in its own transaction; a
  // process that finds the step done by another skips it.
  auto upgrade = [&](int64_t from, const std::string& sql) {
    ExecSql(db_, path_, "BEGIN IMMEDIATE");
    try {
      if (PragmaInt(db_, path_, "user_version") == from)
        ExecSql(db_, path_,
                sql + "; PRAGMA user_version=" + std::to_string(from + 1));
      ExecSql(db_, path_, "COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  };
  // Schema 2 records the VM's size, so that compare can refuse to mix
  // sizes; runs recorded before it have 0 (unknown).
  if (version == 1)
    upgrade(
        1,
        "ALTER TABLE runs ADD COLUMN vm_cpus INTEGER NOT NULL DEFAULT 0; "
        "ALTER TABLE runs ADD COLUMN vm_memory_mib INTEGER NOT NULL DEFAULT 0");
  // Schema 3 keeps each run's explanation; older runs have none.
  if (version >= 1 && version <= 2) upgrade(2, kExplainTable);
  if (version >= 1 && version <= 3) upgrade(3, kJudgedTables);
  if (version == 0) {
    // Create the schema once, even when several processes open a new file.
    ExecSql(db_, path_, "BEGIN IMMEDIATE");
    try {
      if (PragmaInt(db_, path_, "user_version") == 0) {
        Stmt s(db_, path_, "SELECT count(*) FROM sqlite_master");
        if (s.Step() && s.Int(0) > 0) throw not_ours();
        ExecSql(db_, path_, kSchema);
        ExecSql(db_, path_, kExplainTable);
        ExecSql(db_, path_, kJudgedTables);
        ExecSql(db_, path_, "PRAGMA application_id=" + std::to_string(kApplicationId) +
                                "; PRAGMA user_version=" + std::to_string(kHistorySchemaVersion));
      }
      ExecSql(db_, path_, "COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

History::~History() { sqlite3_close_v2(db_); }

void History::Record(const SuiteResult& suite) {
  if (suite.run_id.empty()) throw Error(path_, "cannot record a suite without a run id");
  ExecSql(db_, path_, "BEGIN IMMEDIATE");
  try {
    const std::string suite_labels = LabelsJson(suite.labels);
    {
      Stmt s(db_, path_,
             "INSERT INTO suites(suite_id, started_at, finished_at, host, bootgate_version, "
             "build_id, labels_json, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      s.BindAll({suite.run_id, suite.started_at, suite.finished_at, suite.host,
                 suite.bootgate_version, suite.build_id, suite_labels,
                 ToString(suite.verdict)});
      s.Step();
    }
    Stmt run_insert(
        db_, path_,
        "INSERT INTO runs(suite_id, scenario, profile, backend, accelerator, "
        "host, image_path, "
        "image_sha256, build_id, labels_json, started_at, iteration, attempt, "
        "warmup, verdict, "
        "reason, failure_class, vm_cpus, vm_memory_mib, role, counts_as) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)");
    Stmt metric_insert(db_, path_,
                       "INSERT INTO metrics(run_id, metric, value, budget_limit, budget_verdict) "
                       "VALUES (?, ?, ?, ?, ?)");
    Stmt explain_insert(
        db_, path_,
        "INSERT INTO explain(run_id, kind, name, value) VALUES (?, ?, ?, ?)");
    Stmt check_insert(db_, path_,
                      "INSERT INTO checks(run_id, name, verdict, duration_s) VALUES (?, ?, ?, ?)");
    for (const RunResult& run : suite.runs) {
      run_insert.Reset();
      // The scenario's own labels beside the suite's (--label wins a clash).
      std::map<std::string, std::string> labels = run.labels;
      for (const auto& [k, v] : suite.labels) labels[k] = v;
      run_insert.BindAll(
          {suite.run_id,
           run.scenario,
           run.profile,
           run.backend,
           run.accelerator,
           suite.host,
           run.image,
           run.image_sha256,
           suite.build_id,
           LabelsJson(labels),
           run.started_at.empty() ? suite.started_at : run.started_at,
           int64_t{run.iteration},
           int64_t{run.attempt},
           int64_t{run.warmup ? 1 : 0},
           ToString(run.verdict),
           run.reason,
           run.failure_class,
           int64_t{run.vm_cpus},
           int64_t{run.vm_memory_mib},
           ToString(run.role),
           ToString(run.counts_as)});
      run_insert.Step();
      const int64_t run_id = sqlite3_last_insert_rowid(db_);
      std::map<std::string, const BudgetResult*> budgets;
      for (const BudgetResult& b : run.budgets) budgets[b.metric] = &b;
      for (const auto& [metric, value] : run.metrics) {
        metric_insert.Reset();
        metric_insert.BindAll({run_id, metric, value});
        if (auto it = budgets.find(metric); it != budgets.end()) {
          metric_insert.Bind(4, it->second->limit);
          metric_insert.Bind(5, ToString(it->second->verdict));
        }
        metric_insert.Step();
      }
      for (const auto& [kind, items] : ExplainRows(run))
        for (const auto& [name, value] : items) {
          explain_insert.Reset();
          explain_insert.BindAll({run_id, kind, name, value});
          explain_insert.Step();
        }
      for (const CheckResult& c : run.checks) {
        check_insert.Reset();
        check_insert.BindAll({run_id, c.name, ToString(c.verdict), c.duration_s});
        check_insert.Step();
      }
    }
    Stmt aggregate_insert(
        db_, path_,
        "INSERT INTO aggregates(suite_id, scenario, profile, verdict, "
        "aggregate_json) VALUES (?, ?, ?, ?, ?)");
    for (const AggregateResult& a : suite.aggregates) {
      aggregate_insert.Reset();
      aggregate_insert.BindAll(
          {suite.run_id, a.scenario, a.profile, ToString(a.verdict),
           ToJson(a).dump(-1, ' ', false,
                          nlohmann::json::error_handler_t::replace)});
      aggregate_insert.Step();
    }
    ExecSql(db_, path_, "COMMIT");
  } catch (const Error& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw Error(path_, "could not record suite " + suite.run_id + ": " + e.what());
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<HistoryRun> History::QueryRuns(const Selector& selector) const {
  const Sql w = Where(selector);
  return LoadRuns(db_, path_,
                  std::string("SELECT ") + kRunColumns + " FROM runs r WHERE " + w.text +
                      " ORDER BY r.started_at, r.id",
                  w.params);
}

std::vector<double> History::MetricValues(const Selector& selector,
                                          const std::string& metric) const {
  const Sql w = Where(selector);
  Stmt s(db_, path_,
         "SELECT m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE m.metric = ? AND " +
             std::string(kCounted) + " AND " + w.text + " ORDER BY r.started_at, r.id");
  std::vector<Param> params{metric};
  params.insert(params.end(), w.params.begin(), w.params.end());
  s.BindAll(params);
  std::vector<double> values;
  while (s.Step()) values.push_back(s.Double(0));
  return values;
}

std::vector<std::string> History::Metrics(const Selector& selector) const {
  const Sql w = Where(selector);
  Stmt s(db_, path_,
         "SELECT DISTINCT m.metric FROM metrics m JOIN runs r ON r.id = m.run_id WHERE " +
             w.text + " ORDER BY m.metric");
  s.BindAll(w.params);
  std::vector<std::string> names;
  while (s.Step()) names.push_back(s.Text(0));
  return names;
}

std::vector<std::pair<std::string, double>> History::MetricTrend(
    const std::string& scenario, const std::string& profile, const std::string& metric,
    int limit) const {
  Stmt s(db_, path_,
         // Without statistics the planner may pick runs_group and sort every
         // run of the group; runs_trend yields the newest first and stops early.
         "SELECT r.started_at, m.value FROM runs r INDEXED BY runs_trend "
         "JOIN metrics m ON m.run_id = r.id "
         "WHERE r.scenario = ? AND r.profile = ? AND m.metric = ? AND r.warmup = 0 AND " +
             std::string(kCounted) + " ORDER BY r.started_at DESC, r.id DESC LIMIT ?");
  s.BindAll({scenario, profile, metric, int64_t{limit > 0 ? limit : -1}});
  std::vector<std::pair<std::string, double>> points;
  while (s.Step()) points.emplace_back(s.Text(0), s.Double(1));
  std::reverse(points.begin(), points.end());
  return points;
}

std::vector<SuiteResult> History::LatestJudgedSuites() const {
  // Oldest first, so that the last one seen of a group is its latest.
  Stmt s(
      db_, path_,
      "SELECT a.suite_id, a.scenario, a.profile, a.aggregate_json, s.build_id, "
      "s.labels_json, s.started_at, s.finished_at, s.host, s.verdict "
      "FROM aggregates a JOIN suites s ON s.suite_id = a.suite_id "
      "ORDER BY s.started_at, s.rowid");
  std::map<std::pair<std::string, std::string>, SuiteResult> latest;
  while (s.Step()) {
    SuiteResult suite;
    suite.run_id = s.Text(0);
    const auto aggregate = nlohmann::json::parse(s.Text(3), nullptr, false);
    if (aggregate.is_discarded()) {
      throw Error(path_, "suite " + suite.run_id +
                             ": its stored aggregate of " + s.Text(1) + "/" +
                             s.Text(2) + " is not JSON");
    }
    suite.aggregates.push_back(AggregateFromJson(aggregate));
    suite.build_id = s.Text(4);
    const auto labels = nlohmann::json::parse(s.Text(5), nullptr, false);
    if (labels.is_object()) {
      for (const auto& [k, v] : labels.items()) {
        if (v.is_string()) suite.labels[k] = v.get<std::string>();
      }
    }
    suite.started_at = s.Text(6);
    suite.finished_at = s.Text(7);
    suite.host = s.Text(8);
    suite.verdict = VerdictFromString(s.Text(9));
    latest[{s.Text(1), s.Text(2)}] = std::move(suite);
  }
  std::vector<SuiteResult> out;
  for (auto& [group, suite] : latest) {
    // The group's latest counted run of that suite, for bootgate_run_*.
    for (const HistoryRun& h : LoadRuns(
             db_, path_,
             std::string("SELECT ") + kRunColumns +
                 " FROM runs r WHERE r.suite_id = ? AND r.scenario = ? AND "
                 "r.profile = ? AND r.role = 'counted' ORDER BY r.iteration "
                 "DESC, "
                 "r.attempt DESC, r.id DESC LIMIT 1",
             {suite.run_id, group.first, group.second})) {
      suite.runs.push_back(RunFromHistory(h));
    }
    out.push_back(std::move(suite));
  }
  return out;
}

RunResult RunFromHistory(const HistoryRun& h) {
  RunResult r;
  r.scenario = h.scenario;
  r.profile = h.profile;
  r.backend = h.backend;
  r.accelerator = h.accelerator;
  r.iteration = h.iteration;
  r.attempt = h.attempt;
  r.warmup = h.warmup;
  r.verdict = VerdictFromString(h.verdict);
  r.role = h.role.empty() ? (h.warmup ? RunRole::kWarmup : RunRole::kCounted)
                          : RunRoleFromString(h.role);
  r.counts_as =
      h.counts_as.empty() ? r.verdict : VerdictFromString(h.counts_as);
  r.labels = h.labels;
  r.reason = h.reason;
  r.metrics = h.metrics;
  r.started_at = h.started_at;
  // Judged by the same code as a live run (EvaluateBudgets): a metric that
  // was not measured is kSkipped, never a pass.
  Budgets budgets;
  for (const auto& [metric, limit] : h.limits)
    budgets.limits[metric].any = limit;
  r.budgets = EvaluateBudgets(budgets, h.metrics, h.profile, h.accelerator);
  return r;
}

std::string RenderHistoryJson(const std::vector<HistoryRun>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const HistoryRun& r : runs) {
    out.push_back({{"id", r.id},
                   {"suite_id", r.suite_id},
                   {"scenario", r.scenario},
                   {"profile", r.profile},
                   {"backend", r.backend},
                   {"accelerator", r.accelerator},
                   {"host", r.host},
                   {"image_path", r.image_path},
                   {"image_sha256", r.image_sha256},
                   {"build_id", r.build_id},
                   {"started_at", r.started_at},
                   {"iteration", r.iteration},
                   {"warmup", r.warmup},
                   {"attempt", r.attempt},
                   {"verdict", r.verdict},
                   {"role", r.role},
                   {"counts_as", r.counts_as},
                   {"reason", r.reason},
                   {"labels", r.labels.empty() ? nlohmann::json::object()
                                               : nlohmann::json(r.labels)},
                   {"metrics", r.metrics.empty() ? nlohmann::json::object()
                                                 : nlohmann::json(r.metrics)},
                   {"limits", r.limits.empty() ? nlohmann::json::object()
                                               : nlohmann::json(r.limits)}});
    if (!r.explain.empty()) out.back()["explain"] = r.explain;
  }
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace bootgate
