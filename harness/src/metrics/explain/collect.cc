#include "metrics/explain/collect.h"

#include <algorithm>
#include <charconv>

#include "metrics/explain/disk_usage.h"
#include "metrics/explain/kernel_memory.h"
#include "metrics/explain/processes.h"
#include "metrics/explain/systemd_analyze.h"
#include "metrics/meminfo.h"
#include "metrics/text_util.h"
#include "util/error.h"

namespace bootgate {
namespace {

constexpr std::string_view kMarkerStart = "@@bootgate:";
constexpr std::string_view kMarkerEnd = "@@";
constexpr size_t kExplainOutputBytes = 1 << 20;

std::string Section(const char* name) {
  return "echo '" + std::string(kMarkerStart) + name + std::string(kMarkerEnd) +
         "'";
}

template <typename T>
void Cut(std::vector<T>* v, int top_n) {
  if (v->size() > static_cast<size_t>(top_n))
    v->resize(static_cast<size_t>(top_n));
}

std::string_view Get(const std::map<std::string, std::string_view>& s,
                     const char* name) {
  auto it = s.find(name);
  return it == s.end() ? std::string_view{} : it->second;
}

}  // namespace

std::string BootExplainScript(int wait_s) {
  // systemd-analyze answers only once the boot has finished (cloud-init may
  // still run after the prompt): wait for it, bounded. LC_ALL=C: spans and
  // tree in one form (the UTF-8 tree is parsed too).
  const std::string t = std::to_string(wait_s);
  return "export LC_ALL=C; command -v systemd-analyze >/dev/null 2>&1 || exit "
         "0; "
         "if command -v timeout >/dev/null 2>&1; then timeout " +
         t + " systemctl is-system-running --wait >/dev/null 2>&1; fi; " +
         Section("time") + "; systemd-analyze time 2>&1; " + Section("blame") +
         "; systemd-analyze blame --no-pager 2>/dev/null; " + Section("chain") +
         "; systemd-analyze critical-chain --no-pager 2>/dev/null; exit 0";
}

std::string RamExplainScript() {
  // One grep per figure over every process: three commands in all.
  // zoneinfo right after meminfo: its per-CPU free pages belong to the same
  // moment's MemFree (the kernel moves pages between them all the time).
  return Section("self") + "; echo $$; " + Section("pagesize") +
         "; getconf PAGESIZE 2>/dev/null; " + Section("meminfo") +
         "; cat /proc/meminfo; " + Section("zoneinfo") +
         "; cat /proc/zoneinfo 2>/dev/null; " + Section("comm") +
         "; grep -H '' /proc/[0-9]*/comm 2>/dev/null; " + Section("pss") +
         "; grep -H '^Pss' /proc/[0-9]*/smaps_rollup 2>/dev/null; " +
         Section("rss") +
         "; grep -H '^VmRSS:' /proc/[0-9]*/status 2>/dev/null; exit 0";
}

std::string DiskExplainScript(const std::string& mount, int du_timeout_s) {
  const std::string t = std::to_string(du_timeout_s);
  return "T=; command -v timeout >/dev/null 2>&1 && T='timeout " + t + "'; " +
         Section("du") + "; $T du -x -k -d 2 -- " + ShellQuote(mount) +
         " 2>/dev/null; if command -v dpkg-query >/dev/null 2>&1; then " +
         Section("dpkg") +
         "; dpkg-query -W -f='${Package} ${Installed-Size}\\n' 2>/dev/null; "
         "elif command -v rpm >/dev/null 2>&1; then " +
         Section("rpm") +
         "; rpm -qa --qf '%{NAME} %{SIZE}\\n' 2>/dev/null; fi; exit 0";
}

std::map<std::string, std::string_view> SplitExplainSections(
    std::string_view output) {
  std::map<std::string, std::string_view> sections;
  std::string current;
  size_t body = std::string_view::npos;
  size_t pos = 0;
  auto close = [&](size_t end) {
    if (!current.empty() && body != std::string_view::npos)
      sections.emplace(current, output.substr(body, end - body));
  };
  while (pos < output.size()) {
    size_t nl = output.find('\n', pos);
    size_t end = nl == std::string_view::npos ? output.size() : nl;
    std::string_view line = Trim(output.substr(pos, end - pos));
    if (line.size() > kMarkerStart.size() + kMarkerEnd.size() &&
        line.rfind(kMarkerStart, 0) == 0 &&
        line.substr(line.size() - kMarkerEnd.size()) == kMarkerEnd) {
      close(pos);
      current = std::string(
          line.substr(kMarkerStart.size(),
                      line.size() - kMarkerStart.size() - kMarkerEnd.size()));
      body = nl == std::string_view::npos ? output.size() : nl + 1;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  close(output.size());
  return sections;
}

std::optional<BootExplanation> ExplainBoot(
    const std::map<std::string, std::string_view>& sections, int top_n,
    std::vector<std::string>* notes) {
  if (!sections.count("blame") && !sections.count("time")) {
    notes->push_back("boot: no systemd-analyze in the guest (no units)");
    return std::nullopt;
  }
  BootExplanation b;
  SystemdTime t = ParseSystemdAnalyzeTime(Get(sections, "time"));
  b.phases_s = std::move(t.phases_s);
  b.target = std::move(t.target);
  if (b.phases_s.empty()) {
    std::string_view first = Trim(SplitLines(Get(sections, "time")).empty()
                                      ? std::string_view{}
                                      : SplitLines(Get(sections, "time"))[0]);
    notes->push_back("boot: systemd-analyze time gave no times" +
                     (first.empty()
                          ? std::string()
                          : " (" + std::string(first.substr(0, 120)) + ")"));
  }
  b.units = ParseSystemdBlame(Get(sections, "blame"));
  Cut(&b.units, top_n);
  b.critical_chain = ParseCriticalChain(Get(sections, "chain"));
  Cut(&b.critical_chain, top_n);
  if (b.target.empty() && !b.critical_chain.empty())
    b.target = b.critical_chain.front().unit;
  if (b.phases_s.empty() && b.units.empty() && b.critical_chain.empty())
    return std::nullopt;
  return b;
}

std::optional<RamExplanation> ExplainRam(
    const std::map<std::string, std::string_view>& sections, int top_n,
    std::vector<std::string>* notes) {
  RamExplanation ram;
  std::string_view meminfo = Get(sections, "meminfo");
  try {
    ram.used_mib = ParseMeminfo(meminfo).used_mib();
  } catch (const Error& e) {
    notes->push_back(std::string("ram: ") + e.what());
    return std::nullopt;
  }
  ram.kernel_mib = ParseKernelMemory(meminfo);
  double page_bytes = 0;
  if (!ParseNonNegative(Trim(Get(sections, "pagesize")), &page_bytes) ||
      page_bytes < 1024 || page_bytes > (1 << 24))
    page_bytes = 4096;  // no getconf (busybox without it): x86's pages
  if (auto pcp = ParsePerCpuFreeMib(Get(sections, "zoneinfo"), page_bytes))
    ram.kernel_mib["pcp_free"] = *pcp;
  else
    notes->push_back(
        "ram: no /proc/zoneinfo pagesets (free pages on the per-CPU lists "
        "not attributed)");
  int self = 0;
  std::string_view self_text = Trim(Get(sections, "self"));
  std::from_chars(self_text.data(), self_text.data() + self_text.size(), self);
  std::vector<ProcessMemory> procs =
      ParseProcessMemory(Get(sections, "comm"), Get(sections, "pss"),
                         Get(sections, "rss"), self, &ram.measure);
  ram.process_count = static_cast<int>(procs.size());
  for (const ProcessMemory& p : procs) {
    ram.processes_mib += p.pss_mib;
    ram.processes_unreclaimable_mib += p.unreclaimable_mib;
  }
  Cut(&procs, top_n);
  ram.processes = std::move(procs);
  if (ram.processes.empty())
    notes->push_back(
        "ram: no per-process figures (no /proc/PID/smaps_rollup or status)");
  AttributeRam(&ram);
  return ram;
}

std::optional<DiskExplanation> ExplainDisk(
    const std::map<std::string, std::string_view>& sections,
    const std::string& mount, int top_n, std::vector<std::string>* notes) {
  DiskExplanation d;
  d.mount = mount;
  d.paths = ParseDuKib(Get(sections, "du"), mount, &d.du_total_mib);
  Cut(&d.paths, top_n);
  if (d.paths.empty())
    notes->push_back("disk: du gave no directories of " + mount);
  std::vector<SizedItem> packages;
  if (sections.count("dpkg")) {
    d.package_manager = "dpkg";
    packages = ParseDpkgSizes(Get(sections, "dpkg"));
  } else if (sections.count("rpm")) {
    d.package_manager = "rpm";
    packages = ParseRpmSizes(Get(sections, "rpm"));
  } else {
    notes->push_back("disk: no package manager (dpkg-query, rpm) in the guest");
  }
  if (packages.empty() && !d.package_manager.empty()) {
    // busybox has an `rpm` applet that lists nothing (and knows no --qf).
    notes->push_back("disk: " + d.package_manager + " listed no packages");
    d.package_manager.clear();
  }
  d.package_count = static_cast<int>(packages.size());
  for (const SizedItem& p : packages) d.packages_mib += p.mib;
  Cut(&packages, top_n);
  d.packages = std::move(packages);
  if (d.paths.empty() && d.packages.empty()) return std::nullopt;
  return d;
}

Explanation CollectExplanation(CommandChannel& channel, const ExplainSpec& spec,
                               const std::string& disk_mount,
                               const Clock& clock, Duration timeout_per_area) {
  Explanation ex;
  const TimePoint start = clock.Now();
  // The guest's stdout, or nullopt (and a note) when the script failed.
  auto run = [&](const char* area,
                 const std::string& script) -> std::optional<std::string> {
    try {
      ExecResult r =
          channel.Exec(script, timeout_per_area, kExplainOutputBytes);
      if (r.truncated)
        ex.notes.push_back(std::string(area) + ": output truncated");
      return std::move(r.stdout_text);
    } catch (const Interrupted&) {
      throw;
    } catch (const std::exception& e) {
      ex.notes.push_back(std::string(area) + ": " + e.what());
      return std::nullopt;
    }
  };
  const int du_timeout_s =
      std::max(1, static_cast<int>(ToSeconds(timeout_per_area) / 2));
  if (auto out = run("boot", BootExplainScript(du_timeout_s)))
    ex.boot = ExplainBoot(SplitExplainSections(*out), spec.top_n, &ex.notes);
  if (auto out = run("ram", RamExplainScript()))
    ex.ram = ExplainRam(SplitExplainSections(*out), spec.top_n, &ex.notes);
  if (auto out = run("disk", DiskExplainScript(disk_mount, du_timeout_s)))
    ex.disk = ExplainDisk(SplitExplainSections(*out), disk_mount, spec.top_n,
                          &ex.notes);
  ex.cost_s = ToSeconds(clock.Now() - start);
  return ex;
}

}  // namespace bootgate
