// The SSH forward's port is not raced: the port bootgate picks is released
// before QEMU binds it, so another run (or any program) can take it in
// between. QEMU's own bind is the one that is checked: when QEMU reports the
// port taken, the VM is started again on a fresh port. Real QEMU processes
// (started to their QMP handshake, not booted), many at once: with a port
// picker seam that hands every start the same occupied port first, and with
// the real picker.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "backend/qemu/qemu_backend.h"
#include "cli/backends.h"
#include "runner/vm_session.h"
#include "scenario/profile.h"
#include "util/error.h"
#include "util/ports.h"
#include "vm_test_util.h"

namespace bootgate::testing {
namespace {
namespace fs = std::filesystem;

constexpr int kConcurrent = 8;

// A port held by a listening socket for the test's lifetime.
class OccupiedPort {
 public:
  OccupiedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(fd_, 1) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("cannot occupy a port");
    port_ = ntohs(a.sin_port);
  }
  ~OccupiedPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Hands out `taken` for its first `collisions` picks (what a parallel run
// that got there first looks like), then the kernel's free ports.
class CollidingPicker : public PortPicker {
 public:
  CollidingPicker(int taken, int collisions)
      : taken_(taken), left_(collisions) {}
  int Pick() override {
    if (left_.fetch_sub(1) > 0) return taken_;
    return real_.Pick();
  }

 private:
  int taken_;
  std::atomic<int> left_;
  LoopbackPortPicker real_;
};

// True while something holds `port` on 127.0.0.1 (our bind is refused).
bool Held(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool held = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 &&
              errno == EADDRINUSE;
  close(fd);
  return held;
}

class PortRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureReferenceImage();
    dir_ = TestTempDir("ports");
    profile_ = LoadProfiles(SourceDir() + "/scenarios/profiles").at("qemu-kvm");
    QemuHost host;
    host.qemu_binary = QemuBinary();
    backend_ =
        std::make_unique<QemuBackend>(&launcher_, &clock_, host, nullptr);
  }
  void TearDown() override {
    if (!threads_.empty()) Release();  // a failed ASSERT returned early
    fs::remove_all(dir_);
  }

  BootRequest Request(int i, int port) const {
    BootRequest r;
    r.name =
        "bootgate-ports-" + std::to_string(getpid()) + "-" + std::to_string(i);
    r.run_dir = dir_ + "/vm" + std::to_string(i);
    fs::create_directories(r.run_dir);
    r.profile = profile_;
    r.accel = "tcg";
    r.memory_mib = 128;
    r.kernel = ReferenceDir() + "/vmlinuz";
    r.initrd = ReferenceDir() + "/initrd.img";
    r.append = "console=ttyS0";
    r.ssh_host_port = port;
    return r;
  }

  // Starts kConcurrent VMs at once, each with the first port `picker` gives
  // (as run set-up does) and `picker` for retries. Returns one error per
  // start ("" when it started). Each starting thread lives until Release(),
  // as a suite's worker does while its run lasts: QEMU dies with the thread
  // that started it (PR_SET_PDEATHSIG).
  std::vector<std::string> StartAll(PortPicker& picker,
                                    std::vector<VmSession>& vms) {
    services_.backend = backend_.get();
    services_.launcher = &launcher_;
    services_.clock = &clock_;
    services_.ports = &picker;
    std::vector<std::string> errors(kConcurrent);
    std::latch started(kConcurrent);
    std::shared_future<void> release = release_.get_future().share();
    for (int i = 0; i < kConcurrent; ++i) {
      threads_.emplace_back([&, i, release] {
        try {
          BootRequest req = Request(i, picker.Pick());
          BootIntoSession(vms[i], req, "boot", req.run_dir, "vm", "console", {},
                          services_);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
        started.count_down();
        release.wait();
      });
    }
    started.wait();
    return errors;
  }
  void Release() {
    release_.set_value();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  RunServices services_;
  std::promise<void> release_;
  std::vector<std::thread> threads_;
  PosixProcessLauncher launcher_;
  SystemClock clock_;
  std::string dir_;
  Profile profile_;
  std::unique_ptr<QemuBackend> backend_;
};

// Every one of 8 concurrent starts is first handed a port that is taken (the
// picker's choice, then taken before QEMU binds it); each is started again
// on a fresh port and holds it. Before, the VM did not start ("Could
// not set up host forwarding rule"), and the run could not measure.
TEST_F(PortRaceTest,
       ATakenPortIsRetriedWithAFreshOneAtEachOfManyConcurrentStarts) {
  OccupiedPort taken;
  CollidingPicker picker(taken.port(),
                         2 * kConcurrent);  // some starts collide twice
  std::vector<VmSession> vms(kConcurrent);
  auto errors = StartAll(picker, vms);
  std::set<int> ports;
  for (int i = 0; i < kConcurrent; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(errors[i], "");
    ASSERT_TRUE(vms[i].guest);
    EXPECT_NE(vms[i].ssh_host_port, taken.port());
    ASSERT_FALSE(vms[i].ports_taken.empty());
    EXPECT_EQ(vms[i].ports_taken[0], taken.port());
    ports.insert(vms[i].ssh_host_port);
    // QEMU bound the port it reports, and runs with it.
    EXPECT_TRUE(Held(vms[i].ssh_host_port))
        << vms[i].guest->Ended().value_or("running");
    std::string argv;
    for (const auto& a : vms[i].guest->Describe()) argv += a + " ";
    EXPECT_NE(
        argv.find("127.0.0.1:" + std::to_string(vms[i].ssh_host_port) + "-:22"),
        std::string::npos)
        << argv;
  }
  EXPECT_EQ(ports.size(), static_cast<size_t>(kConcurrent))
      << "two VMs share a port";
  Release();
}

// The real picker, 8 starts at once: distinct ports, each bound by its QEMU.
TEST_F(PortRaceTest, ManyConcurrentStartsGetDistinctBoundPorts) {
  LoopbackPortPicker picker;
  std::vector<VmSession> vms(kConcurrent);
  auto errors = StartAll(picker, vms);
  std::set<int> ports;
  for (int i = 0; i < kConcurrent; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(errors[i], "");
    ports.insert(vms[i].ssh_host_port);
    EXPECT_TRUE(Held(vms[i].ssh_host_port))
        << vms[i].guest->Ended().value_or("running");
  }
  EXPECT_EQ(ports.size(), static_cast<size_t>(kConcurrent));
  Release();
}

// A port that stays taken however often it is tried: a bounded number of
// starts, then a clear error that says so (could not measure), no QEMU left.
TEST_F(PortRaceTest, RetriesAreBoundedWithAClearError) {
  OccupiedPort taken;
  CollidingPicker picker(taken.port(), 1000);
  RunServices services;
  services.backend = backend_.get();
  services.launcher = &launcher_;
  services.clock = &clock_;
  services.ports = &picker;
  VmSession vm;
  BootRequest req = Request(0, picker.Pick());
  try {
    BootIntoSession(vm, req, "boot", req.run_dir, "vm", "console", {},
                    services);
    FAIL() << "started on a taken port";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("Could not set up host forwarding rule"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find(std::to_string(kPortAttempts) + " ports were tried"),
              std::string::npos)
        << what;
  }
  EXPECT_EQ(vm.ports_taken.size(), static_cast<size_t>(kPortAttempts - 1));
  EXPECT_TRUE(QemuProcessesMatching(req.name).empty());
}

}  // namespace
}  // namespace bootgate::testing
