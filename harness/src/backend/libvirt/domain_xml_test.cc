#include "backend/libvirt/domain_xml.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

std::string SourceDir() {
  const char* s = getenv("BOOTGATE_SOURCE_DIR");
  return s ? s : ".";
}

Profile LoadProfile(const std::string& name) {
  auto all = LoadProfiles(SourceDir() + "/scenarios/profiles");
  auto it = all.find(name);
  if (it == all.end()) throw Error(name, "no such profile in scenarios/profiles");
  return it->second;
}

BootRequest Request(Profile p, std::string accel) {
  BootRequest r;
  r.name = "bootgate-t";
  r.run_dir = "/run/bg";
  r.profile = std::move(p);
  r.accel = std::move(accel);
  r.drives = {{"/img/ref.iso", "raw", true, true, 0, "system"},
              {"/run/bg/seed.iso", "raw", false, true, -1, "seed"}};
  r.ssh_host_port = 40022;
  return r;
}

LibvirtOptions LocalOptions() {
  LibvirtOptions o;
  o.console_path = "/run/bg/console.sock";
  o.dac_label = "+0:+0";
  return o;
}

// Compares with testdata/<name>.xml; BOOTGATE_UPDATE_GOLDENS=1 rewrites it.
void ExpectGolden(const std::string& name, const std::string& xml) {
  std::string path = SourceDir() + "/harness/src/backend/libvirt/testdata/" + name + ".xml";
  if (const char* u = getenv("BOOTGATE_UPDATE_GOLDENS");
      u && std::string(u) == "1")
    return WriteFileAtomic(path, xml);
  EXPECT_EQ(xml, ReadFile(path)) << "golden " << path
                                 << " differs; rerun with BOOTGATE_UPDATE_GOLDENS=1 if intended";
}

TEST(DomainXmlTest, QemuKvmProfileGolden) {
  DomainPlan plan = BuildDomain(Request(LoadProfile("qemu-kvm"), "tcg"), LocalOptions());
  ExpectGolden("qemu-kvm", plan.xml);
  EXPECT_EQ(plan.applied["disk_bus"], "virtio");
  EXPECT_EQ(plan.applied["firmware"], "bios");
  EXPECT_EQ(plan.applied["smbios.manufacturer"], "QEMU");
  EXPECT_EQ(plan.nvram_path, "");
  // Only the taint of the network's qemu:commandline.
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("tainted: custom-argv"), std::string::npos);
}

TEST(DomainXmlTest, HypervProfileGoldenUnderTcgDropsEnlightenmentsWithAWarning) {
  DomainPlan plan = BuildDomain(Request(LoadProfile("hyperv"), "tcg"), LocalOptions());
  ExpectGolden("hyperv", plan.xml);
  EXPECT_EQ(plan.xml.find("<hyperv"), std::string::npos);
  EXPECT_EQ(plan.applied["cpu_flags"], "(none)");
  EXPECT_EQ(plan.applied["firmware"], "uefi");
  EXPECT_EQ(plan.nvram_path, "/run/bg/OVMF_VARS.fd");
  bool warned = false;
  for (const auto& w : plan.warnings)
    if (w.find("hv-relaxed") != std::string::npos && w.find("need KVM") != std::string::npos)
      warned = true;
  EXPECT_TRUE(warned);
}

TEST(DomainXmlTest, HypervProfileUnderKvmGetsEnlightenments) {
  DomainPlan plan = BuildDomain(Request(LoadProfile("hyperv"), "kvm"), LocalOptions());
  EXPECT_NE(plan.xml.find("<domain type='kvm'"), std::string::npos);
  EXPECT_NE(plan.xml.find("<relaxed state='on'/>"), std::string::npos);
  EXPECT_NE(plan.xml.find("<spinlocks state='on' retries='8191'/>"), std::string::npos);
  EXPECT_NE(plan.xml.find("<timer name='hypervclock' present='yes'/>"), std::string::npos);
  EXPECT_EQ(plan.applied["cpu_flags"].find("hv-relaxed"), 0u);
  EXPECT_EQ(plan.applied["cpu_model"], "host");
  EXPECT_NE(plan.xml.find("<cpu mode='host-passthrough'>"), std::string::npos);
  for (const auto& w : plan.warnings) EXPECT_EQ(w.find("need KVM"), std::string::npos) << w;
}

TEST(DomainXmlTest, VmwareProfileGolden) {
  DomainPlan plan = BuildDomain(Request(LoadProfile("vmware"), "tcg"), LocalOptions());
  ExpectGolden("vmware", plan.xml);
  // machine pc: IDE CD-ROM, NIC on pci.0, vmport as a feature.
  EXPECT_NE(plan.xml.find("bus='ide'"), std::string::npos);
  EXPECT_NE(plan.xml.find("vmxnet3,netdev=n0,bus=pci.0,addr=0x10"), std::string::npos);
  EXPECT_NE(plan.xml.find("<vmport state='on'/>"), std::string::npos);
  EXPECT_NE(plan.xml.find("<entry name='manufacturer'>VMware, Inc.</entry>"), std::string::npos);
  EXPECT_EQ(plan.applied["machine_options"], "vmport=on");
}

TEST(DomainXmlTest, VmwareEfiPutsEachScsiDiskOnLunZero) {
  // q35: the CD-ROM is sda on SATA, so the seed is sdb, which libvirt would
  // put on unit (LUN) 1; pvscsi rejects every LUN but 0.
  DomainPlan plan = BuildDomain(Request(LoadProfile("vmware-efi"), "tcg"), LocalOptions());
  EXPECT_NE(plan.xml.find("<target dev='sdb' bus='scsi'/>\n      <readonly/>\n"
                          "      <address type='drive' controller='0' bus='0' target='0' unit='0'/>"),
            std::string::npos) << plan.xml;
  EXPECT_NE(plan.xml.find("<controller type='scsi' index='0' model='vmpvscsi'/>"), std::string::npos);
  EXPECT_NE(plan.xml.find("vmxnet3,netdev=n0,bus=pcie.0,addr=0x10"), std::string::npos);
}

TEST(DomainXmlTest, PtyConsoleOpensNoPortOrSocket) {
  // The QEMU driver's console, local or remote, is a pty read through
  // libvirt's console stream: nothing binds a TCP port or a socket.
  LibvirtOptions o;
  o.nvram_path = "/var/lib/libvirt/images/bootgate-x/OVMF_VARS.fd";
  std::string xml = BuildDomainXml(Request(LoadProfile("qemu-kvm"), "tcg"), o);
  EXPECT_NE(xml.find("<serial type='pty'>\n      <target port='0'/>\n    </serial>\n"
                     "    <console type='pty'>\n      <target type='serial' port='0'/>"),
            std::string::npos) << xml;
  EXPECT_EQ(xml.find("type='tcp'"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<source mode='bind'"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<seclabel"), std::string::npos);
  std::string efi = BuildDomainXml(Request(LoadProfile("vmware-efi"), "tcg"), o);
  EXPECT_NE(efi.find(">/var/lib/libvirt/images/bootgate-x/OVMF_VARS.fd</nvram>"),
            std::string::npos) << efi;
}

TEST(DomainXmlTest, TextIsEscapedAndUnknownSmbiosFieldsWarn) {
  Profile p;
  p.name = "odd";
  p.smbios = {{"manufacturer", "A&B <Corp>"}, {"chassis", "x"}};
  BootRequest r = Request(p, "tcg");
  r.kernel = "/k";
  r.append = "console=ttyS0 x='1'";
  DomainPlan plan = BuildDomain(r, LocalOptions());
  EXPECT_NE(plan.xml.find("<entry name='manufacturer'>A&amp;B &lt;Corp&gt;</entry>"), std::string::npos);
  EXPECT_NE(plan.xml.find("<cmdline>console=ttyS0 x=&apos;1&apos;</cmdline>"), std::string::npos);
  bool warned = false;
  for (const auto& w : plan.warnings) warned |= w.find("'chassis'") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_EQ(plan.applied.count("smbios.chassis"), 0u);
}

TEST(DomainXmlTest, NvmeIsRefusedNotFaked) {
  Profile p;
  p.name = "nv";
  p.disk_bus = "nvme";
  EXPECT_THROW(BuildDomain(Request(p, "tcg"), LocalOptions()), Error);
}

TEST(DomainXmlTest, TestDriverGetsNoQemuNamespace) {
  LibvirtOptions o = LocalOptions();
  o.driver = "test";
  DomainPlan plan = BuildDomain(Request(LoadProfile("qemu-kvm"), "tcg"), o);
  EXPECT_NE(plan.xml.find("<domain type='test'>"), std::string::npos);
  EXPECT_EQ(plan.xml.find("qemu:"), std::string::npos);
  EXPECT_EQ(plan.applied["nic_model"], "virtio-net-pci");
}

TEST(UriTest, CredentialsAreStripped) {
  EXPECT_EQ(StripUriCredentials("qemu:///system"), "qemu:///system");
  EXPECT_EQ(StripUriCredentials("qemu+ssh://bob:s3cret@host:22/system?keyfile=/k"),
            "qemu+ssh://host:22/system?keyfile=/k");
  EXPECT_EQ(StripUriCredentials("esx://root@esx1.example/?no_verify=1"),
            "esx://esx1.example/?no_verify=1");
  EXPECT_EQ(StripUriCredentials("test:///default"), "test:///default");
  EXPECT_EQ(StripUriPassword("qemu+ssh://bob:s3cret@host:22/system?keyfile=/k"),
            "qemu+ssh://bob@host:22/system?keyfile=/k");
  EXPECT_EQ(StripUriPassword("qemu+ssh://bob@host/system"), "qemu+ssh://bob@host/system");
  EXPECT_EQ(StripUriPassword("qemu:///system"), "qemu:///system");
}

TEST(UriTest, HostOfAUri) {
  EXPECT_EQ(UriHost("qemu:///system"), "");
  EXPECT_EQ(UriHost("qemu+ssh://bob@host.example:2222/system"), "host.example");
  EXPECT_EQ(UriHost("qemu+tcp://[fd00::1]:16509/system"), "fd00::1");
}

TEST(UriTest, SshPartsOfAUri) {
  UriParts p = ParseUri(
      "qemu+ssh://bob:pw@10.0.0.1:2222/system?keyfile=/k%20ey&no_verify=1&command=/opt/ssh");
  EXPECT_EQ(p.transport, "ssh");
  EXPECT_EQ(p.user, "bob");
  EXPECT_EQ(p.host, "10.0.0.1");
  EXPECT_EQ(p.port, 2222);
  EXPECT_EQ(p.params["keyfile"], "/k ey");
  EXPECT_EQ(p.params["no_verify"], "1");
  EXPECT_EQ(p.params["command"], "/opt/ssh");
  UriParts v6 = ParseUri("qemu+libssh://[fd00::1]:22/system");
  EXPECT_EQ(v6.transport, "libssh");
  EXPECT_EQ(v6.host, "fd00::1");
  EXPECT_EQ(v6.port, 22);
  EXPECT_EQ(ParseUri("qemu:///system").transport, "");
}

TEST(UriTest, TunnelCommandUsesTheTransportsSshAndKey) {
  EXPECT_EQ(SshTunnelCommand("qemu+ssh://root@h.example:2222/system?keyfile=/r/k&"
                             "command=/t/ssh-wrap&no_verify=1",
                             "127.0.0.1", 40022),
            "'/t/ssh-wrap' '-o' 'BatchMode=yes' '-o' 'ConnectTimeout=15' '-o' "
            "'ServerAliveInterval=5' '-o' 'ClearAllForwardings=yes' '-p' '2222' '-l' 'root' "
            "'-i' '/r/k' '-o' 'StrictHostKeyChecking=no' '-W' '127.0.0.1:40022' 'h.example'");
  // A quote in a parameter stays inside its argument.
  EXPECT_NE(SshTunnelCommand("qemu+ssh://h/system?keyfile=/a'b", "127.0.0.1", 1)
                .find("'-i' '/a'\\''b'"),
            std::string::npos);
  EXPECT_EQ(SshTunnelCommand("qemu:///system", "127.0.0.1", 1), "");
  EXPECT_EQ(SshTunnelCommand("qemu+tcp://h/system", "127.0.0.1", 1), "");
}

TEST(UriTest, VersionFormatting) {
  EXPECT_EQ(FormatLibvirtVersion(7002022), "7.2.22");
  EXPECT_EQ(FormatLibvirtVersion(9000000), "9.0.0");
}

}  // namespace
}  // namespace bootgate
