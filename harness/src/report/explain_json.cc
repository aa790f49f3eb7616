#include "report/explain_json.h"

#include "util/error.h"

namespace bootgate {
namespace {

using json = nlohmann::json;

void PutList(json* j, const char* key, const json& list) {
  if (!list.empty()) (*j)[key] = list;
}

// Typed reads of one object, every failure naming the JSON path.
class Fields {
 public:
  Fields(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object())
      throw Error("report JSON " + path_, "expected an object");
  }
  template <typename T>
  void Get(const char* key, T* out) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return;
    try {
      *out = it->get<T>();
    } catch (const json::exception&) {
      throw Error("report JSON " + path_ + "/" + key, "has the wrong type");
    }
  }
  template <typename T>
  void Get(const char* key, std::optional<T>* out) const {
    T v{};
    if (j_.contains(key) && !j_[key].is_null()) {
      Get(key, &v);
      *out = v;
    }
  }
  template <typename Fn>
  void Each(const char* key, Fn fn) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return;
    if (!it->is_array())
      throw Error("report JSON " + path_ + "/" + key, "expected an array");
    for (size_t i = 0; i < it->size(); ++i)
      fn(Fields((*it)[i], path_ + "/" + key + "/" + std::to_string(i)));
  }
  std::optional<Fields> Object(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    return Fields(*it, path_ + "/" + key);
  }

 private:
  const json& j_;
  std::string path_;
};

}  // namespace

json ExplanationToJson(const Explanation& e) {
  json j = {{"cost_s", e.cost_s}};
  if (!e.notes.empty()) j["notes"] = e.notes;
  if (const BootExplanation* b = e.boot ? &*e.boot : nullptr) {
    json boot = json::object();
    if (!b->phases_s.empty()) boot["phases_s"] = b->phases_s;
    if (!b->target.empty()) boot["target"] = b->target;
    json units = json::array(), chain = json::array();
    for (const UnitTime& u : b->units)
      units.push_back({{"unit", u.unit}, {"s", u.s}});
    for (const ChainLink& c : b->critical_chain) {
      json link = {{"unit", c.unit}, {"at_s", c.at_s}};
      if (c.took_s) link["took_s"] = *c.took_s;
      chain.push_back(std::move(link));
    }
    PutList(&boot, "units", units);
    PutList(&boot, "critical_chain", chain);
    if (b->init_start_kernel_s)
      boot["init_start_kernel_s"] = *b->init_start_kernel_s;
    if (b->login_prompt_kernel_s)
      boot["login_prompt_kernel_s"] = *b->login_prompt_kernel_s;
    j["boot"] = std::move(boot);
  }
  if (const RamExplanation* r = e.ram ? &*e.ram : nullptr) {
    json procs = json::array();
    for (const ProcessMemory& p : r->processes)
      procs.push_back({{"name", p.name},
                       {"pid", p.pid},
                       {"pss_mib", p.pss_mib},
                       {"unreclaimable_mib", p.unreclaimable_mib}});
    json ram = {{"measure", r->measure},
                {"process_count", r->process_count},
                {"processes_mib", r->processes_mib},
                {"processes_unreclaimable_mib", r->processes_unreclaimable_mib},
                {"used_mib", r->used_mib},
                {"explained_mib", r->explained_mib},
                {"unexplained_mib", r->unexplained_mib},
                {"tolerance_mib", r->tolerance_mib},
                {"within_tolerance", r->within_tolerance}};
    PutList(&ram, "processes", procs);
    if (!r->kernel_mib.empty()) ram["kernel"] = r->kernel_mib;
    j["ram"] = std::move(ram);
  }
  if (const DiskExplanation* d = e.disk ? &*e.disk : nullptr) {
    json paths = json::array(), packages = json::array();
    for (const SizedItem& p : d->paths)
      paths.push_back({{"path", p.name}, {"mib", p.mib}});
    for (const SizedItem& p : d->packages)
      packages.push_back({{"name", p.name}, {"mib", p.mib}});
    json disk = {{"mount", d->mount}, {"du_total_mib", d->du_total_mib}};
    PutList(&disk, "paths", paths);
    if (!d->package_manager.empty()) {
      disk["package_manager"] = d->package_manager;
      disk["package_count"] = d->package_count;
      disk["packages_mib"] = d->packages_mib;
    }
    PutList(&disk, "packages", packages);
    j["disk"] = std::move(disk);
  }
  return j;
}

Explanation ExplanationFromJson(const json& j, const std::string& path) {
  Fields f(j, path);
  Explanation e;
  f.Get("cost_s", &e.cost_s);
  f.Get("notes", &e.notes);
  if (auto b = f.Object("boot")) {
    BootExplanation boot;
    b->Get("phases_s", &boot.phases_s);
    b->Get("target", &boot.target);
    b->Each("units", [&](const Fields& u) {
      UnitTime v;
      u.Get("unit", &v.unit);
      u.Get("s", &v.s);
      boot.units.push_back(std::move(v));
    });
    b->Each("critical_chain", [&](const Fields& c) {
      ChainLink v;
      c.Get("unit", &v.unit);
      c.Get("at_s", &v.at_s);
      c.Get("took_s", &v.took_s);
      boot.critical_chain.push_back(std::move(v));
    });
    b->Get("init_start_kernel_s", &boot.init_start_kernel_s);
    b->Get("login_prompt_kernel_s", &boot.login_prompt_kernel_s);
    e.boot = std::move(boot);
  }
  if (auto r = f.Object("ram")) {
    RamExplanation ram;
    r->Get("measure", &ram.measure);
    r->Each("processes", [&](const Fields& p) {
      ProcessMemory v;
      p.Get("name", &v.name);
      p.Get("pid", &v.pid);
      p.Get("pss_mib", &v.pss_mib);
      p.Get("unreclaimable_mib", &v.unreclaimable_mib);
      ram.processes.push_back(std::move(v));
    });
    r->Get("process_count", &ram.process_count);
    r->Get("processes_mib", &ram.processes_mib);
    r->Get("processes_unreclaimable_mib", &ram.processes_unreclaimable_mib);
    r->Get("kernel", &ram.kernel_mib);
    r->Get("used_mib", &ram.used_mib);
    r->Get("explained_mib", &ram.explained_mib);
    r->Get("unexplained_mib", &ram.unexplained_mib);
    r->Get("tolerance_mib", &ram.tolerance_mib);
    r->Get("within_tolerance", &ram.within_tolerance);
    e.ram = std::move(ram);
  }
  if (auto d = f.Object("disk")) {
    DiskExplanation disk;
    d->Get("mount", &disk.mount);
    d->Each("paths", [&](const Fields& p) {
      SizedItem v;
      p.Get("path", &v.name);
      p.Get("mib", &v.mib);
      disk.paths.push_back(std::move(v));
    });
    d->Get("du_total_mib", &disk.du_total_mib);
    d->Get("package_manager", &disk.package_manager);
    d->Each("packages", [&](const Fields& p) {
      SizedItem v;
      p.Get("name", &v.name);
      p.Get("mib", &v.mib);
      disk.packages.push_back(std::move(v));
    });
    d->Get("package_count", &disk.package_count);
    d->Get("packages_mib", &disk.packages_mib);
    e.disk = std::move(disk);
  }
  return e;
}

}  // namespace bootgate
