#include "cli/doctor.h"

#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "backend/qemu/qemu_backend.h"
#include "cli/style.h"
#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

using State = DoctorLine::State;

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  return line;
}

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

// A tool on PATH: OK with its path, else missing with the package to install.
DoctorLine Tool(const std::string& what, const std::string& binary,
                const std::string& package, const std::string& use,
                bool needed) {
  std::string path;
  if (FindExecutable(binary, &path))
    return {State::kOk, what, path + " (" + use + ")", "", needed};
  return {State::kMissing, what, binary + " not found (" + use + ")",
          "apt-get install " + package, needed};
}

// A directory bootgate writes: creatable, writable, with free space.
DoctorLine Directory(const std::string& what, const std::string& dir,
                     bool needed) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return {State::kBroken, what, dir + ": cannot create it: " + ec.message(),
            "choose another place (see --help) or fix its permissions", needed};
  std::string probe = dir + "/.bootgate-doctor-XXXXXX";
  int fd = mkstemp(probe.data());
  if (fd < 0)
    return {State::kBroken, what,
            dir + ": not writable: " + ErrnoMessage("mkstemp", errno),
            "fix its permissions or choose another place", needed};
  close(fd);
  unlink(probe.c_str());
  struct statvfs st {};
  double free_mib = 0;
  if (statvfs(dir.c_str(), &st) == 0)
    free_mib =
        static_cast<double>(st.f_bavail) * st.f_frsize / (1024.0 * 1024.0);
  if (free_mib < 512)
    return {
        State::kBroken, what,
        fmt::format("{}: writable, but only {:.0f} MiB free", dir, free_mib),
        "free space there (a run needs a few hundred MiB: overlays, logs)",
        needed};
  return {State::kOk, what,
          fmt::format("{}: writable, {:.1f} GiB free", dir, free_mib / 1024),
          "", needed};
}

std::string NestedVirt() {
  for (const char* mod : {"kvm_intel", "kvm_amd"}) {
    std::string v =
        ReadTrimmed(std::string("/sys/module/") + mod + "/parameters/nested");
    if (!v.empty()) return std::string(mod) + " nested=" + v;
  }
  return "unknown (no kvm_intel/kvm_amd parameters visible here)";
}

bool HostIsAGuest() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0)
      return line.find(" hypervisor") != std::string::npos;
  return false;
}

// QEMU itself and the image tools.
void QemuFacts(ProcessLauncher& launcher, const DoctorOptions& o,
               std::vector<DoctorLine>& lines) {
  std::string qemu_path;
  if (!FindExecutable(o.qemu_binary, &qemu_path)) {
    lines.push_back({State::kMissing, "qemu", o.qemu_binary + " not found",
                     "apt-get install qemu-system-x86", true});
  } else {
    std::string version;
    try {
      CommandOutput out = RunCommand(launcher, {qemu_path, "--version"},
                                     std::chrono::seconds(10));
      version = ParseQemuVersion(out.stdout_text);
    } catch (const Error&) {
    }
    if (version.empty())
      lines.push_back({State::kBroken, "qemu",
                       qemu_path + " did not say its version",
                       "apt-get install --reinstall qemu-system-x86", true});
    else
      lines.push_back({State::kOk, "qemu",
                       "QEMU " + version + " at " + qemu_path, "", true});
  }
  lines.push_back(Tool("qemu-img", "qemu-img", "qemu-utils",
                       "overlays of disk images, disk sizes", false));
  lines.push_back(Tool("xorriso", "xorriso", "xorriso",
                       "NoCloud seeds, installer media, the reference image",
                       true));
}

// KVM: the device, nesting, and the probe that proves it.
void KvmFacts(KvmProber& prober, std::vector<DoctorLine>& lines) {
  ProbeHost host = ProbeHost::Current();
  if (access("/dev/kvm", F_OK) != 0)
    lines.push_back({State::kMissing, "/dev/kvm",
                     "absent: guests run under TCG (software, ~5-10x slower)",
                     "load kvm_intel or kvm_amd, or enable nested "
                     "virtualisation on the hypervisor "
                     "that runs this host",
                     false});
  else if (!host.kvm_device)
    lines.push_back({State::kBroken, "/dev/kvm",
                     "present but not read-write for this user",
                     "add the user to group kvm, or run as root", false});
  else
    lines.push_back({State::kOk, "/dev/kvm", "present, read-write", "", false});
  lines.push_back({State::kInfo, "nested virt",
                   NestedVirt() + (HostIsAGuest() ? "; this host is itself a VM"
                                                  : "; bare metal"),
                   "", false});
  if (host.kvm_device) {
    KvmVerdict v = prober.ProbeNow(host);
    std::string detail = DescribeVerdict(v, host.now_unix_s);
    if (v.usable())
      lines.push_back({State::kOk, "kvm probe", detail, "", false});
    else
      lines.push_back(
          {State::kBroken, "kvm probe",
           detail + "; runs with accel auto use TCG",
           v.kernel.empty()
               ? "apt-get install linux-image-cloud-amd64 (the probe's kernel)"
               : "nothing needed to run (TCG); for KVM, fix nested "
                 "virtualisation on the hypervisor below this host",
           false});
  }
}

// Firmware for the UEFI profiles, and libvirtd for --backend libvirt.
void FirmwareAndLibvirtFacts(ProcessLauncher& launcher, const DoctorOptions& o,
                             std::vector<DoctorLine>& lines) {
  QemuHost qh;
  if (access(qh.ovmf_code.c_str(), R_OK) == 0 &&
      access(qh.ovmf_vars_template.c_str(), R_OK) == 0)
    lines.push_back({State::kOk, "OVMF",
                     qh.ovmf_code + " (UEFI profiles: hyperv, vmware-efi)", "",
                     false});
  else
    lines.push_back(
        {State::kMissing, "OVMF",
         qh.ovmf_code + " not found (UEFI profiles: hyperv, vmware-efi)",
         "apt-get install ovmf", false});

  // libvirt, for --backend libvirt.
  std::string virsh;
  if (!FindExecutable("virsh", &virsh)) {
    lines.push_back(
        {State::kMissing, "libvirtd",
         "virsh not found, so libvirtd was not asked (--backend libvirt)",
         "apt-get install libvirt-daemon-system libvirt-clients", false});
  } else {
    CommandOutput out;
    bool ran = true;
    try {
      out = RunCommand(launcher,
                       {virsh, "-c", o.libvirt_uri, "version", "--daemon"},
                       std::chrono::seconds(10));
    } catch (const Error&) {
      ran = false;
    }
    if (ran && out.status.ok()) {
      std::string daemon;
      for (size_t pos = 0; pos < out.stdout_text.size();) {
        size_t nl = out.stdout_text.find('\n', pos);
        std::string l = out.stdout_text.substr(
            pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (l.find("daemon") != std::string::npos) daemon = l;
        pos = nl == std::string::npos ? out.stdout_text.size() : nl + 1;
      }
      lines.push_back({State::kOk, "libvirtd",
                       o.libvirt_uri + " answers (" + FirstLine(daemon) + ")",
                       "", false});
    } else {
      lines.push_back(
          {State::kBroken, "libvirtd",
           o.libvirt_uri + " does not answer: " +
               FirstLine(out.timed_out ? "timed out" : out.stderr_text),
           "virtlogd -d && libvirtd -d (or: systemctl start libvirtd); "
           "ci/start-libvirtd.sh does it",
           false});
    }
  }
}

// The reference image, built or buildable.
void ReferenceImageFacts(const DoctorOptions& o,
                         std::vector<DoctorLine>& lines) {
  if (!o.source_dir.empty()) {
    std::string cache = o.image_cache_dir.empty()
                            ? o.source_dir + "/images/.cache"
                            : o.image_cache_dir;
    std::string iso = cache + "/reference/reference.iso";
    if (access(iso.c_str(), R_OK) == 0) {
      lines.push_back({State::kOk, "reference image", iso, "", true});
    } else {
      std::vector<std::string> missing;
      for (const char* t :
           {"grub-mkrescue", "mformat", "cpio", "dropbear", "busybox"}) {
        std::string p;
        if (!FindExecutable(t, &p) &&
            !(std::string(t) == "dropbear" &&
              access("/usr/sbin/dropbear", X_OK) == 0))
          missing.push_back(t);
      }
      if (FindProbeKernel().empty()) missing.push_back("a kernel in /boot");
      if (missing.empty())
        lines.push_back({State::kOk, "reference image",
                         "not built yet; its recipe's tools are here (built on "
                         "the first run)",
                         "", true});
      else {
        std::string m;
        for (const auto& x : missing) m += (m.empty() ? "" : ", ") + x;
        lines.push_back(
            {State::kMissing, "reference image",
             "not built, and its recipe lacks: " + m,
             "ci/install-deps.sh (or apt-get install grub-pc-bin "
             "grub-efi-amd64-bin mtools "
             "cpio dropbear-bin busybox-static linux-image-cloud-amd64)",
             true});
      }
    }
  }
}

// Reports and the dashboards' tests.
void ReportToolFacts(std::vector<DoctorLine>& lines) {
  lines.push_back(Tool("gnuplot", "gnuplot", "gnuplot-nox",
                       "charts in report.html; --no-html skips them", false));
  std::string chromium;
  if (FindExecutable("chromium", &chromium) ||
      FindExecutable("chromium-browser", &chromium))
    lines.push_back({State::kOk, "chromium",
                     chromium + " (tests that render report.html)", "", false});
  else
    lines.push_back({State::kMissing, "chromium",
                     "not found (tests that render report.html)",
                     "apt-get install chromium", false});
  lines.push_back(Tool("prometheus", "prometheus", "prometheus",
                       "the dashboards' tests", false));
  lines.push_back(Tool("pushgateway", "prometheus-pushgateway",
                       "prometheus-pushgateway", "--pushgateway tests", false));
  lines.push_back(Tool("sshd", "/usr/sbin/sshd", "openssh-server",
                       "the SSH client's tests", false));
}

}  // namespace

std::vector<DoctorLine> CollectDoctorFacts(ProcessLauncher& launcher,
                                           KvmProber& prober,
                                           const DoctorOptions& o) {
  std::vector<DoctorLine> lines;
  QemuFacts(launcher, o, lines);
  KvmFacts(prober, lines);
  FirmwareAndLibvirtFacts(launcher, o, lines);
  // Where bootgate writes.
  lines.push_back(Directory("state dir", o.state_dir, true));
  lines.push_back(Directory("report dir", o.report_dir, true));
  if (!o.cache_dir.empty())
    lines.push_back(Directory("cache dir", o.cache_dir, false));

  ReferenceImageFacts(o, lines);
  ReportToolFacts(lines);
  return lines;
}

int DoctorExitCode(const std::vector<DoctorLine>& lines) {
  for (const auto& l : lines)
    if (l.needed_for_reference &&
        (l.state == State::kMissing || l.state == State::kBroken))
      return 2;
  return 0;
}

std::string RenderDoctor(const std::vector<DoctorLine>& lines, bool color) {
  std::string out;
  for (const auto& l : lines) {
    const char* tag = l.state == State::kOk        ? "OK"
                      : l.state == State::kMissing ? "MISSING"
                      : l.state == State::kBroken  ? "BROKEN"
                                                   : "INFO";
    out += fmt::format("{} {:<16} {}\n",
                       Paint(tag, fmt::format("{:<8}", tag), color), l.what,
                       l.detail);
    if (!l.fix.empty() && l.state != State::kOk)
      out += fmt::format("{:<8} {:<16} fix: {}{}\n", "", "", l.fix,
                         l.needed_for_reference
                             ? " (needed for scenarios/reference.json)"
                             : "");
  }
  out += DoctorExitCode(lines) == 0
             ? "verdict: bootgate run scenarios/reference.json can run here\n"
             : "verdict: bootgate run scenarios/reference.json cannot run here "
               "until the "
               "lines marked 'needed' are fixed\n";
  return out;
}

}  // namespace bootgate
