#include "runner/image_prep.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/escape.h"
#include "util/fs.h"

namespace bootgate {
namespace {

CommandOutput MustRun(ProcessLauncher& launcher, const std::vector<std::string>& argv,
                      double timeout_s, const std::string& what,
                      const CancelToken* cancel = nullptr) {
  CommandOutput out = RunCommand(launcher, argv, FromSeconds(timeout_s), 1 << 20, cancel);
  if (out.timed_out || !out.status.ok()) {
    std::string err = out.stderr_text.empty() ? out.stdout_text : out.stderr_text;
    if (err.size() > 1500) err = "..." + err.substr(err.size() - 1500);
    throw Error(what, JoinArgv(argv) + " " +
                          (out.timed_out ? "timed out" : out.status.Describe()) +
                          (err.empty() ? "" : ": " + err));
  }
  return out;
}

}  // namespace

std::string DetectDiskFormat(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' &&
      static_cast<unsigned char>(magic[3]) == 0xfb)
    return "qcow2";
  return "raw";
}

std::string RunRecipe(ProcessLauncher& launcher, const std::string& recipe,
                      double timeout_s, const CancelToken* cancel) {
  if (recipe.empty()) return "";
  std::string out =
      MustRun(launcher, {recipe}, timeout_s, "image recipe " + recipe, cancel).stdout_text;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  size_t nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1);
}

std::string RecipeRunner::Ensure(const std::string& recipe) {
  if (recipe.empty()) return "";
  // Held while the recipe runs: two runs of one suite never build at once.
  std::lock_guard lock(mu_);
  if (done_.count(recipe)) return "";
  std::string said = RunRecipe(*launcher_, recipe, 600, cancel_);
  done_.insert(recipe);
  return said;
}

void CreateOverlay(ProcessLauncher& launcher, const std::string& base,
                   const std::string& format, const std::string& overlay) {
  MustRun(launcher,
          {"qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b",
           fs::absolute(base).string(), overlay},
          60, base);
}

void CreateBlankDisk(ProcessLauncher& launcher, const std::string& path,
                     int size_mib) {
  MustRun(launcher,
          {"qemu-img", "create", "-q", "-f", "qcow2", path,
           std::to_string(size_mib) + "M"},
          60, path);
}

HostDiskUsage MeasureHostDisk(ProcessLauncher& launcher, const std::string& path) {
  auto out = MustRun(launcher, {"qemu-img", "info", "-U", "--backing-chain", "--output=json", path},
                     60, path);
  try {
    return SumBackingChain(ParseQemuImgBackingChain(out.stdout_text));
  } catch (const Error& e) {
    throw Error(path, e.what());
  }
}

std::string RenderUserData(const SeedContent& c) {
  std::string s = "#cloud-config\n";
  if (!c.hostname.empty()) s += "hostname: " + YamlQuote(c.hostname) + "\n";
  s += "disable_root: false\n";
  s += "ssh_pwauth: false\n";
  if (!c.ssh_public_keys.empty()) {
    s += "ssh_authorized_keys:\n";
    for (const auto& k : c.ssh_public_keys) s += "  - " + k + "\n";
    if (c.user != "root") {
      s += "users:\n  - default\n  - name: " + YamlQuote(c.user) +
           "\n    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n    ssh_authorized_keys:\n";
      for (const auto& k : c.ssh_public_keys) s += "      - " + k + "\n";
    }
  }
  return s;
}

std::string RenderMetaData(const SeedContent& c) {
  std::string s = "instance-id: " + YamlQuote(c.instance_id.empty() ? "bootgate" : c.instance_id) + "\n";
  if (!c.hostname.empty()) s += "local-hostname: " + YamlQuote(c.hostname) + "\n";
  return s;
}

void MakeNoCloudSeed(ProcessLauncher& launcher, const SeedContent& content,
                     const std::string& work_dir, const std::string& out_iso) {
  std::string dir = work_dir + "/seed";
  fs::create_directories(dir);
  WriteFileAtomic(dir + "/user-data", RenderUserData(content));
  WriteFileAtomic(dir + "/meta-data", RenderMetaData(content));
  MustRun(launcher,
          {"xorriso", "-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r",
           "-o", out_iso, dir + "/user-data", dir + "/meta-data"},
          60, "NoCloud seed");
}

void ExtractFromIso(ProcessLauncher& launcher, const std::string& iso,
                    const std::string& iso_path, const std::string& out) {
  MustRun(launcher,
          {"xorriso", "-osirrox", "on", "-indev", iso, "-extract", iso_path, out},
          120, iso);
  if (!fs::exists(out))
    throw Error(iso, "the ISO has no file " + iso_path);
}

}  // namespace bootgate
