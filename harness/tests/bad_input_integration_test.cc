// Bad scenarios end with a clear error before any VM starts: the real
// bootgate binary is given each kind of broken input and must exit 2 with a
// message naming the file, the JSON path and what to do, without creating a
// workspace or a report.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "vm_test_util.h"

namespace bootgate::testing {
namespace {
namespace fs = std::filesystem;

struct BadCase {
  std::string name;
  std::string text;  ///< scenario text; {REF} = reference image dir, {DIR} = the scenario's dir
  std::string json_path;
  std::string fragment;  ///< part of the explanation
};

std::string Expand(std::string s, const std::string& dir) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"{REF}", ReferenceDir()},
                            std::pair<std::string, std::string>{"{DIR}", dir}}) {
    for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), value);
  }
  return s;
}

const char* kKernel = R"("image": {"kernel": "{REF}/vmlinuz", "initrd": "{REF}/initrd.img"})";

std::vector<BadCase> Cases() {
  std::string k = kKernel;
  return {
      {"malformed",
       "{\n  \"name\": \"x\",\n  \"image\": {\"iso\" \"a.iso\"}\n}", "/",
       "malformed JSON at line 3, column"},
      {"unknown_key", "{\"name\": \"x\", " + k + ", \"vm\": {\"cpu\": 2}}",
       "/vm/cpu", "unknown key 'cpu'; allowed keys here: accel, cdrom_bus, cpus"},
      {"wrong_type",
       "{\"name\": \"x\", " + k + ", \"boot\": {\"timeout_s\": \"90\"}}",
       "/boot/timeout_s", "expected a number, found a string"},
      {"negative",
       "{\"name\": \"x\", " + k + ", \"vm\": {\"memory_mib\": -512}}",
       "/vm/memory_mib", "out of range; expected 64 to 262144"},
      {"absurd",
       "{\"name\": \"x\", " + k + ", \"boot\": {\"timeout_s\": 1e12}}",
       "/boot/timeout_s", "out of range"},
      {"missing_image", "{\"name\": \"x\", \"image\": {\"iso\": \"nope.iso\"}}",
       "/image/iso", "does not exist; check the path"},
      {"directory_image",
       "{\"name\": \"x\", \"image\": {\"kernel\": \"{DIR}\"}}", "/image/kernel",
       "is not a file"},
      {"not_an_iso", "{\"name\": \"x\", \"image\": {\"iso\": \"fake.iso\"}}",
       "/image/iso", "is not an ISO 9660 image"},
      {"no_such_profile",
       "{\"name\": \"x\", " + k + ", \"profile\": \"no-such-hw\"}", "/profiles",
       "profile 'no-such-hw' does not exist"},
      {"bad_regex",
       "{\"name\": \"x\", " + k +
           ", \"boot\": {\"fail_patterns\": [\"(oops\"]}}",
       "/boot/fail_patterns/0", "invalid regular expression"},
      {"bad_cdrom_bus", "{\"name\": \"x\", " + k + ", \"vm\": {\"cdrom_bus\": \"usb\"}}",
       "/vm/cdrom_bus", "unknown value 'usb'; expected one of: ide, profile, sata, scsi"},
      // q35 (qemu-kvm) has no IDE controller: refused before any VM starts.
      {"ide_cd_on_q35", "{\"name\": \"x\", " + k + ", \"vm\": {\"cdrom_bus\": \"ide\"}}",
       "/vm/cdrom_bus", "its machine 'q35' (q35) has no IDE controller"},
      // Settings nothing would read, refused with the fix instead of ignored.
      {"kernel_arg_seed_on_iso",
       "{\"name\": \"x\", \"image\": {\"iso\": \"{REF}/reference.iso\"}, "
       "\"access\": "
       "{\"method\": \"ssh\", \"user\": \"root\", \"seed\": \"kernel-arg\"}}",
       "/access/seed", "Use \"nocloud\""},
      {"boot_append_on_iso",
       "{\"name\": \"x\", \"image\": {\"iso\": \"{REF}/reference.iso\"}, "
       "\"boot\": "
       "{\"append\": \"quiet\"}}",
       "/boot/append", "image.kernel"},
  };
}

class BadInputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInputTest, ExitsTwoBeforeAnyVmNamingFilePathAndFix) {
  const BadCase& c = GetParam();
  std::string dir = TestTempDir("bad");
  // A file that is not an ISO: 64 KiB of zeros.
  std::ofstream(dir + "/fake.iso", std::ios::binary) << std::string(65536, '\0');
  std::string scn = dir + "/" + c.name + ".json";
  std::ofstream(scn) << Expand(c.text, dir);
  std::string state = TestTempDir("state");
  std::string reports = TestTempDir("report");
  RunOptions o;
  o.args = {"run", scn, "--no-html", "--history", "", "--report-dir", reports + "/out"};
  o.env["BOOTGATE_STATE_DIR"] = state;
  o.env["BOOTGATE_PROFILES"] = SourceDir() + "/scenarios/profiles";
  o.timeout_s = 60;
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find(scn), std::string::npos) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find(": " + c.json_path + ": "), std::string::npos) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find(c.fragment), std::string::npos) << r.stderr_text;
  EXPECT_TRUE(DirEntries(state).empty()) << "a workspace was created";
  EXPECT_FALSE(fs::exists(reports + "/out")) << "a report dir was created";
  EXPECT_TRUE(QemuProcessesMatching(state).empty());
  EXPECT_LT(r.wall_s, 20.0);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, BadInputTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(BadInputCliTest, AMissingScenarioFileExitsTwo) {
  RunOptions o;
  o.args = {"run", "/nonexistent/scenario.json"};
  o.timeout_s = 30;
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.stderr_text.find("/nonexistent/scenario.json"), std::string::npos) << r.stderr_text;
}

// --connect names a libvirt URI; the qemu backend would ignore it.
TEST(BadInputCliTest, ConnectWithTheQemuBackendExitsTwoNamingTheFix) {
  std::string dir = TestTempDir("connect");
  std::string scn = dir + "/k.json";
  std::ofstream(scn) << Expand(
      std::string("{\"name\": \"k\", ") + kKernel + "}", dir);
  std::string state = TestTempDir("state");
  RunOptions o;
  o.args = {"run",
            scn,
            "--no-html",
            "--history",
            "",
            "--connect",
            "qemu:///system",
            "--report-dir",
            TestTempDir("report") + "/out"};
  o.env["BOOTGATE_STATE_DIR"] = state;
  o.timeout_s = 60;
  auto r = RunBootgate(o);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("--connect: 'qemu:///system'"),
            std::string::npos)
      << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("--backend libvirt"), std::string::npos)
      << r.stderr_text;
  EXPECT_TRUE(DirEntries(state).empty()) << "a workspace was created";
}

// `ab` with one scenario: the candidate is the baseline's scenario on
// --candidate-image, which must be a file; without either, the error says
// what to give. Both before any VM or workspace.
TEST(BadInputCliTest, AbWithoutACandidateOrWithAMissingImageExitsTwo) {
  nlohmann::json scn = {
      {"name", "abk"},
      {"image",
       {{"kernel", ReferenceDir() + "/vmlinuz"},
        {"initrd", ReferenceDir() + "/initrd.img"}}}};
  std::string path = WriteScenario("abk", scn);
  std::string state = TestTempDir("abstate");
  auto ab = [&](std::vector<std::string> extra) {
    RunOptions o;
    o.args = {"ab", "--baseline", path, "--history", "", "--report-dir",
              TestTempDir("abreport") + "/out"};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.env["BOOTGATE_STATE_DIR"] = state;
    o.timeout_s = 60;
    return RunBootgate(o);
  };
  auto none = ab({});
  EXPECT_EQ(none.exit_code, 2) << none.stderr_text;
  EXPECT_NE(none.stderr_text.find("--candidate-image"), std::string::npos)
      << none.stderr_text;
  auto missing = ab({"--candidate-image", "/nonexistent/new.qcow2"});
  EXPECT_EQ(missing.exit_code, 2) << missing.stderr_text;
  EXPECT_NE(missing.stderr_text.find(
                "--candidate-image: '/nonexistent/new.qcow2' is not a file"),
            std::string::npos)
      << missing.stderr_text;
  EXPECT_TRUE(DirEntries(state).empty()) << "a workspace was created";
}

// Issue 25: names, labels and build ids from input reached the terminal
// raw: `validate` printed a scenario name's OSC/CSI sequences, `profiles` a
// profile's, `history` a build id imported by `merge`. No byte of an escape
// sequence (ESC, BEL, CSI as C1) may come out.
bool HasTerminalControl(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b || c == 0x07 || c == 0x9b || c == 0x9d) return true;
    if (c == 0xc2 && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80) return true;
  }
  return false;
}

TEST(TerminalSafetyTest, NoCommandPrintsEscapeSequencesFromInput) {
  const std::string evil = "evil\x1b]0;owned\x07\x1b[2J\xc2\x9b" "31m";
  std::string dir = TestTempDir("bootgate-escapes-");
  auto check = [&](const std::vector<std::string>& args) {
    RunOptions o;
    o.args = args;
    o.timeout_s = 60;
    auto r = RunBootgate(o);
    EXPECT_FALSE(HasTerminalControl(r.stdout_text)) << "bootgate " << args[0] << " stdout: " << r.stdout_text;
    EXPECT_FALSE(HasTerminalControl(r.stderr_text)) << "bootgate " << args[0] << " stderr: " << r.stderr_text;
    return r;
  };
  // validate: the scenario's name.
  nlohmann::json scn = {{"name", evil},
                        {"image", {{"kernel", ReferenceDir() + "/vmlinuz"}, {"initrd", ReferenceDir() + "/initrd.img"}}}};
  std::string scn_path = WriteScenario("escapes", scn);
  auto v = check({"validate", scn_path});
  EXPECT_NE(v.stderr_text.find("/name: name 'evil"), std::string::npos) << v.stderr_text;
  // profiles: a profile's description.
  fs::create_directories(dir + "/profiles");
  auto prof = nlohmann::json::parse(std::ifstream(SourceDir() + "/scenarios/profiles/qemu-kvm.json"), nullptr, true, true);
  prof["description"] = evil;
  std::ofstream(dir + "/profiles/qemu-kvm.json") << prof.dump();
  check({"profiles", "--dir", dir + "/profiles"});
  // merge, then history: a shard report's build id, scenario and labels.
  auto report = nlohmann::json::parse(std::ifstream(SourceDir() + "/harness/fuzz/corpus/report/report.json"));
  report["build_id"] = evil;
  fs::create_directories(dir + "/shard");
  std::ofstream(dir + "/shard/report.json") << report.dump();
  check({"merge", dir + "/shard/report.json", "--report-dir", dir + "/merged", "--history", dir + "/h.db"});
  auto h = check({"history", "--db", dir + "/h.db"});
  EXPECT_NE(h.stdout_text.find("evil"), std::string::npos) << "the build id was not shown at all: " << h.stdout_text;
}

}  // namespace
}  // namespace bootgate::testing
