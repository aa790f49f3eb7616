#include "metrics/sampler.h"

#include <nlohmann/json.hpp>

#include "metrics/text_util.h"
#include "util/error.h"

namespace bootgate {
namespace {
constexpr std::string_view kSeparator = "@@BOOTGATE@@";
constexpr size_t kSampleOutputBytes = 256 * 1024;
}  // namespace

std::string SampleCommand(const std::string& disk_mount) {
  // LC_ALL=C keeps coreutils' header in English; "--" keeps a mount that
  // starts with "-" from being read as an option.
  return "cat /proc/meminfo; echo " + std::string(kSeparator) +
         "; LC_ALL=C df -P -k -- " + ShellQuote(disk_mount);
}

GuestSample ParseSampleOutput(std::string_view output,
                              std::string_view disk_mount) {
  // The separator at the start of a line (a serial console's echo of the
  // command line also contains it, after "echo ").
  size_t sep = output.find(kSeparator);
  while (sep != std::string_view::npos && sep != 0 &&
         output[sep - 1] != '\n') {
    sep = output.find(kSeparator, sep + 1);
  }
  if (sep == std::string_view::npos) {
    throw Error("guest sample", "the output lacks the separator line '" +
                                    std::string(kSeparator) +
                                    "' (did the guest's shell run it?)");
  }
  size_t after = output.find('\n', sep);
  std::string_view df_text =
      after == std::string_view::npos ? std::string_view{}
                                      : output.substr(after + 1);
  GuestSample s;
  s.mem = ParseMeminfo(output.substr(0, sep));
  s.disk = ParseDfPosix(df_text, disk_mount);
  return s;
}

GuestSample TakeSample(CommandChannel& channel, const std::string& disk_mount,
                       Duration timeout, const Clock* clock, TimePoint t0) {
  ExecResult r = channel.Exec(SampleCommand(disk_mount), timeout,
                              kSampleOutputBytes);
  if (r.exit_status != 0) {
    std::string err(Trim(r.stderr_text.substr(0, 300)));
    throw Error("guest sample",
                "sampling RAM and disk of '" + disk_mount + "' over " +
                    channel.name() + " exited with status " +
                    std::to_string(r.exit_status) +
                    (err.empty() ? "" : ": " + err));
  }
  GuestSample s = ParseSampleOutput(r.stdout_text, disk_mount);
  if (clock) s.t_s = ToSeconds(clock->Now() - t0);
  return s;
}

namespace {

QemuImgInfo ImgInfoFromJson(const nlohmann::json& j, const std::string& context) {
  if (!j.is_object()) throw Error(context, "is not a JSON object");
  auto number = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) {
      throw Error(context, std::string("has no numeric \"") + key + "\"");
    }
    double v = it->get<double>();
    if (v < 0) throw Error(context, std::string("has a negative ") + key);
    return v / (1024.0 * 1024.0);
  };
  QemuImgInfo info;
  auto fmt = j.find("format");
  if (fmt == j.end() || !fmt->is_string()) {
    throw Error(context, "has no string \"format\"");
  }
  info.format = fmt->get<std::string>();
  if (auto f = j.find("filename"); f != j.end() && f->is_string()) {
    info.filename = f->get<std::string>();
  }
  info.virtual_mib = number("virtual-size");
  info.allocated_mib = number("actual-size");
  return info;
}

nlohmann::json ParseJson(std::string_view json, const std::string& context) {
  try {
    return nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(context, std::string("is not valid JSON: ") + e.what());
  }
}

}  // namespace

QemuImgInfo ParseQemuImgInfo(std::string_view json) {
  const std::string context = "qemu-img info --output=json";
  return ImgInfoFromJson(ParseJson(json, context), context);
}

std::vector<QemuImgInfo> ParseQemuImgBackingChain(std::string_view json) {
  const std::string context = "qemu-img info --backing-chain --output=json";
  nlohmann::json j = ParseJson(json, context);
  std::vector<QemuImgInfo> chain;
  if (j.is_object()) {
    chain.push_back(ImgInfoFromJson(j, context));
    return chain;
  }
  if (!j.is_array() || j.empty()) throw Error(context, "is neither an image nor a chain of images");
  for (size_t i = 0; i < j.size(); ++i)
    chain.push_back(ImgInfoFromJson(j[i], context + " [" + std::to_string(i) + "]"));
  return chain;
}

HostDiskUsage SumBackingChain(const std::vector<QemuImgInfo>& chain) {
  HostDiskUsage u;
  u.chain_length = static_cast<int>(chain.size());
  for (size_t i = 0; i < chain.size(); ++i) {
    u.total_mib += chain[i].allocated_mib;
    (i == 0 ? u.overlay_mib : u.base_mib) += chain[i].allocated_mib;
  }
  return u;
}

SampleSeries SampleGuest(CommandChannel& channel, const SampleSpec& spec, const Clock& clock,
                         const CancelToken* cancel,
                         const std::function<void(const std::string&)>& on_step) {
  auto step = [&](const std::string& what) {
    if (on_step) on_step(what);
  };
  SampleSeries series;
  step("settle");
  SleepCancellable(FromSeconds(spec.settle_s), clock, cancel);
  for (int i = 0; i < spec.count; ++i) {
    if (i > 0) SleepCancellable(FromSeconds(spec.interval_s), clock, cancel);
    step("sample " + std::to_string(i + 1) + "/" + std::to_string(spec.count));
    series.last = TakeSample(channel, spec.disk_mount, std::chrono::seconds(30));
    series.ram_mib.push_back(series.last.mem.used_mib());
    series.disk_mib.push_back(series.last.disk.used_mib);
  }
  return series;
}

}  // namespace bootgate
