#include "util/paths.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace bootgate {
namespace {
namespace fs = std::filesystem;

/// A scratch tree removed at the end of the test.
class TempTree {
 public:
  TempTree() {
    char t[] = "/tmp/paths_test.XXXXXX";
    root_ = mkdtemp(t);
  }
  ~TempTree() { fs::remove_all(root_); }
  std::string Dir(const std::string& rel) {
    fs::create_directories(root_ / rel);
    return (root_ / rel).string();
  }
  std::string File(const std::string& rel) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << "x";
    return (root_ / rel).string();
  }
  std::string root() const { return root_.string(); }

 private:
  fs::path root_;
};

TEST(FindDataDirTest, BuildTreeInsideACheckoutFindsTheCheckout) {
  TempTree t;
  t.File("src/CMakeLists.txt");
  t.Dir("src/scenarios/profiles");
  t.Dir("src/images/reference");
  std::string exe = t.File("src/build/bootgate");
  DataDir d = FindDataDir(exe);
  EXPECT_EQ(d.path, t.root() + "/src");
  EXPECT_TRUE(d.source_tree);
}

TEST(FindDataDirTest, InstalledBinaryFindsShareBootgate) {
  TempTree t;
  t.Dir("usr/share/bootgate/scenarios/profiles");
  t.Dir("usr/share/bootgate/images/reference");
  std::string exe = t.File("usr/bin/bootgate");
  DataDir d = FindDataDir(exe);
  EXPECT_EQ(d.path, t.root() + "/usr/share/bootgate");
  EXPECT_FALSE(d.source_tree);
}

TEST(FindDataDirTest, NothingAroundFindsNothing) {
  TempTree t;
  // scenarios/profiles without a CMakeLists.txt beside it is no checkout.
  t.Dir("a/scenarios/profiles");
  t.Dir("a/images");
  EXPECT_EQ(FindDataDir(t.File("a/bin/bootgate")).path, "");
  EXPECT_EQ(FindDataDir("").path, "");
}

TEST(XdgStateDirTest, FollowsTheXdgBaseDirectorySpec) {
  EXPECT_EQ(XdgStateDirFrom("/x/state", "/home/u"), "/x/state/bootgate");
  EXPECT_EQ(XdgStateDirFrom(nullptr, "/home/u"),
            "/home/u/.local/state/bootgate");
  EXPECT_EQ(XdgStateDirFrom("", "/home/u"), "/home/u/.local/state/bootgate");
  // A relative XDG_STATE_HOME is invalid and ignored.
  EXPECT_EQ(XdgStateDirFrom("rel", "/home/u"), "/home/u/.local/state/bootgate");
  EXPECT_EQ(XdgStateDirFrom(nullptr, nullptr), "");
}

TEST(ReportsRootTest, QuickStartKeepsReportsHereInstalledUsesStateDir) {
  EXPECT_EQ(ReportsRootFor({"/src", true}, "/h/.local/state/bootgate"),
            "reports");
  EXPECT_EQ(ReportsRootFor({"/usr/share/bootgate", false},
                           "/h/.local/state/bootgate"),
            "/h/.local/state/bootgate/reports");
  EXPECT_EQ(ReportsRootFor({"", false}, "/h/.local/state/bootgate"), "reports");
  EXPECT_EQ(ReportsRootFor({"/usr/share/bootgate", false}, ""), "reports");
}

TEST(ImageCacheTest, EnvironmentThenCheckoutThenUserCache) {
  EXPECT_EQ(ImageCacheFor("/e", {"/src", true}, "/h/.cache/bootgate"), "/e");
  EXPECT_EQ(ImageCacheFor(nullptr, {"/src", true}, "/h/.cache/bootgate"),
            "/src/images/.cache");
  EXPECT_EQ(
      ImageCacheFor("", {"/usr/share/bootgate", false}, "/h/.cache/bootgate"),
      "/h/.cache/bootgate/images");
}

TEST(ExpandImageCacheTest, ReplacesEveryOccurrenceOnly) {
  EXPECT_EQ(ExpandImageCache("${BOOTGATE_IMAGE_CACHE}/ref/r.iso", "/c"),
            "/c/ref/r.iso");
  EXPECT_EQ(ExpandImageCache("a/${BOOTGATE_IMAGE_CACHE}${BOOTGATE_IMAGE_CACHE}",
                             "/c"),
            "a//c/c");
  EXPECT_EQ(ExpandImageCache("../images/${HOME}/x", "/c"),
            "../images/${HOME}/x");
  EXPECT_EQ(ExpandImageCache("", "/c"), "");
}

TEST(VersionTest, IsTheProjectVersion) {
  EXPECT_STREQ(BootgateVersion(), BOOTGATE_EXPECTED_VERSION);
}

}  // namespace
}  // namespace bootgate
