#include "backend/libvirt/domain_xml.h"

#include <set>

#include "backend/hardware.h"
#include "backend/user_network.h"
#include "util/error.h"
#include "util/escape.h"

namespace bootgate {
namespace {

// libvirt's own XML writer uses the named entity for "'".
std::string Esc(const std::string& s) { return XmlEscape(s, Apostrophe::kNamed); }

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// hv-* flag (without the prefix) -> libvirt's <hyperv> element; hv-time is a
// clock timer instead and is handled apart.
const std::set<std::string>& HypervElements() {
  static const std::set<std::string> k = {
      "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
      "reset", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic"};
  return k;
}

}  // namespace

DomainPlan BuildDomain(const BootRequest& req, const LibvirtOptions& opt) {
  DomainPlan plan;
  const Profile& p = req.profile;
  auto& applied = plan.applied;
  std::string x;
  auto line = [&](int indent, const std::string& s) {
    x += std::string(indent * 2, ' ') + s + "\n";
  };
  std::vector<std::string> qemu_args;  // the qemu:commandline namespace

  const bool kvm = req.accel == "kvm";
  std::string type = opt.driver == "test" ? "test" : kvm ? "kvm" : "qemu";
  // Machine, firmware, storage and NIC come from the one hardware plan.
  const VmHardware hw = PlanHardware(req);
  for (const auto& [k, v] : hw.applied) applied[k] = v;
  const std::string& machine = hw.machine;
  const bool q35 = hw.q35;

  // ---- CPU: the same rules as the QEMU backend ----
  std::vector<std::string> hv_elements, other_flags, flags_dropped, flags_applied;
  bool hv_time = false;
  for (const auto& f : p.cpu_flags) {
    bool hv = f.rfind("hv-", 0) == 0 || f.rfind("hv_", 0) == 0;
    if (!hv) {
      other_flags.push_back(f);
      flags_applied.push_back(f);
      continue;
    }
    if (!kvm) {
      flags_dropped.push_back(f);
      continue;
    }
    std::string name = f.substr(3);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "time") {
      hv_time = true;
    } else if (HypervElements().count(name)) {
      std::string el = "<" + name + " state='on'";
      if (name == "spinlocks") {
        unsigned long retries = 8191;
        try {
          if (!value.empty()) retries = std::stoul(value, nullptr, 0);
        } catch (const std::exception&) {
          throw Error(p.file.empty() ? p.name : p.file,
                      "/cpu_flags: '" + f + "' needs a number of retries, e.g. hv-spinlocks=0x1fff");
        }
        el += " retries='" + std::to_string(retries) + "'";
      }
      hv_elements.push_back(el + "/>");
    } else {
      plan.warnings.push_back("CPU flag " + f + " has no libvirt <hyperv> equivalent; not applied");
      continue;
    }
    flags_applied.push_back(f);
  }
  if (!flags_dropped.empty())
    plan.warnings.push_back("profile '" + p.name + "' asks for CPU flags " +
                            Join(flags_dropped, ",") + ", which need KVM; not applied under " +
                            req.accel);
  std::string cpu = p.cpu_model;
  if (cpu == "host" && !kvm) {
    plan.warnings.push_back("cpu model 'host' needs KVM; using 'max' under " + req.accel);
    cpu = "max";
  }
  // Like the qemu backend: flags on an unnamed model go on host (KVM) or max.
  if (cpu.empty() && !flags_applied.empty()) cpu = kvm ? "host" : "max";
  applied["cpu_model"] = cpu.empty() ? "(default)" : cpu;
  applied["cpu_flags"] = flags_applied.empty() ? "(none)" : Join(flags_applied, ",");

  line(0, "<domain type='" + type + "'" +
              (opt.driver == "qemu" ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" : "") +
              ">");
  line(1, "<name>" + Esc(req.name) + "</name>");
  line(1, "<description>bootgate run; destroyed when the run ends</description>");
  line(1, "<memory unit='MiB'>" + std::to_string(req.memory_mib) + "</memory>");
  line(1, "<vcpu>" + std::to_string(req.cpus) + "</vcpu>");

  // ---- firmware, direct kernel boot, SMBIOS ----
  line(1, "<os>");
  line(2, "<type arch='x86_64' machine='" + Esc(machine) + "'>hvm</type>");
  if (hw.firmware == "uefi") {
    plan.nvram_path = opt.nvram_path.empty() ? req.run_dir + "/OVMF_VARS.fd" : opt.nvram_path;
    line(2, "<loader readonly='yes' type='pflash'>" + Esc(opt.ovmf_code) + "</loader>");
    line(2, "<nvram template='" + Esc(opt.ovmf_vars_template) + "'>" +
                Esc(plan.nvram_path) + "</nvram>");
  }
  if (!req.kernel.empty()) {
    line(2, "<kernel>" + Esc(req.kernel) + "</kernel>");
    if (!req.initrd.empty()) line(2, "<initrd>" + Esc(req.initrd) + "</initrd>");
    if (!req.append.empty()) line(2, "<cmdline>" + Esc(req.append) + "</cmdline>");
  }
  if (!p.smbios.empty()) line(2, "<smbios mode='sysinfo'/>");
  line(1, "</os>");
  if (!p.smbios.empty()) {
    static const std::set<std::string> kSystemEntries = {
        "manufacturer", "product", "version", "serial", "uuid", "sku", "family"};
    line(1, "<sysinfo type='smbios'>");
    line(2, "<system>");
    for (const auto& [k, v] : p.smbios) {
      if (!kSystemEntries.count(k)) {
        plan.warnings.push_back("SMBIOS field '" + k + "' has no libvirt <sysinfo> system entry; not applied");
        continue;
      }
      line(3, "<entry name='" + Esc(k) + "'>" + Esc(v) + "</entry>");
      applied["smbios." + k] = v;
    }
    line(2, "</system>");
    line(1, "</sysinfo>");
  }

  // ---- features: ACPI, vmport, Hyper-V enlightenments ----
  line(1, "<features>");
  line(2, "<acpi/>");
  line(2, "<apic/>");
  std::vector<std::string> machine_opts_applied;
  for (const auto& o : p.machine_options) {
    if (o == "vmport=on" || o == "vmport=off") {
      line(2, "<vmport state='" + o.substr(7) + "'/>");
    } else {
      // QEMU merges repeated -machine options into libvirt's own.
      qemu_args.insert(qemu_args.end(), {"-machine", o});
    }
    machine_opts_applied.push_back(o);
  }
  if (!machine_opts_applied.empty()) applied["machine_options"] = Join(machine_opts_applied, ",");
  if (!hv_elements.empty()) {
    line(2, "<hyperv mode='custom'>");
    for (const auto& e : hv_elements) line(3, e);
    line(2, "</hyperv>");
  }
  line(1, "</features>");

  if (cpu == "host") {
    line(1, "<cpu mode='host-passthrough'>");
  } else if (cpu == "max") {
    line(1, "<cpu mode='maximum'>");
  } else if (!cpu.empty()) {
    line(1, "<cpu mode='custom' match='exact'>");
    line(2, "<model fallback='forbid'>" + Esc(cpu) + "</model>");
  }
  if (!cpu.empty()) {
    for (const auto& f : other_flags) {
      bool off = f[0] == '-' || f.find("=off") != std::string::npos;
      std::string name = f[0] == '-' || f[0] == '+' ? f.substr(1) : f;
      if (auto eq = name.find('='); eq != std::string::npos) name = name.substr(0, eq);
      line(2, "<feature policy='" + std::string(off ? "disable" : "require") + "' name='" +
                  Esc(name) + "'/>");
    }
    line(1, "</cpu>");
  }
  if (hv_time) {
    line(1, "<clock offset='utc'>");
    line(2, "<timer name='hypervclock' present='yes'/>");
    line(1, "</clock>");
  } else {
    line(1, "<clock offset='utc'/>");
  }
  // A guest reboot or crash ends the domain, like QEMU's -no-reboot: bootgate
  // sees the event instead of a silent second boot.
  line(1, "<on_poweroff>destroy</on_poweroff>");
  line(1, "<on_reboot>destroy</on_reboot>");
  line(1, "<on_crash>destroy</on_crash>");
  if (!opt.dac_label.empty()) {
    line(1, "<seclabel type='static' model='dac' relabel='no'>");
    line(2, "<label>" + Esc(opt.dac_label) + "</label>");
    line(1, "</seclabel>");
  }

  // ---- devices ----
  line(1, "<devices>");
  // Storage as planned once for both backends (backend/hardware.h).
  if (p.disk_bus == "nvme")
    throw Error(req.name, "profile '" + p.name +
                              "' asks for disk_bus nvme, which libvirt 9.0 has no disk bus for; "
                              "use the qemu backend for this profile");
  for (const DrivePlacement& pl : hw.drives) {
    const Drive& d = pl.drive;
    line(2, std::string("<disk type='file' device='") +
                (pl.as_cdrom ? "cdrom" : "disk") + "'>");
    line(3, "<driver name='qemu' type='" + Esc(d.format) + "'/>");
    line(3, "<source file='" + Esc(d.path) + "'/>");
    line(3, "<target dev='" + pl.target_dev + "' bus='" + pl.bus + "'/>");
    if (d.readonly || d.cdrom)
      line(3, "<readonly/>");  // a CD image is read-only on any bus
    if (pl.boot_index >= 0)
      line(3, "<boot order='" + std::to_string(pl.boot_index + 1) + "'/>");
    if (pl.controller >= 0) {
      // IDE: channel and master/slave; SATA: the port is the unit; SCSI: one
      // target per drive, LUN 0 (pvscsi accepts LUN 0 only).
      const StorageController& c = hw.controllers[pl.controller];
      bool scsi = pl.bus == "scsi";
      line(3, "<address type='drive' controller='" +
                  std::to_string(c.libvirt_index) + "' bus='" +
                  std::to_string(pl.bus_index) + "' target='" +
                  std::to_string(scsi ? pl.unit : 0) + "' unit='" +
                  std::to_string(scsi ? 0 : pl.unit) + "'/>");
    }
    line(2, "</disk>");
  }
  // The chipset's own controllers (pc's IDE, q35's SATA) libvirt adds by
  // itself; the others are written out.
  for (const StorageController& c : hw.controllers) {
    if (c.builtin) continue;
    line(2, "<controller type='" + c.libvirt_type + "' index='" +
                std::to_string(c.libvirt_index) + "'" +
                (c.libvirt_model.empty() ? ""
                                         : " model='" + c.libvirt_model + "'") +
                "/>");
  }
  line(2, "<controller type='usb' model='none'/>");
  if (opt.console == "pty") {
    // A pty on the hypervisor host, read through the libvirt connection
    // (virDomainOpenConsole): nothing listens anywhere, local or remote.
    line(2, "<serial type='pty'>");
    line(3, "<target port='0'/>");
    line(2, "</serial>");
    line(2, "<console type='pty'>");
    line(3, "<target type='serial' port='0'/>");
    line(2, "</console>");
  } else {
    line(2, "<serial type='unix'>");
    line(3, "<source mode='bind' path='" + Esc(opt.console_path) + "'/>");
    line(3, "<target port='0'/>");
    line(2, "</serial>");
  }
  line(2, "<memballoon model='none'/>");
  line(1, "</devices>");

  // Network: libvirt 9.0 rejects passt's <portForward>, and its user-mode
  // <interface> cannot forward ports, so SSH's forward goes through the qemu
  // namespace. On q35 the NIC gets an explicit slot on the root bus so it
  // does not collide with the root ports libvirt adds.
  if (hw.nic) {
    qemu_args.insert(qemu_args.end(),
                     {"-netdev", UserNetdev("n0", req),
                      "-device", hw.nic_model + ",netdev=n0,bus=" + (q35 ? "pcie.0" : "pci.0") +
                                     ",addr=0x10"});
    applied["network"] = req.network;
  }
  for (const auto& d : p.extra_devices) qemu_args.insert(qemu_args.end(), {"-device", d});
  if (!p.extra_devices.empty()) applied["extra_devices"] = Join(p.extra_devices, " ");
  for (const auto& a : req.extra_args) qemu_args.push_back(a);
  if (req.debug_port)
    plan.warnings.push_back("boot.marker debug-port is not supported by the libvirt backend; "
                            "no debug-port marks are recorded");
  if (!qemu_args.empty()) {
    if (opt.driver != "qemu") {
      plan.warnings.push_back("QEMU arguments (" + Join(qemu_args, " ") +
                              ") need the QEMU driver; not applied under the " + opt.driver +
                              " driver");
    } else {
      line(1, "<qemu:commandline>");
      for (const auto& a : qemu_args) line(2, "<qemu:arg value='" + Esc(a) + "'/>");
      line(1, "</qemu:commandline>");
      plan.warnings.push_back(
          "libvirt marks this domain \"tainted: custom-argv\": network, machine options or extra "
          "devices are passed as raw QEMU arguments (<qemu:commandline>)");
    }
  }
  line(0, "</domain>");
  plan.xml = std::move(x);
  return plan;
}

std::string BuildDomainXml(const BootRequest& request, const LibvirtOptions& options) {
  return BuildDomain(request, options).xml;
}

namespace {

// The userinfo of a URI's authority: [start, at) with `at` the '@'; false
// when the URI has none.
bool FindUserinfo(const std::string& uri, size_t* start, size_t* at) {
  auto scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return false;
  *start = scheme_end + 3;
  size_t auth_end = uri.find_first_of("/?#", *start);
  if (auth_end == std::string::npos) auth_end = uri.size();
  *at = uri.rfind('@', auth_end);
  return *at != std::string::npos && *at >= *start;
}

}  // namespace

std::string StripUriCredentials(const std::string& uri) {
  size_t start, at;
  if (!FindUserinfo(uri, &start, &at)) return uri;
  return uri.substr(0, start) + uri.substr(at + 1);
}

std::string StripUriPassword(const std::string& uri) {
  size_t start, at;
  if (!FindUserinfo(uri, &start, &at)) return uri;
  size_t colon = uri.find(':', start);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon) + uri.substr(at);
}

std::string UriHost(const std::string& uri) { return ParseUri(uri).host; }

std::string FormatLibvirtVersion(unsigned long v) {
  return std::to_string(v / 1000000) + "." + std::to_string((v / 1000) % 1000) + "." +
         std::to_string(v % 1000);
}

}  // namespace bootgate

namespace bootgate {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// POSIX sh single quotes: 'it'\''s'.
std::string ShQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

UriParts ParseUri(const std::string& uri) {
  UriParts parts;
  auto scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return parts;
  std::string scheme = uri.substr(0, scheme_end);
  if (auto plus = scheme.find('+'); plus != std::string::npos) parts.transport = scheme.substr(plus + 1);
  size_t auth_start = scheme_end + 3;
  size_t auth_end = uri.find_first_of("/?#", auth_start);
  std::string auth = uri.substr(auth_start, auth_end == std::string::npos ? std::string::npos
                                                                          : auth_end - auth_start);
  if (auto at = auth.rfind('@'); at != std::string::npos) {
    std::string userinfo = auth.substr(0, at);
    parts.user = PercentDecode(userinfo.substr(0, userinfo.find(':')));
    auth = auth.substr(at + 1);
  }
  std::string port;
  if (!auth.empty() && auth[0] == '[') {
    auto close = auth.find(']');
    parts.host = auth.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < auth.size() && auth[close + 1] == ':')
      port = auth.substr(close + 2);
  } else if (auto colon = auth.find(':'); colon != std::string::npos) {
    parts.host = auth.substr(0, colon);
    port = auth.substr(colon + 1);
  } else {
    parts.host = auth;
  }
  if (!port.empty() && port.size() <= 5 &&
      port.find_first_not_of("0123456789") == std::string::npos)
    parts.port = std::stoi(port);
  if (auto q = uri.find('?'); q != std::string::npos) {
    std::string query = uri.substr(q + 1, uri.find('#', q) == std::string::npos
                                              ? std::string::npos
                                              : uri.find('#', q) - q - 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find_first_of("&;", pos);
      std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      if (!kv.empty()) {
        auto eq = kv.find('=');
        parts.params[PercentDecode(kv.substr(0, eq))] =
            eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1));
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  return parts;
}

std::string SshTunnelCommand(const std::string& uri, const std::string& target_host,
                             int target_port) {
  UriParts p = ParseUri(uri);
  if (p.host.empty() || (p.transport != "ssh" && p.transport != "libssh" &&
                         p.transport != "libssh2"))
    return "";
  auto param = [&](const std::string& k) {
    auto it = p.params.find(k);
    return it == p.params.end() ? std::string() : it->second;
  };
  std::string ssh = p.transport == "ssh" && !param("command").empty() ? param("command") : "ssh";
  std::vector<std::string> argv = {ssh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=15",
                                   "-o", "ServerAliveInterval=5", "-o", "ClearAllForwardings=yes"};
  if (p.port > 0) argv.insert(argv.end(), {"-p", std::to_string(p.port)});
  if (!p.user.empty()) argv.insert(argv.end(), {"-l", p.user});
  if (!param("keyfile").empty()) argv.insert(argv.end(), {"-i", param("keyfile")});
  if (!param("known_hosts").empty())
    argv.insert(argv.end(), {"-o", "UserKnownHostsFile=" + param("known_hosts")});
  std::string no_verify = param("no_verify");
  if (!no_verify.empty() && no_verify != "0")
    argv.insert(argv.end(), {"-o", "StrictHostKeyChecking=no"});
  // -W: stdin/stdout become a direct-tcpip channel to the target as seen
  // from the hypervisor host; no port is opened on either side.
  argv.insert(argv.end(), {"-W", (target_host.find(':') != std::string::npos
                                      ? "[" + target_host + "]"
                                      : target_host) +
                                     ":" + std::to_string(target_port),
                           // "--": a host beginning with '-' is a host, never an option.
                           "--", p.host});
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + ShQuote(a);
  return cmd;
}

}  // namespace bootgate
