// Domain lifecycle against libvirt's in-process test:///default driver: the
// real libvirt API and event loop, no daemon and no VM. The test driver's
// state belongs to the connection, so every step uses one connection.
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <thread>

#include "backend/libvirt/domain_xml.h"
#include "backend/libvirt/libvirt_backend.h"
#include "util/error.h"

namespace bootgate {
namespace {

std::string Xml(const std::string& name) {
  BootRequest r;
  r.name = name;
  r.run_dir = "/nonexistent";
  r.accel = "tcg";
  r.profile.name = "t";
  r.profile.smbios = {{"manufacturer", "QEMU"}};
  r.drives = {{"/img/ref.iso", "raw", true, true, 0, "system"}};
  LibvirtOptions o;
  o.driver = "test";
  o.console_path = "/nonexistent/console.sock";
  return BuildDomainXml(r, o);
}

bool Exists(LibvirtConnection& c, const std::string& name) {
  virDomainPtr d = virDomainLookupByName(c.get(), name.c_str());
  if (!d) return false;
  virDomainFree(d);
  return true;
}

int State(LibvirtConnection& c, const std::string& name) {
  virDomainPtr d = virDomainLookupByName(c.get(), name.c_str());
  if (!d) return -1;
  int state = -1, reason = 0;
  virDomainGetState(d, &state, &reason, 0);
  virDomainFree(d);
  return state;
}

bool HasEvent(const std::vector<GuestEvent>& ev, const std::string& name, const std::string& detail) {
  for (const auto& e : ev)
    if (e.name == name && e.detail == detail) return true;
  return false;
}

// Events arrive on libvirt's event thread.
template <class Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 100; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

class LibvirtDomainTest : public ::testing::Test {
 protected:
  std::shared_ptr<LibvirtConnection> conn_ = std::make_shared<LibvirtConnection>("test:///default");
  SystemClock clock_;
};

TEST_F(LibvirtDomainTest, CreatedPausedResumedAndDestroyedWithEvents) {
  LibvirtDomain d(conn_, "bootgate-life-1", Xml("bootgate-life-1"), &clock_);
  EXPECT_EQ(State(*conn_, "bootgate-life-1"), VIR_DOMAIN_PAUSED);
  EXPECT_FALSE(d.Ended());
  d.Resume();
  EXPECT_EQ(State(*conn_, "bootgate-life-1"), VIR_DOMAIN_RUNNING);
  EXPECT_TRUE(WaitFor([&] { return HasEvent(d.Events(), "RESUME", "0"); }));
  d.Destroy();
  d.Destroy();  // idempotent
  EXPECT_FALSE(Exists(*conn_, "bootgate-life-1"));
  EXPECT_TRUE(WaitFor([&] { return HasEvent(d.Events(), "STOPPED", "destroyed"); }));
  ASSERT_TRUE(d.Ended());
  EXPECT_NE(d.Ended()->find("destroyed"), std::string::npos) << *d.Ended();
}

// libvirt's own parser takes the CD-ROM layouts of the hardware plan (a SATA
// controller added to i440fx, IDE channels, SCSI targets) and keeps each
// disk where the plan put it.
TEST_F(LibvirtDomainTest, EveryCdromBusIsAcceptedAndKeptByLibvirt) {
  for (const std::string bus : {"ide", "sata", "scsi"}) {
    SCOPED_TRACE(bus);
    BootRequest r;
    r.name = "bootgate-cd-" + bus;
    r.run_dir = "/nonexistent";
    r.accel = "tcg";
    r.profile.name = "t";
    r.profile.machine = "pc";
    r.profile.disk_bus = "pvscsi";
    r.profile.cdrom_bus = bus;
    r.drives = {{"/img/inst.iso", "raw", true, true, 0, "installer"},
                {"/img/ks.iso", "raw", true, true, -1, "config"},
                {"/img/t.qcow2", "qcow2", false, false, -1, "target"}};
    LibvirtOptions o;
    o.driver = "test";
    o.console_path = "/nonexistent/console.sock";
    LibvirtDomain d(conn_, r.name, BuildDomainXml(r, o), &clock_);
    virDomainPtr dom = virDomainLookupByName(conn_->get(), r.name.c_str());
    ASSERT_NE(dom, nullptr);
    char* raw = virDomainGetXMLDesc(dom, 0);
    virDomainFree(dom);
    ASSERT_NE(raw, nullptr);
    std::string xml = raw;
    free(raw);
    std::string first = bus == "ide" ? "<target dev='hda' bus='ide'/>"
                                     : "<target dev='sda' bus='" + bus + "'/>";
    EXPECT_NE(xml.find(first), std::string::npos) << xml;
    if (bus == "sata") {
      EXPECT_NE(xml.find("<controller type='sata' index='0'"),
                std::string::npos)
          << xml;
    }
    // The kickstart CD: IDE master/slave of channel 0, AHCI port 1, SCSI
    // target 1.
    std::string second =
        bus == "ide"    ? "controller='0' bus='0' target='0' unit='1'"
        : bus == "sata" ? "controller='0' bus='0' target='0' unit='1'"
                        : "controller='0' bus='0' target='1' unit='0'";
    EXPECT_NE(xml.find("<address type='drive' " + second + "/>"),
              std::string::npos)
        << xml;
    d.Destroy();
  }
}

TEST_F(LibvirtDomainTest, DestructorDestroysTheDomain) {
  {
    LibvirtDomain d(conn_, "bootgate-life-2", Xml("bootgate-life-2"), &clock_);
    d.Resume();
    ASSERT_TRUE(Exists(*conn_, "bootgate-life-2"));
  }
  EXPECT_FALSE(Exists(*conn_, "bootgate-life-2"));
}

// A second Ctrl-C kills every registered resource from the signal watcher's
// thread while the owner still holds its LibvirtDomain: the domain is gone at
// once, and the owner's later clean-up is a no-op. The registration ends with
// the domain.
TEST_F(LibvirtDomainTest, AForcedExitDestroysTheDomainItsOwnerStillHolds) {
  ResourceRegistry live;
  {
    LibvirtDomain d(conn_, "bootgate-forced", Xml("bootgate-forced"), &clock_,
                    &live);
    d.Resume();
    ASSERT_EQ(live.size(), 1u);
    std::vector<std::string> killed;
    std::thread watcher([&] { killed = live.ForceKillAll(); });
    watcher.join();
    ASSERT_EQ(killed.size(), 1u);
    EXPECT_EQ(killed[0], "libvirt domain bootgate-forced");
    EXPECT_FALSE(Exists(*conn_, "bootgate-forced"));
    ASSERT_TRUE(d.Ended());
  }
  EXPECT_EQ(live.size(), 0u);
  LibvirtDomain plain(conn_, "bootgate-unforced", Xml("bootgate-unforced"),
                      &clock_, &live);
  EXPECT_EQ(live.size(), 0u)
      << "registered after the forced exit began: killed at once";
  EXPECT_FALSE(Exists(*conn_, "bootgate-unforced"));
}

TEST_F(LibvirtDomainTest, GuestShutdownEndsTheRun) {
  LibvirtDomain d(conn_, "bootgate-life-3", Xml("bootgate-life-3"), &clock_);
  d.Resume();
  ASSERT_TRUE(d.RequestShutdown());
  ASSERT_TRUE(WaitFor([&] { return d.Ended().has_value(); }));
  ASSERT_TRUE(WaitFor([&] { return HasEvent(d.Events(), "STOPPED", "shutdown"); }));
  EXPECT_NE(d.Ended()->find("domain stopped (shutdown)"), std::string::npos) << *d.Ended();
}

TEST_F(LibvirtDomainTest, NamesAreUnique) {
  LibvirtDomain a(conn_, "bootgate-same", Xml("bootgate-same"), &clock_);
  EXPECT_THROW(LibvirtDomain(conn_, "bootgate-same", Xml("bootgate-same"), &clock_), Error);
  // The refused second one must not have destroyed the first, nor taken its
  // events.
  EXPECT_TRUE(Exists(*conn_, "bootgate-same"));
  a.Resume();
  EXPECT_TRUE(WaitFor([&] { return HasEvent(a.Events(), "RESUME", "0"); }));
  // Concurrent runs: distinct names coexist on one connection.
  LibvirtDomain c(conn_, "bootgate-other", Xml("bootgate-other"), &clock_);
  EXPECT_TRUE(Exists(*conn_, "bootgate-other"));
}

TEST_F(LibvirtDomainTest, LibvirtRefusesANameAnotherClientUses) {
  virDomainPtr raw = virDomainCreateXML(conn_->get(), Xml("bootgate-taken").c_str(), 0);
  ASSERT_NE(raw, nullptr);
  try {
    LibvirtDomain b(conn_, "bootgate-taken", Xml("bootgate-taken"), &clock_);
    FAIL() << "a second domain with the same name was created";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("libvirt could not create the domain"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(Exists(*conn_, "bootgate-taken"));
  virDomainDestroy(raw);
  virDomainFree(raw);
}

TEST_F(LibvirtDomainTest, ADomainMadePersistentIsAlsoUndefined) {
  {
    LibvirtDomain d(conn_, "bootgate-pers", Xml("bootgate-pers"), &clock_);
    // Someone defines the running domain (same UUID) behind bootgate's back.
    virDomainPtr live = virDomainLookupByName(conn_->get(), "bootgate-pers");
    ASSERT_NE(live, nullptr);
    char* live_xml = virDomainGetXMLDesc(live, 0);
    virDomainFree(live);
    virDomainPtr def = virDomainDefineXML(conn_->get(), live_xml);
    free(live_xml);
    ASSERT_NE(def, nullptr) << virGetLastErrorMessage();
    EXPECT_EQ(virDomainIsPersistent(def), 1);
    virDomainFree(def);
  }
  EXPECT_FALSE(Exists(*conn_, "bootgate-pers"));
}

TEST_F(LibvirtDomainTest, LeftoverDomainOfADeadRunIsDestroyed) {
  // What a killed bootgate leaves: a running transient domain nobody owns.
  virDomainPtr raw = virDomainCreateXML(conn_->get(), Xml("bootgate-dead-1").c_str(), 0);
  ASSERT_NE(raw, nullptr);
  virDomainFree(raw);
  EXPECT_TRUE(DestroyDomainIfExists(*conn_, "bootgate-dead-1"));
  EXPECT_FALSE(Exists(*conn_, "bootgate-dead-1"));
  EXPECT_FALSE(DestroyDomainIfExists(*conn_, "bootgate-dead-1"));
}

TEST_F(LibvirtDomainTest, LeftoverCleanupNeverTouchesOtherDomains) {
  // test:///default ships a running domain called "test".
  ASSERT_TRUE(Exists(*conn_, "test"));
  EXPECT_THROW(DestroyDomainIfExists(*conn_, "test"), Error);
  EXPECT_EQ(State(*conn_, "test"), VIR_DOMAIN_RUNNING);
}

TEST_F(LibvirtDomainTest, BadXmlIsAnErrorWithLibvirtsMessage) {
  try {
    LibvirtDomain d(conn_, "bootgate-bad", "<domain type='test'><name>x", &clock_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bootgate-bad"), std::string::npos);
  }
}

TEST_F(LibvirtDomainTest, VersionNamesDriverAndLibrary) {
  std::string v = conn_->HypervisorVersion();
  EXPECT_EQ(v.rfind("TEST", 0), 0u) << v;
  EXPECT_NE(v.find(" via libvirt 9."), std::string::npos) << v;
}

TEST(LibvirtConnectionTest, UnreachableUriIsAnError) {
  EXPECT_THROW(LibvirtConnection("qemu+unix:///system?socket=/nonexistent/sock"), Error);
}

}  // namespace
}  // namespace bootgate
