// MakeBackend: the QEMU backend is built in; the libvirt backend comes from
// the bootgate-libvirt.so plugin, loaded on demand. libvirt's in-process
// test:///default driver needs no daemon, so this runs everywhere.
#include "cli/backends.h"

#include <gtest/gtest.h>
#include <link.h>

#include <string>

#include "util/clock.h"
#include "util/error.h"
#include "util/process.h"

namespace bootgate {
namespace {

AccelResolver TestResolver(ProcessLauncher* launcher) {
  return AccelResolver(KvmProber(launcher, "qemu-system-x86_64", ::testing::TempDir(), ""),
                       ProbeHost::Current);
}

/// Whether a shared object whose path contains `name_part` is mapped.
bool LibraryLoaded(const std::string& name_part) {
  struct Query {
    const std::string* name_part;
    bool found;
  } query{&name_part, false};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* q = static_cast<Query*>(data);
        if (info->dlpi_name &&
            std::string(info->dlpi_name).find(*q->name_part) !=
                std::string::npos)
          q->found = true;
        return 0;
      },
      &query);
  return query.found;
}

TEST(BackendsTest, LibvirtComesFromThePluginOnlyWhenAsked) {
  // Nothing of libvirt is mapped before a libvirt backend is asked for: the
  // start-up and RSS saving the plugin exists for.
  EXPECT_FALSE(LibraryLoaded("libvirt.so"));
  EXPECT_FALSE(LibraryLoaded("bootgate-libvirt.so"));

  SystemClock clock;
  PosixProcessLauncher launcher;
  AccelResolver accel = TestResolver(&launcher);
  std::unique_ptr<Backend> backend = MakeBackend(
      "libvirt", "test:///default", &launcher, &clock, &accel);
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->name(), "libvirt");
  EXPECT_EQ(backend->connect_uri(), "test:///default");
  EXPECT_TRUE(LibraryLoaded("bootgate-libvirt.so"));
  EXPECT_TRUE(LibraryLoaded("libvirt.so"));

  // An Error thrown inside the plugin reaches the caller as bootgate::Error.
  try {
    MakeBackend("libvirt", "bogus-driver:///nowhere", &launcher, &clock, &accel);
    FAIL() << "an unknown libvirt URI must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bogus-driver:///nowhere"),
              std::string::npos)
        << e.what();
  }
}

TEST(BackendsTest, QemuIsBuiltInAndUnknownNamesAreRefused) {
  SystemClock clock;
  PosixProcessLauncher launcher;
  AccelResolver accel = TestResolver(&launcher);
  EXPECT_EQ(
      MakeBackend("qemu", "", &launcher, &clock, &accel)->name(),
      "qemu");
  try {
    MakeBackend("xen", "", &launcher, &clock, &accel);
    FAIL() << "unknown backend accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown backend 'xen'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace bootgate
