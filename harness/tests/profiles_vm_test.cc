// The three hypervisor profiles end to end with the QEMU backend, in ONE
// bootgate invocation (--profile qemu-kvm,hyperv,vmware --jobs 2): each boots
// the reference image to login, SSH works, the guest sees the profile's SMBIOS
// vendor, the report says what was asked for and what was applied, and the
// hv-* flags KVM would need are a warning under TCG, never silently dropped.
#include <gtest/gtest.h>

#include <set>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {

class ProfilesVmTest : public VmTest {};

const nlohmann::json* CheckNamed(const nlohmann::json& run, const std::string& prefix) {
  for (const auto& c : run["checks"])
    if (std::string(c["name"]).rfind(prefix, 0) == 0) return &c;
  return nullptr;
}

TEST_F(ProfilesVmTest, EveryProfileBootsWithItsIdentityAndHonestReport) {
  RunOptions o;
  o.args = {"run", SourceDir() + "/scenarios/reference-matrix.json", "--profile",
            "qemu-kvm,hyperv,vmware", "--jobs", "2", "--no-html", "--history", ""};
  o.env["BOOTGATE_STATE_DIR"] = state_dir_;
  o.timeout_s = 600;
  auto r = RunBootgate(o);
  ASSERT_TRUE(r.report.is_object()) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  ASSERT_EQ(r.report["runs"].size(), 3u) << r.report.dump(1);

  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"qemu-kvm", {"QEMU", "virtio"}},
      {"hyperv", {"Microsoft Corporation", "virtio-scsi"}},
      {"vmware", {"VMware, Inc.", "pvscsi"}}};
  std::set<std::string> seen;
  for (const auto& run : r.report["runs"]) {
    std::string profile = run["profile"];
    SCOPED_TRACE(profile);
    seen.insert(profile);
    ASSERT_TRUE(want.count(profile));
    EXPECT_EQ(run["verdict"], "pass") << run["reason"];
    EXPECT_EQ(run["backend"], "qemu");
    EXPECT_GT(double(run["metrics"]["boot_s"]), 1.0);
    // SSH reached the guest and the checks ran through it.
    EXPECT_EQ(run["access_channel"], "ssh");
    EXPECT_TRUE(run["metrics"].contains("ssh_ready_s"));
    const auto* vendor = CheckNamed(run, "SMBIOS vendor");
    ASSERT_NE(vendor, nullptr);
    EXPECT_EQ((*vendor)["verdict"], "pass") << (*vendor)["reason"];
    EXPECT_NE(std::string((*vendor)["output_excerpt"]).find(want.at(profile).first),
              std::string::npos) << (*vendor)["output_excerpt"];
    // Requested vs applied, both in the report.
    EXPECT_EQ(run["profile_requested"]["smbios.manufacturer"], want.at(profile).first);
    EXPECT_EQ(run["profile_applied"]["smbios.manufacturer"], want.at(profile).first);
    EXPECT_EQ(run["profile_applied"]["disk_bus"], want.at(profile).second);

    bool hv_warning = false;
    for (const auto& w : run["warnings"])
      hv_warning |= std::string(w).find("hv-relaxed") != std::string::npos;
    if (profile == "hyperv" && run["accelerator"] == "tcg") {
      EXPECT_TRUE(hv_warning) << run["warnings"].dump();
      EXPECT_NE(std::string(run["profile_requested"]["cpu_flags"]).find("hv-relaxed"), std::string::npos);
      EXPECT_EQ(run["profile_applied"]["cpu_flags"], "(none)");
      EXPECT_EQ(run["profile_applied"]["firmware"], "uefi");
    } else {
      EXPECT_FALSE(hv_warning) << run["warnings"].dump();
    }
  }
  EXPECT_EQ(seen.size(), 3u);
}

}  // namespace
}  // namespace bootgate::testing
