// Integration tests of the libssh client against a real OpenSSH sshd started
// per test on a free loopback port with its own config, host key and
// authorized_keys. Every sshd (and every session process it forked) is killed
// when its SshdServer object dies.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssh/ssh_client.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using ::testing::HasSubstr;

double SecondsSince(steady_clock::time_point t) {
  return ToSeconds(steady_clock::now() - t);
}

/// A free TCP port on 127.0.0.1 (bound to port 0, then released).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

/// Every process descended from `root` (not including it), from /proc.
std::set<pid_t> Descendants(pid_t root) {
  std::map<pid_t, std::vector<pid_t>> children;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      pid_t pid = static_cast<pid_t>(atoi(e->d_name));
      if (pid <= 0) continue;
      std::ifstream in(fmt::format("/proc/{}/stat", pid));
      std::string stat;
      std::getline(in, stat);
      auto rp = stat.rfind(')');
      if (rp == std::string::npos) continue;
      std::istringstream rest(stat.substr(rp + 2));
      char state;
      pid_t ppid = 0;
      rest >> state >> ppid;
      children[ppid].push_back(pid);
    }
    closedir(d);
  }
  std::set<pid_t> out;
  std::vector<pid_t> todo = {root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children[p]) {
      if (out.insert(c).second) todo.push_back(c);
    }
  }
  return out;
}

/// A real sshd on 127.0.0.1:<free port>, killed with all its descendants on
/// destruction.
class SshdServer {
 public:
  /// `port` 0: pick a free one.
  explicit SshdServer(const std::string& authorized_key_line, int port = 0)
      : dir_("/tmp", "bootgate-sshd-") {
    mkdir("/run/sshd", 0755);  // privilege-separation directory
    host_key_ = (dir_.path() / "hostkey").string();
    CommandOutput kg = RunCommand(
        launcher_,
        {"ssh-keygen", "-q", "-t", "ed25519", "-f", host_key_, "-N", "", "-C",
         "bootgate-test-host"},
        seconds(30));
    if (!kg.status.ok()) {
      throw Error("ssh-keygen failed: " + kg.stderr_text);
    }
    authorized_keys_ = (dir_.path() / "authorized_keys").string();
    WriteFileAtomic(authorized_keys_, authorized_key_line + "\n");
    port_ = port != 0 ? port : FreePort();
    config_ = (dir_.path() / "sshd_config").string();
    WriteFileAtomic(
        config_,
        fmt::format("Port {}\nListenAddress 127.0.0.1\nHostKey {}\n"
                    "AuthorizedKeysFile {}\nStrictModes no\n"
                    "PermitRootLogin yes\nUsePAM no\nPidFile none\n"
                    "PasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nLogLevel ERROR\n",
                    port_, host_key_, authorized_keys_));
    SpawnOptions opts;
    // This sshd stands in for a guest's, but runs commands through the
    // host user's login shell, and bash sources ~/.bashrc for commands
    // from sshd. A host's .bashrc must not decide the test: on the CI
    // machine it runs `pyenv init`, whose rehash lock, left behind when a
    // test kills a session mid-command, hangs every later command 60 s.
    // So sshd gets its own mount namespace with an empty .bashrc (plain
    // sshd where namespaces are not allowed).
    const char* home = getenv("HOME");
    std::string bashrc = std::string(home ? home : "/root") + "/.bashrc";
    opts.argv = {
        "/bin/sh", "-c",
        "if [ -f \"$2\" ] && unshare --mount true 2>/dev/null; then "
        "exec unshare --mount /bin/sh -c 'mount --bind /dev/null \"$2\" && "
        "exec /usr/sbin/sshd -D -e -f \"$1\"' sh \"$1\" \"$2\"; fi; "
        "exec /usr/sbin/sshd -D -e -f \"$1\"",
        "sh", config_, bashrc};
    opts.stderr_path = (dir_.path() / "sshd.log").string();
    child_ = launcher_.Spawn(opts);
    auto start = steady_clock::now();
    while (!CanConnect(port_)) {
      if (auto st = child_->TryWait()) {
        throw Error("sshd exited (" + st->Describe() + "): " + Log());
      }
      if (SecondsSince(start) > 10) throw Error("sshd did not listen");
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  ~SshdServer() { KillAll(); }

  /// SIGKILLs sshd and every process it forked (sessions, shells).
  void KillAll() {
    if (!child_) return;
    std::set<pid_t> tree = Descendants(child_->pid());
    child_->Signal(SIGKILL);
    for (pid_t p : tree) kill(p, SIGKILL);
    child_->WaitFor(seconds(5));
    child_.reset();
  }

  /// Kills only what sshd forked for connections, leaving the listener.
  void KillSessions() {
    for (pid_t p : Descendants(child_->pid())) kill(p, SIGKILL);
  }

  int port() const { return port_; }
  std::string host_key_pub() const { return host_key_ + ".pub"; }
  std::string Log() const {
    try {
      return ReadFile(dir_.path() / "sshd.log");
    } catch (const Error&) {
      return "";
    }
  }
  PosixProcessLauncher& launcher() { return launcher_; }

 private:
  PosixProcessLauncher launcher_;
  TempDir dir_;
  std::string host_key_, authorized_keys_, config_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

class SshClientTest : public ::testing::Test {
 protected:
  SshClientTest()
      : key_(SshKeyPair::GenerateEd25519()),
        sshd_(key_.PublicKeyLine("bootgate-test")) {
    target_.port = sshd_.port();
    target_.key = &key_;
  }

  std::unique_ptr<SshSession> Login() {
    return connector_.Connect(target_, seconds(10));
  }

  SshKeyPair key_;
  SshdServer sshd_;
  LibsshConnector connector_;
  SshTarget target_;
};

TEST_F(SshClientTest, ExecReturnsStdoutAndExitStatus) {
  auto session = Login();
  ExecResult r = session->Exec("echo hi; exit 3", seconds(10));
  EXPECT_EQ(r.stdout_text, "hi\n");
  EXPECT_EQ(r.stderr_text, "");
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_FALSE(r.truncated);
  EXPECT_GT(r.duration_s, 0);
  EXPECT_LT(r.duration_s, 5);
  // The same session runs further commands.
  ExecResult r2 = session->Exec("true", seconds(10));
  EXPECT_EQ(r2.exit_status, 0);
  EXPECT_EQ(session->name(), "ssh");
}

TEST_F(SshClientTest, ExecCapturesStderrSeparately) {
  auto session = Login();
  ExecResult r = session->Exec("echo out; echo oops >&2; exit 0", seconds(10));
  EXPECT_EQ(r.stdout_text, "out\n");
  EXPECT_EQ(r.stderr_text, "oops\n");
  EXPECT_EQ(r.exit_status, 0);
}

TEST_F(SshClientTest, LargeOutputIsBoundedOrComplete) {
  auto session = Login();
  const std::string cmd = "head -c 5000000 /dev/zero | tr '\\0' a";
  ExecResult cut = session->Exec(cmd, seconds(60), 1 << 20);
  EXPECT_EQ(cut.stdout_text.size(), size_t{1} << 20);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.exit_status, 0) << "must keep reading past the bound";

  ExecResult all = session->Exec(cmd, seconds(60), 10 << 20);
  EXPECT_FALSE(all.truncated);
  ASSERT_EQ(all.stdout_text.size(), 5000000u);
  EXPECT_EQ(all.stdout_text.find_first_not_of('a'), std::string::npos);
  EXPECT_EQ(all.exit_status, 0);
}

TEST_F(SshClientTest, HostKeyFingerprintMatchesSshKeygen) {
  auto session = Login();
  CommandOutput out = RunCommand(
      sshd_.launcher(),
      {"ssh-keygen", "-lf", sshd_.host_key_pub(), "-E", "sha256"}, seconds(10));
  ASSERT_TRUE(out.status.ok()) << out.stderr_text;
  // "256 SHA256:<b64> comment (ED25519)"
  std::istringstream in(out.stdout_text);
  std::string bits, fingerprint;
  in >> bits >> fingerprint;
  ASSERT_EQ(fingerprint.rfind("SHA256:", 0), 0u) << out.stdout_text;
  EXPECT_EQ(session->host_key_sha256(), fingerprint);
  EXPECT_EQ(session->host_key_type(), "ssh-ed25519");
}

TEST_F(SshClientTest, WrongKeyIsAnAuthErrorQuickly) {
  SshKeyPair other = SshKeyPair::GenerateEd25519();
  SshTarget t = target_;
  t.key = &other;
  auto start = steady_clock::now();
  try {
    connector_.Connect(t, seconds(10));
    FAIL() << "login with an unknown key must fail";
  } catch (const SshAuthError& e) {
    EXPECT_THAT(e.what(), HasSubstr("refused"));
    EXPECT_THAT(e.what(), HasSubstr("root@127.0.0.1"));
  }
  EXPECT_LT(SecondsSince(start), 2.0);

  // And ConnectWithRetry does not retry it.
  SystemClock clock;
  start = steady_clock::now();
  EXPECT_THROW(ConnectWithRetry(connector_, t, seconds(5),
                                clock.Now() + seconds(30), clock, nullptr),
               SshAuthError);
  EXPECT_LT(SecondsSince(start), 2.0);
}

TEST_F(SshClientTest, CommandTimeoutIsAnErrorAndSessionSurvives) {
  auto session = Login();
  auto start = steady_clock::now();
  try {
    session->Exec("sleep 20", milliseconds(800));
    FAIL() << "expected a timeout";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("timed out"));
    EXPECT_THAT(e.what(), HasSubstr("'sleep 20'"));
  }
  double took = SecondsSince(start);
  EXPECT_GE(took, 0.8);
  EXPECT_LT(took, 2.0);
  EXPECT_EQ(session->Exec("echo still", seconds(10)).stdout_text, "still\n");
}

TEST_F(SshClientTest, ServerKilledMidCommandIsAnErrorNotAHang) {
  auto session = Login();
  std::thread killer([&] {
    std::this_thread::sleep_for(milliseconds(700));
    sshd_.KillAll();
  });
  auto start = steady_clock::now();
  try {
    session->Exec("sleep 30", seconds(20));
    ADD_FAILURE() << "expected an Error when the server dies";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("connection lost"));
    EXPECT_THAT(e.what(), HasSubstr("'sleep 30'"));
  }
  killer.join();
  EXPECT_LT(SecondsSince(start), 4.0);
  // A later command on the dead session fails at once, too.
  start = steady_clock::now();
  EXPECT_THROW(session->Exec("true", seconds(10)), Error);
  EXPECT_LT(SecondsSince(start), 1.0);
}

TEST_F(SshClientTest, PrivateKeyRoundTripsThroughOpenSshFormat) {
  TempDir dir("/tmp", "bootgate-key-");
  std::string path = (dir.path() / "id_ed25519").string();
  key_.WritePrivateKey(path);
  struct stat st{};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THAT(ReadFile(path), HasSubstr("BEGIN OPENSSH PRIVATE KEY"));
  // OpenSSH itself derives the same public key from the file.
  CommandOutput out = RunCommand(sshd_.launcher(),
                                 {"ssh-keygen", "-y", "-f", path}, seconds(10));
  ASSERT_TRUE(out.status.ok()) << out.stderr_text;
  std::string derived = out.stdout_text.substr(0, out.stdout_text.find('\n'));
  std::string ours = key_.PublicKeyLine();
  EXPECT_EQ(derived.substr(0, ours.size()), ours);
  EXPECT_EQ(ours.rfind("ssh-ed25519 AAAA", 0), 0u);

  SshKeyPair loaded = SshKeyPair::LoadPrivateKey(path);
  EXPECT_EQ(loaded.PublicKeyLine("c"), ours + " c");
  SshTarget t = target_;
  t.key = &loaded;
  EXPECT_EQ(connector_.Connect(t, seconds(10))->Exec("echo ok", seconds(10))
                .stdout_text,
            "ok\n");
  EXPECT_THROW(SshKeyPair::LoadPrivateKey((dir.path() / "nope").string()),
               Error);
}

TEST_F(SshClientTest, NeverTouchesTheUsersKnownHosts) {
  const char* home = getenv("HOME");
  std::string known = std::string(home ? home : "/root") + "/.ssh/known_hosts";
  struct stat before{};
  bool existed = stat(known.c_str(), &before) == 0;
  auto session = Login();
  session->Exec("true", seconds(10));
  struct stat after{};
  bool exists = stat(known.c_str(), &after) == 0;
  EXPECT_EQ(existed, exists);
  if (existed && exists) {
    EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    EXPECT_EQ(before.st_atim.tv_nsec, after.st_atim.tv_nsec) << "was read";
  }
}

TEST(SshConnectTest, ClosedPortIsAConnectErrorQuickly) {
  SshKeyPair key = SshKeyPair::GenerateEd25519();
  SshTarget t;
  t.port = FreePort();  // nobody listens there now
  t.key = &key;
  LibsshConnector connector;
  auto start = steady_clock::now();
  try {
    connector.Connect(t, seconds(5));
    FAIL() << "expected SshConnectError";
  } catch (const SshConnectError& e) {
    EXPECT_THAT(e.what(), HasSubstr("refused"));
  }
  EXPECT_LT(SecondsSince(start), 1.0);
}

TEST(SshConnectTest, SilentListenerTimesOutWithinAttemptTimeout) {
  // A TCP listener whose kernel completes handshakes but that never speaks,
  // like QEMU's port forward before the guest's sshd is up.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);

  SshKeyPair key = SshKeyPair::GenerateEd25519();
  SshTarget t;
  t.port = ntohs(a.sin_port);
  t.key = &key;
  LibsshConnector connector;
  auto start = steady_clock::now();
  try {
    connector.Connect(t, milliseconds(1500));
    FAIL() << "expected SshConnectError";
  } catch (const SshConnectError& e) {
    EXPECT_THAT(e.what(), HasSubstr("timed out"));
    EXPECT_THAT(e.what(), HasSubstr("no SSH banner"));
  }
  double took = SecondsSince(start);
  EXPECT_GE(took, 1.4);
  EXPECT_LT(took, 2.0);
  close(fd);
}

TEST(SshConnectTest, RetryGivesUpAtDeadlineOnClosedPort) {
  SshKeyPair key = SshKeyPair::GenerateEd25519();
  SshTarget t;
  t.port = FreePort();
  t.key = &key;
  LibsshConnector connector;
  SystemClock clock;
  auto start = steady_clock::now();
  try {
    ConnectWithRetry(connector, t, seconds(1), clock.Now() + seconds(2), clock,
                     nullptr);
    FAIL() << "expected Error";
  } catch (const SshAuthError&) {
    FAIL() << "not an auth error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("attempts"));
    EXPECT_THAT(e.what(), HasSubstr("refused"));
  }
  double took = SecondsSince(start);
  EXPECT_GE(took, 1.6);
  EXPECT_LT(took, 3.0);
}

TEST(SshConnectTest, RetryLogsInOnceTheServerComesUp) {
  // The client starts trying before anything listens; sshd comes up on that
  // port a second later, as a guest's would. (sshd is started from this
  // thread: a spawned child dies with the thread that spawned it.)
  SshKeyPair key = SshKeyPair::GenerateEd25519();
  SshTarget t;
  t.port = FreePort();
  t.key = &key;
  LibsshConnector connector;
  SystemClock clock;
  auto start = steady_clock::now();
  std::unique_ptr<SshSession> session;
  std::string error;
  std::thread client([&] {
    try {
      session = ConnectWithRetry(connector, t, seconds(2),
                                 clock.Now() + seconds(15), clock, nullptr);
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  std::this_thread::sleep_for(seconds(1));
  std::unique_ptr<SshdServer> sshd;
  try {
    sshd = std::make_unique<SshdServer>(key.PublicKeyLine(), t.port);
  } catch (...) {
    client.join();
    throw;
  }
  client.join();
  ASSERT_TRUE(session) << error;
  EXPECT_GE(SecondsSince(start), 0.9);
  EXPECT_EQ(session->Exec("echo up", seconds(10)).stdout_text, "up\n");
}

}  // namespace
}  // namespace bootgate
