// Which installer an ISO carries and what that version needs: the listing
// parser on xorriso's real output, the per-version traits, the install plan,
// and the shipped Photon template's postinstall run by a real shell.
#include "runner/installer_id.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "runner/install.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {
namespace {

// xorriso 1.5.4: `xorriso -indev photon.iso -find / -type f -name
// 'photon-os-installer-*.rpm'` (stdout; its banner goes to stderr).
constexpr char kListing23[] =
    "'/RPMS/x86_64/photon-os-installer-2.3-1.ph5.x86_64.rpm'\n";

TEST(InstallerIdTest, ReadsTheVersionFromTheRpmName) {
  std::vector<std::string> warnings;
  auto v = ParsePhotonInstallerListing(kListing23, &warnings);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->text, "2.3");
  EXPECT_EQ(v->parts, (std::vector<int>{2, 3}));
  EXPECT_EQ(v->rpm, "/RPMS/x86_64/photon-os-installer-2.3-1.ph5.x86_64.rpm");
  EXPECT_TRUE(warnings.empty());
  EXPECT_FALSE(ParsePhotonInstallerListing("", &warnings));
  // Not an installer RPM, or a name without a numeric version.
  EXPECT_FALSE(ParsePhotonInstallerListing(
      "'/RPMS/x86_64/bash-5.2-1.ph5.x86_64.rpm'\n"
      "'/RPMS/noarch/photon-os-installer-foo-1.rpm'\n",
      &warnings));
}

TEST(InstallerIdTest, SeveralVersionsTakeTheHighestAndSaySo) {
  std::vector<std::string> warnings;
  auto v = ParsePhotonInstallerListing(
      "'/RPMS/x86_64/photon-os-installer-2.10-1.ph5.x86_64.rpm'\r\n"
      "'/RPMS/x86_64/photon-os-installer-2.9-2.ph5.x86_64.rpm'\n",
      &warnings);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->text, "2.10");  // numeric, not string, order
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("2.9, 2.10"), std::string::npos) << warnings[0];
}

TEST(InstallerIdTest, TraitsFollowEachVersionsSource) {
  auto traits = [](std::vector<int> parts) {
    return PhotonInstallerTraits({parts, "", ""});
  };
  EXPECT_EQ(traits({2, 3}).format, "photon-2.3");
  EXPECT_EQ(traits({2, 3}).end_marker, "");
  EXPECT_EQ(traits({2, 6}).end_marker, "");
  EXPECT_EQ(traits({2, 7}).format, "photon-2.7");
  EXPECT_EQ(traits({2, 7}).end_marker, "creating image was successful");
  EXPECT_EQ(traits({2, 8}).format, "photon-2.8");
  EXPECT_EQ(traits({2, 10, 1}).format, "photon-2.8");
  EXPECT_EQ(traits({3, 0}).format, "photon-2.8");
  EXPECT_EQ(traits({2, 3}).failure_shell_regex, R"(root \[ /installer \]# )");
}

InstallSpec PhotonSpec() {
  InstallSpec s;
  s.enabled = true;
  s.media.iso = "/isos/photon.iso";
  s.config_template = "/t/photon-ks.json";
  s.config_format = "auto";
  s.complete = "auto";
  return s;
}

InstallerVersion Version(std::vector<int> parts, std::string text) {
  return {parts, text,
          "/RPMS/x86_64/photon-os-installer-" + text + "-1.ph5.x86_64.rpm"};
}

TEST(InstallPlanTest,
     AutoIsResetForEveryVersionWithTheMarkerOnlyWhereItIsPrinted) {
  InstallPlan p23 = PlanInstall(PhotonSpec(), Version({2, 3}, "2.3"));
  EXPECT_EQ(p23.format, "photon-2.3");
  EXPECT_EQ(p23.complete, "reset");
  EXPECT_EQ(p23.marker, "");
  EXPECT_EQ(p23.completion_rule, "guest reset");
  EXPECT_NE(p23.installer.find("photon-os-installer 2.3"), std::string::npos);
  ASSERT_FALSE(p23.fail_patterns.empty());
  EXPECT_EQ(p23.fail_patterns.back().name, "installer-shell");

  InstallPlan p27 = PlanInstall(PhotonSpec(), Version({2, 7}, "2.7"));
  EXPECT_EQ(p27.format, "photon-2.7");
  EXPECT_EQ(p27.complete, "reset");
  EXPECT_EQ(p27.marker, "creating image was successful");
  EXPECT_EQ(p27.completion_rule,
            "guest reset, cross-checked by /creating image was successful/");

  EXPECT_EQ(PlanInstall(PhotonSpec(), Version({2, 8}, "2.8")).format,
            "photon-2.8");
}

TEST(InstallPlanTest, AScenarioMayForceTheFormatAndCompletion) {
  InstallSpec s = PhotonSpec();
  s.config_format = "photon-2.7";
  s.complete = "pattern";
  s.complete_pattern = "done";
  InstallPlan p = PlanInstall(s, Version({2, 3}, "2.3"));
  EXPECT_EQ(p.format, "photon-2.7");
  EXPECT_EQ(p.complete, "pattern");
  EXPECT_EQ(p.marker, "done");
  // A scenario's own installer-shell pattern is not doubled.
  s.fail_patterns = {{"installer-shell", "mine"}};
  p = PlanInstall(s, Version({2, 3}, "2.3"));
  ASSERT_EQ(p.fail_patterns.size(), 1u);
  EXPECT_EQ(p.fail_patterns[0].regex, "mine");
}

TEST(InstallPlanTest, AutoWithoutAnInstallerRpmIsAClearError) {
  try {
    PlanInstall(PhotonSpec(), std::nullopt);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("/isos/photon.iso"), std::string::npos) << what;
    EXPECT_NE(what.find("install.config.format"), std::string::npos) << what;
    EXPECT_NE(what.find("photon-os-installer-<version>"), std::string::npos)
        << what;
  }
  InstallSpec s = PhotonSpec();
  s.config_format = "photon-2.7";
  EXPECT_THROW(PlanInstall(s, std::nullopt), Error);  // complete is still auto
  s.complete = "reset";
  EXPECT_EQ(PlanInstall(s, std::nullopt).completion_rule, "guest reset");
}

std::string ShippedTemplate() {
  return ReadFile(std::string(BOOTGATE_SOURCE_DIR) +
                  "/scenarios/templates/photon-ks.json");
}

std::map<std::string, std::string> Vars() {
  return {{"hostname", "photon-bootgate"},
          {"password", "pw\"1"},
          {"disk", "/dev/vda"},
          {"linux_flavor", "linux"},
          {"bootmode", "bios"}};
}

TEST(PhotonTemplateTest, PublicKeyHasTheShapeEachVersionAccepts) {
  const std::string key = "ssh-ed25519 AAAAC3Nza run";
  for (std::string fmt : {"photon-2.3", "photon-2.7"}) {
    auto j = nlohmann::json::parse(
        RenderInstallConfig(ShippedTemplate(), fmt, Vars(), key, "t"));
    EXPECT_EQ(j["public_key"], key) << fmt;
    EXPECT_EQ(j["password"]["text"], "pw\"1");
  }
  auto j = nlohmann::json::parse(
      RenderInstallConfig(ShippedTemplate(), "photon-2.8", Vars(), key, "t"));
  ASSERT_TRUE(j["public_key"].is_object());
  EXPECT_EQ(j["public_key"]["key"], key);
  // 2.8's m_updatesshconfig asserts a reason.
  EXPECT_FALSE(j["public_key"]["reason"].get<std::string>().empty());
  auto vars = Vars();
  vars["public_key_reason"] = "release gate";
  j = nlohmann::json::parse(
      RenderInstallConfig(ShippedTemplate(), "photon-2.8", vars, key, "t"));
  EXPECT_EQ(j["public_key"]["reason"], "release gate");
}

// Only the keys photon-os-installer 2.3 knows (installer.py known_keys):
// it rejects any other.
TEST(PhotonTemplateTest, UsesOnlyKeysThatInstaller23Knows) {
  const std::set<std::string> known = {"additional_files",
                                       "additional_packages",
                                       "additional_rpms_path",
                                       "arch",
                                       "autopartition",
                                       "bootmode",
                                       "disk",
                                       "eject_cdrom",
                                       "hostname",
                                       "install_linux_esx",
                                       "linux_flavor",
                                       "live",
                                       "log_level",
                                       "ostree",
                                       "packages",
                                       "packagelist_file",
                                       "partition_type",
                                       "partitions",
                                       "network",
                                       "password",
                                       "postinstall",
                                       "postinstallscripts",
                                       "preinstall",
                                       "preinstallscripts",
                                       "public_key",
                                       "photon_docker_image",
                                       "repos",
                                       "search_path",
                                       "setup_grub_script",
                                       "shadow_password",
                                       "type",
                                       "ui"};
  auto j = nlohmann::json::parse(
      RenderInstallConfig(ShippedTemplate(), "photon-2.3", Vars(), "k", "t"));
  for (const auto& [k, v] : j.items()) EXPECT_TRUE(known.count(k)) << k;
  EXPECT_TRUE(j.contains("disk"));
}

// Runs the template's postinstall with sh against Photon's files, with the
// paths redirected into a scratch root (the installer runs it in a chroot).
class PostinstallTest : public ::testing::Test {
 protected:
  PostinstallTest()
      : root_(fs::temp_directory_path(), "bootgate-postinstall-") {
    fs::create_directories(root_.path() / "boot");
    fs::create_directories(root_.path() / "etc/ssh");
  }
  ExitStatus Run() {
    auto j = nlohmann::json::parse(
        RenderInstallConfig(ShippedTemplate(), "photon-2.3", Vars(), "k", "t"));
    std::string script;
    for (const auto& line : j["postinstall"])
      script += line.get<std::string>() + "\n";
    std::string r = root_.path().string();
    for (std::string p : {"/boot/systemd.cfg", "/etc/ssh/sshd_config"}) {
      for (size_t at = script.find(" " + p); at != std::string::npos;
           at = script.find(" " + p, at + r.size() + 2))
        script.insert(at + 1, r);
    }
    WriteFileAtomic(r + "/post.sh", script);
    PosixProcessLauncher launcher;
    return RunCommand(launcher, {"sh", r + "/post.sh"},
                      std::chrono::seconds(20))
        .status;
  }
  std::string Read(const std::string& rel) {
    return ReadFile((root_.path() / rel).string());
  }
  void Write(const std::string& rel, const std::string& text) {
    WriteFileAtomic((root_.path() / rel).string(), text);
  }
  TempDir root_;
};

// vmware/photon SPECS/systemd/systemd.cfg, as the 5.0 systemd package ships it.
constexpr char kPhotonSystemdCfg[] =
    "# GRUB Environment Block\n"
    "systemd_cmdline=net.ifnames=0 plymouth.enable=0 "
    "systemd.unified_cgroup_hierarchy=yes\n";

TEST_F(PostinstallTest,
       SerialConsoleGoesIntoSystemdCfgAndRootKeysOnlyWhateverTheModuleOrder) {
  for (std::string before : {"PermitRootLogin no", "PermitRootLogin yes",
                             "  PermitRootLogin   no"}) {
    Write("boot/systemd.cfg", kPhotonSystemdCfg);
    Write("etc/ssh/sshd_config", "Port 22\n" + before + "\nUsePAM yes\n");
    ASSERT_TRUE(Run().ok()) << before;
    EXPECT_EQ(Read("boot/systemd.cfg"),
              "# GRUB Environment Block\n"
              "systemd_cmdline=net.ifnames=0 plymouth.enable=0 "
              "systemd.unified_cgroup_hierarchy=yes "
              "console=ttyS0,115200n8\n");
    EXPECT_EQ(Read("etc/ssh/sshd_config"),
              "Port 22\nPermitRootLogin prohibit-password\nUsePAM yes\n")
        << before;
    // Twice is the same as once.
    ASSERT_TRUE(Run().ok());
    EXPECT_EQ(Read("boot/systemd.cfg").find("console=ttyS0"),
              Read("boot/systemd.cfg").rfind("console=ttyS0"));
  }
}

TEST_F(PostinstallTest, AMissingSystemdCmdlineFailsThePostinstallLoudly) {
  Write("boot/systemd.cfg", "# GRUB Environment Block\n");
  Write("etc/ssh/sshd_config", "PermitRootLogin no\n");
  EXPECT_FALSE(Run().ok());
}

}  // namespace
}  // namespace bootgate
