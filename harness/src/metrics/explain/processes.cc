#include "metrics/explain/processes.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "metrics/text_util.h"

namespace bootgate {
namespace {

// "/proc/123/comm:rest" -> 123 and "rest"; false if not that shape.
bool SplitProcLine(std::string_view line, std::string_view file, int* pid,
                   std::string_view* rest) {
  constexpr std::string_view kProc = "/proc/";
  if (line.rfind(kProc, 0) != 0) return false;
  size_t slash = line.find('/', kProc.size());
  if (slash == std::string_view::npos) return false;
  std::string_view digits = line.substr(kProc.size(), slash - kProc.size());
  auto [ptr, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), *pid);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || *pid <= 0)
    return false;
  if (line.compare(slash + 1, file.size(), file) != 0) return false;
  size_t colon = slash + 1 + file.size();
  if (colon >= line.size() || line[colon] != ':') return false;
  *rest = line.substr(colon + 1);
  return true;
}

// "Pss:   1234 kB" -> MiB, for the lines of one file and key.
std::map<int, double> KibByPid(std::string_view text, std::string_view file,
                               std::string_view key) {
  std::map<int, double> out;
  for (std::string_view line : SplitLines(text)) {
    int pid = 0;
    std::string_view rest;
    if (!SplitProcLine(line, file, &pid, &rest)) continue;
    if (rest.rfind(key, 0) != 0 || rest.size() <= key.size() ||
        rest[key.size()] != ':')
      continue;
    std::vector<std::string_view> words =
        SplitWords(rest.substr(key.size() + 1));
    double kib = 0;
    if (words.empty() || !ParseNonNegative(words[0], &kib)) continue;
    out.emplace(pid, kib / 1024.0);
  }
  return out;
}

}  // namespace

std::vector<ProcessMemory> ParseProcessMemory(std::string_view comm_text,
                                              std::string_view pss_text,
                                              std::string_view rss_text,
                                              int exclude_pid,
                                              std::string* measure) {
  std::map<int, std::string> names;
  for (std::string_view line : SplitLines(comm_text)) {
    int pid = 0;
    std::string_view rest;
    if (SplitProcLine(line, "comm", &pid, &rest))
      names.emplace(pid, std::string(rest));
  }
  const std::map<int, double> pss = KibByPid(pss_text, "smaps_rollup", "Pss");
  const std::map<int, double> pss_anon =
      KibByPid(pss_text, "smaps_rollup", "Pss_Anon");
  const std::map<int, double> pss_shmem =
      KibByPid(pss_text, "smaps_rollup", "Pss_Shmem");
  const std::map<int, double> rss = KibByPid(rss_text, "status", "VmRSS");
  std::vector<ProcessMemory> out;
  bool used_pss = false, used_rss = false;
  auto add = [&](int pid, double mib, double unreclaimable_mib) {
    auto n = names.find(pid);
    out.push_back(
        {n == names.end() ? "?" : n->second, pid, mib, unreclaimable_mib});
  };
  for (const auto& [pid, mib] : pss) {
    if (pid == exclude_pid) continue;
    auto anon = pss_anon.find(pid);
    auto shmem = pss_shmem.find(pid);
    const bool split = anon != pss_anon.end() && shmem != pss_shmem.end();
    add(pid, mib, split ? anon->second + shmem->second : mib);
    used_pss = true;
  }
  for (const auto& [pid, mib] : rss) {
    if (pid == exclude_pid || pss.count(pid)) continue;
    // A kernel thread has no VmRSS line; one with VmRSS 0 has nothing to add.
    if (mib <= 0) continue;
    add(pid, mib, mib);
    used_rss = true;
  }
  std::sort(out.begin(), out.end(),
            [](const ProcessMemory& a, const ProcessMemory& b) {
              return a.pss_mib != b.pss_mib ? a.pss_mib > b.pss_mib
                                            : a.pid < b.pid;
            });
  if (measure)
    *measure = used_pss && used_rss ? "pss+rss" : used_rss ? "rss" : "pss";
  return out;
}

}  // namespace bootgate
