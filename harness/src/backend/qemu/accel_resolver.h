// Stage 2 (boot) support: turns a scenario's accelerator request ("auto",
// "kvm", "tcg") into the one a VM runs under, from the host's KVM verdict
// (backend/qemu/kvm_probe.h), and takes a run's word that KVM failed it. One
// per bootgate process, shared by the backends and their worker threads.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "backend/qemu/kvm_probe.h"

namespace bootgate {

class AccelResolver {
 public:
  /// `host` gives the wall clock and host boot (ProbeHost::Current in
  /// production, a fixed value in tests).
  AccelResolver(KvmProber prober, std::function<ProbeHost()> host);

  /// Returns {accel, note}. "auto" gives kvm only on a usable verdict;
  /// "kvm" throws Error (could not measure) with the probe's evidence when
  /// KVM is not usable; "tcg" needs no probe. The verdict is decided once
  /// and then kept in memory, until ReportBroken.
  std::pair<std::string, std::string> Resolve(const std::string& requested);

  /// A run under KVM showed that KVM does not work here after all: the
  /// verdict turns broken at once, in memory and in the host's cache.
  void ReportBroken(const std::string& evidence);

  /// The verdict as it stands (probing if it was never decided).
  KvmVerdict Verdict();

 private:
  const KvmVerdict& DecideLocked();
  KvmProber prober_;
  std::function<ProbeHost()> host_;
  std::mutex mu_;
  std::optional<KvmVerdict> verdict_;
};

}  // namespace bootgate
