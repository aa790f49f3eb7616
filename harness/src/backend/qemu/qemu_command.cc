#include "backend/qemu/qemu_command.h"

#include <algorithm>

#include "backend/hardware.h"
#include "backend/user_network.h"

namespace bootgate {
namespace {

// SMBIOS values go into a comma-separated option: QEMU escapes "," as ",,".
std::string EscapeOpt(const std::string& v) {
  std::string out;
  for (char c : v) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

}  // namespace

bool IsHostForwardBindFailure(const std::string& hypervisor_error) {
  return hypervisor_error.find("Could not set up host forwarding rule") !=
         std::string::npos;
}

std::map<std::string, std::string> ProfileFields(const Profile& p) {
  std::map<std::string, std::string> f;
  f["machine"] = p.machine;
  f["firmware"] = p.firmware;
  f["disk_bus"] = p.disk_bus;
  f["cdrom_bus"] = EffectiveCdromBus(p);
  f["nic_model"] = p.nic_model;
  f["cpu_model"] = p.cpu_model.empty() ? "(default)" : p.cpu_model;
  std::string flags;
  for (const auto& fl : p.cpu_flags) flags += (flags.empty() ? "" : ",") + fl;
  f["cpu_flags"] = flags.empty() ? "(none)" : flags;
  for (const auto& [k, v] : p.smbios) f["smbios." + k] = v;
  std::string mo;
  for (const auto& o : p.machine_options) mo += (mo.empty() ? "" : ",") + o;
  if (!mo.empty()) f["machine_options"] = mo;
  std::string dev;
  for (const auto& d : p.extra_devices) dev += (dev.empty() ? "" : " ") + d;
  if (!dev.empty()) f["extra_devices"] = dev;
  return f;
}

QemuCommand BuildQemuCommand(const BootRequest& req, const QemuHost& host) {
  QemuCommand cmd;
  const Profile& p = req.profile;
  auto& a = cmd.argv;
  auto add = [&](std::initializer_list<std::string> items) {
    a.insert(a.end(), items);
  };
  a.push_back(host.qemu_binary);
  add({"-name", req.name + ",debug-threads=on"});
  add({"-nodefaults", "-no-user-config", "-display", "none", "-vga", "none"});
  // The guest's reboot ends the VM: a panic or installer reboot is an event
  // bootgate sees, never a silent second boot.
  a.push_back("-no-reboot");
  // The pidfile puts the workspace path on QEMU's command line, which is how
  // leftover clean-up recognises its own VM behind a recorded pid.
  if (!req.run_dir.empty()) add({"-pidfile", req.run_dir + "/qemu.pid"});

  // Machine, firmware, storage and NIC come from the one hardware plan.
  const VmHardware hw = PlanHardware(req);
  for (const auto& [k, v] : hw.applied) cmd.applied[k] = v;
  std::string machine_opt = hw.machine;
  for (const auto& o : p.machine_options) machine_opt += "," + o;
  add({"-machine", machine_opt});
  if (!p.machine_options.empty()) {
    std::string mo;
    for (const auto& o : p.machine_options) mo += (mo.empty() ? "" : ",") + o;
    cmd.applied["machine_options"] = mo;
  }
  add({"-accel", req.accel == "tcg" ? "tcg,thread=multi" : req.accel});

  // CPU: hv-* enlightenments need KVM; under TCG they are dropped with a
  // warning, never silently.
  std::string cpu = p.cpu_model;
  std::vector<std::string> flags_applied;
  std::vector<std::string> flags_dropped;
  for (const auto& f : p.cpu_flags) {
    bool hv = f.rfind("hv-", 0) == 0 || f.rfind("hv_", 0) == 0;
    if (hv && req.accel != "kvm")
      flags_dropped.push_back(f);
    else
      flags_applied.push_back(f);
  }
  if (cpu == "host" && req.accel != "kvm") {
    cmd.warnings.push_back("cpu model 'host' needs KVM; using 'max' under " +
                           req.accel);
    cpu = "max";
  }
  if (!flags_dropped.empty()) {
    std::string list;
    for (const auto& f : flags_dropped) list += (list.empty() ? "" : ",") + f;
    cmd.warnings.push_back("profile '" + p.name + "' asks for CPU flags " + list +
                           ", which need KVM; not applied under " + req.accel);
  }
  if (cpu.empty() && !flags_applied.empty()) cpu = req.accel == "kvm" ? "host" : "max";
  if (!cpu.empty()) {
    std::string c = cpu;
    for (const auto& f : flags_applied) c += "," + f;
    add({"-cpu", c});
  }
  cmd.applied["cpu_model"] = cpu.empty() ? "(default)" : cpu;
  std::string fa;
  for (const auto& f : flags_applied) fa += (fa.empty() ? "" : ",") + f;
  cmd.applied["cpu_flags"] = fa.empty() ? "(none)" : fa;

  add({"-smp", std::to_string(req.cpus), "-m", std::to_string(req.memory_mib)});

  if (hw.firmware == "uefi") {
    cmd.ovmf_vars_copy = req.run_dir + "/OVMF_VARS.fd";
    add({"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" +
                       EscapeOpt(host.ovmf_code)});
    add({"-drive",
         "if=pflash,format=raw,unit=1,file=" + EscapeOpt(cmd.ovmf_vars_copy)});
  }

  if (!p.smbios.empty()) {
    std::string t1 = "type=1";
    for (const auto& [k, v] : p.smbios) t1 += "," + k + "=" + EscapeOpt(v);
    add({"-smbios", t1});
    for (const auto& [k, v] : p.smbios) cmd.applied["smbios." + k] = v;
  }

  // Storage as planned once for both backends (backend/hardware.h).
  for (const StorageController& c : hw.controllers)
    if (!c.builtin) add({"-device", c.qemu_device + ",id=" + c.id});
  for (const DrivePlacement& pl : hw.drives) {
    const Drive& d = pl.drive;
    std::string drive = "if=none,id=" + pl.id + ",file=" + EscapeOpt(d.path) +
                        ",format=" + d.format;
    if (pl.as_cdrom) drive += ",media=cdrom";
    if (d.readonly || d.cdrom)
      drive += ",readonly=on";  // a CD image is read-only on any bus
    add({"-drive", drive});
    std::string dev = pl.qemu_device;
    if (pl.controller >= 0) {
      const StorageController& c = hw.controllers[pl.controller];
      if (pl.bus == "ide")
        dev += ",bus=" + c.id + "." + std::to_string(pl.bus_index) +
               ",unit=" + std::to_string(pl.unit);
      else if (pl.bus == "sata")
        dev += ",bus=" + c.id + "." + std::to_string(pl.unit);
      else
        dev +=
            ",bus=" + c.id + ".0,scsi-id=" + std::to_string(pl.unit) + ",lun=0";
    } else if (pl.bus == "nvme") {
      dev += ",serial=bootgate" + pl.id.substr(5);
    }
    dev += ",drive=" + pl.id;
    if (pl.boot_index >= 0)
      dev += ",bootindex=" + std::to_string(pl.boot_index);
    add({"-device", dev});
  }

  if (!req.kernel.empty()) {
    add({"-kernel", req.kernel});
    if (!req.initrd.empty()) add({"-initrd", req.initrd});
    if (!req.append.empty()) add({"-append", req.append});
  }

  // Network: user mode, SSH forwarded on loopback only; restricted (the
  // guest reaches no host port and nothing outside) unless asked for nat.
  if (hw.nic) {
    add({"-netdev", UserNetdev("net0", req)});
    add({"-device", hw.nic_model + ",netdev=net0"});
    cmd.applied["network"] = req.network;
  }

  // Serial console on stdio (a pipe bootgate reads); QMP on a socket fd.
  add({"-chardev", "stdio,id=con0,signal=off", "-serial", "chardev:con0"});
  if (host.qmp_fd >= 0) {
    add({"-chardev", "socket,id=qmp0,fd=" + std::to_string(host.qmp_fd),
         "-mon", "chardev=qmp0,mode=control"});
  }
  if (req.debug_port && host.debugcon_fd >= 0) {
    add({"-chardev",
         "file,id=dbg0,path=/dev/fd/" + std::to_string(host.debugcon_fd),
         "-device", "isa-debugcon,iobase=0x402,chardev=dbg0"});
  }
  for (const auto& dev : p.extra_devices) add({"-device", dev});
  if (!p.extra_devices.empty()) {
    std::string dl;
    for (const auto& d : p.extra_devices) dl += (dl.empty() ? "" : " ") + d;
    cmd.applied["extra_devices"] = dl;
  }
  for (const auto& x : req.extra_args) a.push_back(x);
  return cmd;
}

}  // namespace bootgate
