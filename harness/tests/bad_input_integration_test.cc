// Bad scenarios end with a clear error before any VM starts: the real
// bootgate binary is given each kind of broken input and must exit 2 with a
// message naming the file, the JSON path and what to do, without creating a
// workspace or a report.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
       "/vm/cpu", "unknown key 'cpu'; allowed keys here: accel, cpus"},
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

}  // namespace
}  // namespace bootgate::testing
