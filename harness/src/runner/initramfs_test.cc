// Reading an initramfs as the kernel does: newc archives one after another,
// each plain or compressed, built here by the real cpio, gzip, xz and zstd.
#include "runner/initramfs.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {
namespace {

class InitramfsTest : public ::testing::Test {
 protected:
  InitramfsTest() : dir_(fs::temp_directory_path(), "bootgate-initramfs-") {}
  // A newc archive of `files` (path -> text), made by cpio(1).
  std::string Cpio(const std::map<std::string, std::string>& files) {
    fs::path tree = dir_.path() / ("t" + std::to_string(n_++));
    for (const auto& [p, text] : files) {
      fs::create_directories((tree / p).parent_path());
      WriteFileAtomic((tree / p).string(), text);
    }
    return Sh("cd '" + tree.string() +
              "' && find . | LC_ALL=C sort | cpio -o -H newc --quiet");
  }
  std::string Sh(const std::string& script, const std::string& input = "") {
    std::string in = (dir_.path() / "in").string();
    WriteFileAtomic(in, input);
    CommandOutput o = RunCommand(
        launcher_, {"sh", "-c", "{ " + script + "; } < '" + in + "'"},
        std::chrono::seconds(30), 64 << 20);
    EXPECT_TRUE(o.status.ok()) << script << ": " << o.stderr_text;
    return o.stdout_text;
  }
  InitramfsContents Read(const std::string& bytes,
                         std::vector<std::string>* warnings = nullptr) {
    std::string path = (dir_.path() / "initrd.img").string();
    WriteFileAtomic(path, bytes);
    return ReadInitramfs(
        launcher_, path,
        [](const std::string& p) { return p.rfind("usr/", 0) == 0; }, warnings);
  }
  TempDir dir_;
  PosixProcessLauncher launcher_;
  int n_ = 0;
};

TEST_F(InitramfsTest, EveryCompressionAndAMicrocodeArchiveInFront) {
  std::string early =
      Cpio({{"kernel/x86/microcode/GenuineIntel.bin", "ucode"}});
  std::string main = Cpio({{"usr/lib/x.py", "print(1)\n"},
                           {"installer/packages_minimal.json", "{}"}});
  for (std::string tool : {"cat", "gzip -9n", "xz --check=crc32", "zstd -q",
                           "lz4 -l -q", "bzip2"}) {
    std::string packed = Sh(tool, main);
    std::vector<std::string> warnings;
    InitramfsContents c = Read(early + packed, &warnings);
    EXPECT_NE(std::find(c.paths.begin(), c.paths.end(),
                        "kernel/x86/microcode/GenuineIntel.bin"),
              c.paths.end())
        << tool;
    EXPECT_NE(std::find(c.paths.begin(), c.paths.end(),
                        "installer/packages_minimal.json"),
              c.paths.end())
        << tool;
    ASSERT_EQ(c.texts.count("usr/lib/x.py"), 1u) << tool;
    EXPECT_EQ(c.texts["usr/lib/x.py"], "print(1)\n") << tool;
    EXPECT_EQ(c.texts.size(), 1u) << tool;  // only the members asked for
    EXPECT_TRUE(warnings.empty()) << tool << ": " << warnings.front();
  }
  // gzip'd, then NUL padding (as some build tools leave): still read.
  std::vector<std::string> warnings;
  InitramfsContents c =
      Read(Sh("gzip -9n", main) + std::string(512, '\0'), &warnings);
  EXPECT_EQ(c.texts.count("usr/lib/x.py"), 1u);
}

TEST_F(InitramfsTest, NotAnInitramfsOrATruncatedOneIsAnErrorNamingTheFile) {
  try {
    Read("MZ this is no initramfs");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("initrd.img"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(
                  "starts neither a cpio archive nor a known compression"),
              std::string::npos)
        << e.what();
  }
  std::string main = Cpio({{"usr/lib/x.py", std::string(4000, 'x')}});
  EXPECT_THROW(Read(main.substr(0, 2000)), Error);
  std::string bad = main;
  bad[20] = 'z';  // a header field that is not hex
  EXPECT_THROW(Read(bad), Error);
  EXPECT_THROW(Read(Sh("gzip -9n", main).substr(0, 40)),
               Error);  // gzip with nothing decodable
  EXPECT_THROW(Read(""), Error);
}

TEST(InitramfsPureTest, CompressionMagic) {
  EXPECT_EQ(CompressionAt(std::string("\x1f\x8b\x08", 3), 0), "gzip");
  EXPECT_EQ(CompressionAt(std::string("\xfd"
                                      "7zXZ\0",
                                      6),
                          0),
            "xz");
  EXPECT_EQ(CompressionAt(std::string("\x28\xb5\x2f\xfd", 4), 0), "zstd");
  EXPECT_EQ(CompressionAt("xxBZh9", 2), "bzip2");
  EXPECT_EQ(CompressionAt("070701", 0), "");
  EXPECT_EQ(CompressionAt("", 0), "");
}

}  // namespace
}  // namespace bootgate
