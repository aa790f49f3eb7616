#include "console/phases.h"

#include <algorithm>
#include <map>

namespace bootgate {

std::vector<PhaseResult> ExtractPhases(const std::vector<Milestone>& milestones,
                                       double login_s,
                                       std::optional<double> ssh_s) {
  static const char* kOrder[] = {"bootloader", "kernel", "initramfs", "userspace"};
  std::map<std::string, double> first;
  for (const auto& m : milestones) {
    if (m.t_s > login_s) continue;
    if (!first.count(m.name)) first[m.name] = m.t_s;
  }
  std::vector<PhaseResult> out;
  PhaseResult current{"firmware", 0, 0};
  for (const char* name : kOrder) {
    auto it = first.find(name);
    // Markers must move forward in time; one seen out of order is ignored.
    // A phase whose marker is missing is not silently absorbed: the phase
    // before it is labelled with both names ("kernel+initramfs").
    if (it == first.end() || it->second < current.start_s) {
      current.name += std::string("+") + name;
      continue;
    }
    current.end_s = it->second;
    out.push_back(current);
    current = {name, it->second, 0};
  }
  current.end_s = login_s;
  out.push_back(current);
  if (ssh_s && *ssh_s >= login_s) out.push_back({"ssh", login_s, *ssh_s});
  return out;
}

}  // namespace bootgate
