#include "scenario/scenario.h"

#include <gtest/gtest.h>

#include "scenario/profile.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/regex.h"

namespace bootgate {
namespace {

std::vector<ValidationIssue> Issues(const std::string& text) {
  std::vector<ValidationIssue> issues;
  ParseScenario(text, "/tmp/s.json", &issues, /*check_files=*/false);
  return issues;
}

bool HasIssue(const std::vector<ValidationIssue>& issues, const std::string& path,
              const std::string& fragment) {
  for (const auto& i : issues)
    if (i.json_path == path && i.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string Dump(const std::vector<ValidationIssue>& issues) {
  std::string s;
  for (const auto& i : issues) s += i.ToString() + "\n";
  return s;
}

TEST(ScenarioTest, ParsesAFullScenarioWithComments) {
  std::vector<ValidationIssue> issues;
  auto s = ParseScenario(R"({
    // comments are allowed
    "name": "ref",
    "image": {"iso": "../images/ref.iso"},
    "profile": "qemu-kvm",
    "vm": {"cpus": 2, "memory_mib": 768, "accel": "tcg"},
    "boot": {"login_pattern": "refimg login:", "timeout_s": 90, "silence_s": 30,
             "fail_patterns": ["Oops", {"name": "custom", "regex": "BOOM"}]},
    "access": {"user": "root", "password": "secret"},
    "sample": {"settle_s": 2, "count": 5},
    "checks": [{"name": "root", "run": "id -u", "expect": {"stdout_matches": "^0$"}}],
    "budgets": {"boot_s": {"kvm": 10, "tcg": 45}, "ram_mib": 150, "judge": "p95",
                "profiles": {"qemu-kvm": {"boot_s": 50}}},
    "iterations": 3, "labels": {"team": "os"}
  })", "/work/scenarios/ref.json", &issues, false);
  ASSERT_TRUE(s) << Dump(issues);
  EXPECT_EQ(s->name, "ref");
  EXPECT_EQ(s->image.iso, "/work/images/ref.iso");  // relative to the file
  EXPECT_EQ(s->vm.cpus, 2);
  EXPECT_EQ(s->boot.silence_s, 30);
  // Defaults plus the scenario's own fail patterns.
  EXPECT_EQ(s->boot.fail_patterns.size(), DefaultFailPatterns().size() + 2);
  EXPECT_EQ(s->boot.fail_patterns.back().name, "custom");
  EXPECT_EQ(s->budgets.judge, "p95");
  EXPECT_EQ(*s->budgets.Limit("boot_s", "other", "kvm"), 10);
  EXPECT_EQ(*s->budgets.Limit("boot_s", "other", "tcg"), 45);
  EXPECT_EQ(*s->budgets.Limit("boot_s", "qemu-kvm", "tcg"), 50);
  EXPECT_EQ(*s->budgets.Limit("ram_mib", "qemu-kvm", "tcg"), 150);
  EXPECT_FALSE(s->budgets.Limit("disk_mib", "qemu-kvm", "tcg"));
  EXPECT_EQ(s->checks.at(0).expect.exit_status, 0);
  EXPECT_EQ(s->iterations, 3);
  EXPECT_EQ(s->labels.at("team"), "os");
}

TEST(ScenarioTest, ExplainIsOnByDefaultAndValidated) {
  std::vector<ValidationIssue> issues;
  auto s = ParseScenario(R"({"name": "x", "image": {"iso": "a.iso"}})",
                         "/tmp/s.json", &issues, false);
  ASSERT_TRUE(s) << Dump(issues);
  EXPECT_TRUE(s->explain.enabled);
  EXPECT_EQ(s->explain.top_n, 10);
  s = ParseScenario(
      R"({"name": "x", "image": {"iso": "a.iso"}, "explain": false})",
      "/tmp/s.json", &issues, false);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->explain.enabled);
  s = ParseScenario(
      R"({"name": "x", "image": {"iso": "a.iso"}, "explain": {"enabled": true, "top_n": 3}})",
      "/tmp/s.json", &issues, false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->explain.top_n, 3);
  auto bad = Issues(
      R"({"name": "x", "image": {"iso": "a.iso"}, "explain": {"top_n": 0, "topn": 3}})");
  EXPECT_TRUE(HasIssue(bad, "/explain/top_n", "")) << Dump(bad);
  EXPECT_TRUE(HasIssue(bad, "/explain/topn", "")) << Dump(bad);
}

TEST(ScenarioTest, MalformedJsonNamesLineAndColumn) {
  auto issues = Issues("{\n  \"name\": \"x\",\n  \"image\": {\"iso\": \"a\"\n}");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("line 4"), std::string::npos) << issues[0].message;
  EXPECT_NE(issues[0].message.find("column"), std::string::npos);
}

// Found by fuzz_scenario: a number beyond double's range is nlohmann's
// out_of_range, not a parse_error; it must be an issue, not a crash.
TEST(ScenarioTest, NumberOverflowIsAnIssueNotACrash) {
  auto issues = Issues("{\"name\": \"x\", \"vm\": {\"cpus\": 5e5555}}");
  ASSERT_EQ(issues.size(), 1u) << Dump(issues);
  EXPECT_NE(issues[0].message.find("number overflow"), std::string::npos) << issues[0].message;
  EXPECT_THROW(ParseProfile("{\"name\": 1e999}", "p.json"), Error);
}

TEST(ScenarioTest, UnknownKeysAreErrorsWithTheirPath) {
  auto issues = Issues(R"({"name": "x", "image": {"iso": "a"}, "budgets": {"boot_sec": 10}, "bogus": 1})");
  EXPECT_TRUE(HasIssue(issues, "/budgets/boot_sec", "unknown key 'boot_sec'")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/bogus", "unknown key")) << Dump(issues);
}

TEST(ScenarioTest, WrongTypesAndRanges) {
  auto issues = Issues(R"({"name": "x", "image": {"iso": "a"},
    "vm": {"cpus": "two", "memory_mib": -5, "accel": "hyper"},
    "boot": {"timeout_s": 0, "login_pattern": "(unclosed"},
    "budgets": {"boot_s": -1, "ram_mib": {"kvm": "x"}}, "iterations": 0})");
  EXPECT_TRUE(HasIssue(issues, "/vm/cpus", "expected a whole number")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/vm/memory_mib", "out of range")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/vm/accel", "expected one of")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/boot/timeout_s", "out of range")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/boot/login_pattern", "invalid regular expression")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/budgets/boot_s", "out of range")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/budgets/ram_mib/kvm", "expected a number")) << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/iterations", "out of range")) << Dump(issues);
}

TEST(ScenarioTest, ImageMustBeExactlyOneKind) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {}})"), "/image", "exactly one"));
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a", "disk": "b"}})"), "/image", "exactly one"));
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x"})"), "/image", "required"));
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a", "initrd": "i"}})"), "/image/initrd", "needs"));
}

TEST(ScenarioTest, MissingFilesAreNamed) {
  std::vector<ValidationIssue> issues;
  ParseScenario(R"({"name": "x", "image": {"iso": "missing.iso"}})", "/tmp/dir/s.json", &issues, true);
  ASSERT_TRUE(HasIssue(issues, "/image/iso", "does not exist")) << Dump(issues);
  EXPECT_NE(issues[0].message.find("/tmp/dir/missing.iso"), std::string::npos);
}

TEST(ScenarioTest, NameMustBeFileSafe) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "../etc", "image": {"iso": "a"}})"), "/name", "must be"));
  EXPECT_TRUE(HasIssue(Issues(R"({"image": {"iso": "a"}})"), "/name", "required"));
}

TEST(ScenarioTest, SerialAccessNeedsAPassword) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a"}, "access": {"method": "serial"}})"),
                       "/access/password", "needs"));
}

TEST(ScenarioTest, SilenceLongerThanTimeoutIsRejected) {
  EXPECT_TRUE(HasIssue(Issues(R"({"name": "x", "image": {"iso": "a"}, "boot": {"timeout_s": 10, "silence_s": 20}})"),
                       "/boot/silence_s", "never fire"));
}

// Settings only a directly booted kernel reads are refused elsewhere, with
// the fix, instead of being silently ignored.
TEST(ScenarioTest, KernelOnlySettingsAreRefusedWhereNoKernelIsBootedDirectly) {
  auto issues = Issues(R"({"name": "x", "image": {"iso": "a"},
                           "access": {"method": "ssh", "seed": "kernel-arg"}})");
  EXPECT_TRUE(HasIssue(issues, "/access/seed", "Use \"nocloud\""))
      << Dump(issues);
  issues = Issues(
      R"({"name": "x", "image": {"disk": "a.qcow2"}, "boot": {"append": "quiet"}})");
  EXPECT_TRUE(HasIssue(issues, "/boot/append", "a disk image")) << Dump(issues);
  issues = Issues(
      R"({"name": "x", "install": {"media": {"iso": "a"}, "complete": "reset"},
                      "access": {"seed": "kernel-arg"}})");
  EXPECT_TRUE(HasIssue(issues, "/access/seed", "the disk the install wrote"))
      << Dump(issues);
  // A direct kernel boot takes both.
  issues = Issues(R"({"name": "x", "image": {"kernel": "k", "initrd": "i"},
                      "boot": {"append": "quiet"}, "access": {"seed": "kernel-arg"}})");
  EXPECT_TRUE(issues.empty()) << Dump(issues);
}

TEST(ScenarioTest, InstallNeedsCompletionPattern) {
  auto issues = Issues(R"({"name": "x", "install": {"media": {"iso": "a"}, "complete": "pattern"}})");
  EXPECT_TRUE(HasIssue(issues, "/install/complete_pattern", "required")) << Dump(issues);
}

TEST(ScenarioTest, EveryIssueIsReportedNotJustTheFirst) {
  auto issues = Issues(R"({"name": "x", "image": {"iso": "a"}, "vm": {"cpus": 0, "memory_mib": 1}})");
  EXPECT_GE(issues.size(), 2u);
}

TEST(ScenarioTest, DefaultLoginPatternMatchesGettyPrompts) {
  Regex re(Scenario().boot.login_pattern, "login");
  EXPECT_TRUE(re.Search("refimg login: "));
  EXPECT_TRUE(re.Search("photon-machine login:"));
  EXPECT_FALSE(re.Search("Last login: Mon Nov 30"));
}

// ECMAScript constructs RE2 lacks are refused at validate time, each with
// file, JSON path and a message naming the construct.
TEST(ScenarioTest, BackreferencesAndLookaroundAreRejectedWithTheirPath) {
  auto issues = Issues(R"json({"name": "x", "image": {"iso": "a"},
    "boot": {"login_pattern": "(\\w+) \\1 login:",
             "fail_patterns": [{"name": "p", "regex": "panic(?!: none)"}]},
    "checks": [{"name": "c", "run": "true",
                "expect": {"stdout_matches": "(?<=x)y", "stdout_not_matches": "\\u00e9"}}]})json");
  EXPECT_TRUE(HasIssue(issues, "/boot/login_pattern", "backreferences"))
      << Dump(issues);
  EXPECT_TRUE(
      HasIssue(issues, "/boot/fail_patterns/0", "lookahead and lookbehind"))
      << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/checks/0/expect/stdout_matches",
                       "lookahead and lookbehind"))
      << Dump(issues);
  EXPECT_TRUE(
      HasIssue(issues, "/checks/0/expect/stdout_not_matches", "\\x{00e9}"))
      << Dump(issues);
  for (const auto& i : issues) EXPECT_EQ(i.file, "/tmp/s.json");
}

TEST(ScenarioTest, LoadScenarioErrorListsEveryProblem) {
  TempDir dir(fs::temp_directory_path(), "bootgate-scn-");
  WriteFileAtomic(dir.path() / "bad.json", R"({"name": "x", "image": {"iso": "nope.iso"}, "vm": {"cpus": 0}})");
  try {
    LoadScenario((dir.path() / "bad.json").string());
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("2 problems"), std::string::npos) << m;
    EXPECT_NE(m.find("/vm/cpus"), std::string::npos) << m;
    EXPECT_NE(m.find("/image/iso"), std::string::npos) << m;
  }
}

class ExtendsTest : public ::testing::Test {
 protected:
  ExtendsTest() : dir_(fs::temp_directory_path(), "bootgate-extends-") {
    Write("base.json", R"({
      // a comment, as in any scenario
      "name": "base", "description": "the base",
      "image": {"iso": "a.iso", "fetch": "fetch.sh"},
      "vm": {"cpus": 2, "memory_mib": 1024},
      "boot": {"login_pattern": "base login:", "timeout_s": 30},
      "budgets": {"boot_s": 10, "ram_mib": 100}})");
  }
  void Write(const std::string& name, const std::string& text) {
    WriteFileAtomic((dir_.path() / name).string(), text);
  }
  std::optional<Scenario> Parse(const std::string& text, std::vector<ValidationIssue>* issues) {
    return ParseScenario(text, (dir_.path() / "child.json").string(), issues, /*check_files=*/false);
  }
  TempDir dir_;
};

// RFC 7386: objects merge key by key, null removes, the rest replaces.
TEST_F(ExtendsTest, AScenarioOverridesOnlyWhatItNames) {
  std::vector<ValidationIssue> issues;
  auto s = Parse(R"({"extends": "base.json", "name": "child",
                     "image": {"iso": "b.iso", "fetch": null}, "vm": {"cpus": 1}})", &issues);
  ASSERT_TRUE(s) << Dump(issues);
  EXPECT_EQ(s->name, "child");
  EXPECT_EQ(s->description, "the base");
  EXPECT_EQ(s->image.iso, (dir_.path() / "b.iso").string());
  EXPECT_EQ(s->image.fetch, "");
  EXPECT_EQ(s->vm.cpus, 1);
  EXPECT_EQ(s->vm.memory_mib, 1024);
  EXPECT_EQ(s->boot.login_pattern, "base login:");
  EXPECT_EQ(*s->budgets.Limit("ram_mib", "qemu-kvm", "tcg"), 100);
}

TEST_F(ExtendsTest, BadBasesAreNamedWithTheirFile) {
  std::vector<ValidationIssue> issues;
  EXPECT_FALSE(Parse(R"({"extends": "missing.json"})", &issues));
  EXPECT_TRUE(HasIssue(issues, "/extends", "cannot read")) << Dump(issues);
  issues.clear();
  EXPECT_FALSE(Parse(R"({"extends": "../elsewhere/base.json"})", &issues));
  EXPECT_TRUE(HasIssue(issues, "/extends", "not in this scenario's folder")) << Dump(issues);
  issues.clear();
  Write("loop-a.json", R"({"extends": "loop-b.json"})");
  Write("loop-b.json", R"({"extends": "loop-a.json"})");
  EXPECT_FALSE(Parse(R"({"extends": "loop-a.json"})", &issues));
  EXPECT_TRUE(HasIssue(issues, "/extends", "cycle")) << Dump(issues);
  issues.clear();
  Write("broken.json", "{\"name\": ");
  EXPECT_FALSE(Parse(R"({"extends": "broken.json"})", &issues));
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].file, (dir_.path() / "broken.json").string()) << Dump(issues);
  issues.clear();
  // What the merged scenario gets wrong is an issue like any other.
  EXPECT_FALSE(Parse(R"({"extends": "base.json", "vm": {"cpus": 0}})", &issues));
  EXPECT_TRUE(HasIssue(issues, "/vm/cpus", "")) << Dump(issues);
}

std::string SourceDir() { return BOOTGATE_SOURCE_DIR; }

// The Photon scenarios as shipped, against what photon-os-installer needs.
TEST(PhotonScenarioTest, ShippedScenariosGiveOneConsoleAndLetTheIsoDecide) {
  for (std::string name : {"photon-5-minimal", "photon-5-minimal-vmware", "photon-5-testimage-2.3",
                           "photon-5-testimage-2.7", "photon-5-testimage-vmware"}) {
    std::vector<ValidationIssue> issues;
    std::string file = SourceDir() + "/scenarios/" + name + ".json";
    auto s = ParseScenario(ReadFile(file), file, &issues, /*check_files=*/false);
    ASSERT_TRUE(s) << name << "\n" << Dump(issues);
    EXPECT_EQ(s->name, name);
    const std::string& a = s->install.append;
    // The initrd's login script runs the installer only with one console.
    EXPECT_EQ(a.find("console="), a.rfind("console=")) << name << ": " << a;
    EXPECT_NE(a.find("console=ttyS0,115200n8"), std::string::npos) << a;
    EXPECT_EQ(s->install.config_format, "auto") << name;
    EXPECT_EQ(s->install.complete, "auto") << name;
    bool shell = false;
    for (const auto& f : s->install.fail_patterns)
      if (f.name == "installer-shell") {
        shell = true;
        EXPECT_TRUE(Regex(f.regex, "installer-shell").Search("root [ /installer ]# ")) << f.regex;
      }
    EXPECT_TRUE(shell) << name;
    if (name.find("testimage") != std::string::npos) {
      EXPECT_NE(s->install.media.iso.find("images/.cache/photon-test/photon-test-"), std::string::npos);
      EXPECT_NE(s->install.media.recipe.find("images/photon-test/build.sh"), std::string::npos);
      EXPECT_EQ(s->install.media.fetch, "");
    }
  }
}

// `ab --baseline-image/--candidate-image`: the image goes where the scenario
// boots from, and the recipe that would make the scenario's own is dropped.
TEST(WithImageTest, ReplacesWhatTheScenarioBootsAndDropsItsRecipe) {
  std::vector<ValidationIssue> issues;
  auto disk = ParseScenario(
      R"({"name": "d", "image": {"disk": "a.qcow2", "format": "qcow2",
           "recipe": "build.sh", "fetch": "get.sh"}})",
      "/tmp/d.json", &issues, /*check_files=*/false);
  ASSERT_TRUE(disk) << Dump(issues);
  Scenario d = WithImage(*disk, "/x/b.raw");
  EXPECT_EQ(d.image.disk, "/x/b.raw");
  EXPECT_EQ(d.image.disk_format, "");  // detected again: b is raw
  EXPECT_EQ(d.image.recipe, "");
  EXPECT_EQ(d.image.fetch, "");
  EXPECT_EQ(disk->image.disk, "/tmp/a.qcow2");  // the original is untouched

  auto kernel = ParseScenario(
      R"({"name": "k", "image": {"kernel": "vmlinuz", "initrd": "i.img"}})",
      "/tmp/k.json", &issues, /*check_files=*/false);
  ASSERT_TRUE(kernel) << Dump(issues);
  Scenario k = WithImage(*kernel, "/x/vmlinuz-new");
  EXPECT_EQ(k.image.kernel, "/x/vmlinuz-new");
  EXPECT_EQ(k.image.initrd, "/tmp/i.img");

  // An install scenario: the installer ISO is the image under test.
  auto install = ParseScenario(
      R"({"name": "i", "install": {"media": {"iso": "old.iso",
           "recipe": "build.sh"}, "complete": "reset"}})",
      "/tmp/i.json", &issues, /*check_files=*/false);
  ASSERT_TRUE(install) << Dump(issues);
  Scenario i = WithImage(*install, "/x/new.iso");
  EXPECT_EQ(i.install.media.iso, "/x/new.iso");
  EXPECT_EQ(i.install.media.recipe, "");
  EXPECT_EQ(i.image.iso, "");
}

// --timeout-scale: every timeout, and nothing else, grows by the factor.
TEST(ScaleTimeoutsTest, MultipliesEveryTimeoutAndKeepsZeroesOff) {
  std::vector<ValidationIssue> issues;
  auto s = ParseScenario(R"({
    "name": "slow",
    "image": {"iso": "a.iso"},
    "boot": {"timeout_s": 100, "silence_s": 30},
    "access": {"method": "ssh", "connect_timeout_s": 4},
    "checks": [{"name": "c", "run": "true", "timeout_s": 10}]
  })",
                         "/tmp/slow.json", &issues, /*check_files=*/false);
  ASSERT_TRUE(s) << Dump(issues);
  ScaleTimeouts(&*s, 2.5);
  EXPECT_DOUBLE_EQ(s->boot.timeout_s, 250);
  EXPECT_DOUBLE_EQ(s->boot.silence_s, 75);
  EXPECT_DOUBLE_EQ(s->access.connect_timeout_s, 10);
  EXPECT_DOUBLE_EQ(s->access.ready_timeout_s, 0);  // "= boot timeout" stays
  EXPECT_DOUBLE_EQ(s->install.timeout_s, 1500);
  EXPECT_DOUBLE_EQ(s->install.silence_s, 0);  // off stays off
  EXPECT_DOUBLE_EQ(s->checks.at(0).timeout_s, 25);
  EXPECT_DOUBLE_EQ(s->sample.interval_s, 1);  // not a timeout
  EXPECT_THROW(ScaleTimeouts(&*s, 0), Error);
  EXPECT_THROW(ScaleTimeouts(&*s, -1), Error);
}

// The reference scenario names its image in the image cache, which a
// checkout keeps in images/.cache and an installed bootgate in ~/.cache.
TEST(ScenarioTest, ImageCacheVariableExpandsInPaths) {
  setenv("BOOTGATE_IMAGE_CACHE", "/var/tmp/bg-images", 1);
  std::vector<ValidationIssue> issues;
  auto s = ParseScenario(R"({
    "name": "ref",
    "image": {"iso": "${BOOTGATE_IMAGE_CACHE}/reference/reference.iso",
              "recipe": "../images/reference/build.sh"}
  })",
                         "/opt/x/scenarios/ref.json", &issues,
                         /*check_files=*/false);
  unsetenv("BOOTGATE_IMAGE_CACHE");
  ASSERT_TRUE(s) << Dump(issues);
  EXPECT_EQ(s->image.iso, "/var/tmp/bg-images/reference/reference.iso");
  EXPECT_EQ(s->image.recipe, "/opt/x/images/reference/build.sh");
}

}  // namespace
}  // namespace bootgate

namespace bootgate {
namespace {

TEST(ScenarioTest, CdromBusIsOneOfTheKnownBusesWithItsPath) {
  auto issues = Issues(
      R"({"name": "x", "image": {"iso": "a"}, "vm": {"cdrom_bus": "ahci"}})");
  EXPECT_TRUE(HasIssue(issues, "/vm/cdrom_bus", "unknown value 'ahci'"))
      << Dump(issues);
  EXPECT_TRUE(HasIssue(issues, "/vm/cdrom_bus", "ide, profile, sata, scsi"))
      << Dump(issues);
  EXPECT_TRUE(
      Issues(
          R"({"name": "x", "image": {"iso": "a"}, "vm": {"cdrom_bus": "sata"}})")
          .empty());
  std::vector<ValidationIssue> none;
  auto s = ParseScenario(R"({"name": "x", "image": {"iso": "a"}})",
                         "/tmp/s.json", &none, false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->vm.cdrom_bus, "profile");
}

TEST(ProfileTest, CdromBusIsValidatedWithFileAndPath) {
  Profile p =
      ParseProfile(R"({"machine": "pc", "cdrom_bus": "sata"})", "/p/vm.json");
  EXPECT_EQ(p.cdrom_bus, "sata");
  EXPECT_EQ(ParseProfile(R"({"machine": "pc"})", "/p/vm.json").cdrom_bus, "");
  try {
    ParseProfile(R"({"cdrom_bus": "usb"})", "/p/bad.json");
    FAIL() << "an unknown cdrom_bus was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "/p/bad.json: /cdrom_bus: unknown CD-ROM bus 'usb'; expected "
              "ide, sata or scsi");
  }
  try {
    ParseProfile(R"({"machine": "q35", "cdrom_bus": "ide"})", "/p/q.json");
    FAIL() << "IDE on q35 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "/p/q.json: /cdrom_bus: \"ide\" on machine 'q35'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ParseProfile(R"({"cdrom_bus": 3})", "/p/t.json"), Error);
}

TEST(ProfileTest, ScenarioCdromBusConflictsWithAProfilesMachine) {
  Profile q35 = ParseProfile(R"({"name": "k", "machine": "q35"})", "/p/k.json");
  Profile pc = ParseProfile(R"({"name": "v", "machine": "pc"})", "/p/v.json");
  EXPECT_NE(CdromBusConflict(q35, "ide").find("no IDE controller"),
            std::string::npos);
  EXPECT_EQ(CdromBusConflict(q35, "sata"), "");
  EXPECT_EQ(CdromBusConflict(q35, "profile"), "");
  EXPECT_EQ(CdromBusConflict(pc, "ide"), "");
}

}  // namespace
}  // namespace bootgate
