#include "backend/qemu/accel_resolver.h"

#include "util/error.h"

namespace bootgate {

AccelResolver::AccelResolver(KvmProber prober, std::function<ProbeHost()> host)
    : prober_(std::move(prober)), host_(std::move(host)) {}

const KvmVerdict& AccelResolver::DecideLocked() {
  if (!verdict_) verdict_ = prober_.Decide(host_());
  return *verdict_;
}

std::pair<std::string, std::string> AccelResolver::Resolve(
    const std::string& requested) {
  if (requested == "tcg")
    return {"tcg", "TCG requested by the scenario or --accel"};
  std::lock_guard lock(mu_);
  const KvmVerdict& v = DecideLocked();
  std::string note = DescribeVerdict(v, host_().now_unix_s);
  if (requested == "kvm") {
    if (!v.usable())
      throw Error(
          "accel",
          "KVM was requested but is not usable here: " + note +
              ". Use accel \"auto\" or \"tcg\"; `bootgate doctor` shows why.");
    return {"kvm", note};
  }
  return {v.usable() ? "kvm" : "tcg", note + (v.usable() ? "" : "; using TCG")};
}

void AccelResolver::ReportBroken(const std::string& evidence) {
  std::lock_guard lock(mu_);
  verdict_ = prober_.MarkBroken(host_(), evidence);
}

KvmVerdict AccelResolver::Verdict() {
  std::lock_guard lock(mu_);
  return DecideLocked();
}

}  // namespace bootgate
