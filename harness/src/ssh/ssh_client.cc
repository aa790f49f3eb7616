#include "ssh/ssh_client.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace bootgate {
namespace {

using std::chrono::steady_clock;

ssh_key AsKey(void* p) { return static_cast<ssh_key>(p); }

std::string Secs(Duration d) { return fmt::format("{:.1f} s", ToSeconds(d)); }

/// Waits up to `slice` (at most 50 ms) for the session's socket to become
/// readable. libssh is driven non-blocking; this is the pause between pumps.
void WaitForSocket(ssh_session session, Duration slice) {
  using std::chrono::milliseconds;
  auto ms = std::chrono::duration_cast<milliseconds>(slice).count();
  int wait_ms = static_cast<int>(std::clamp<long long>(ms, 1, 50));
  socket_t fd = ssh_get_fd(session);
  if (fd == SSH_INVALID_SOCKET) {
    std::this_thread::sleep_for(milliseconds(wait_ms));
    return;
  }
  pollfd p{fd, POLLIN, 0};
  poll(&p, 1, wait_ms);
}

bool SessionLost(ssh_session session) {
  return ssh_is_connected(session) == 0 ||
         (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

struct SessionFree {
  void operator()(ssh_session s) const {
    if (ssh_is_connected(s)) ssh_disconnect(s);
    ssh_free(s);
  }
};
using SessionPtr = std::unique_ptr<ssh_session_struct, SessionFree>;

struct ChannelFree {
  void operator()(ssh_channel c) const {
    if (ssh_channel_is_open(c)) ssh_channel_close(c);
    ssh_channel_free(c);
  }
};
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelFree>;

/// Appends up to what `max_bytes` still allows; records a cut.
void AppendBounded(std::string& out, const char* data, size_t n,
                   size_t max_bytes, bool& truncated) {
  size_t room = out.size() < max_bytes ? max_bytes - out.size() : 0;
  if (n > room) truncated = true;
  out.append(data, std::min(n, room));
}

class LibsshSession : public SshSession {
 public:
  LibsshSession(SessionPtr session, std::string target, std::string key_sha256,
                std::string key_type)
      : session_(std::move(session)),
        target_(std::move(target)),
        host_key_sha256_(std::move(key_sha256)),
        host_key_type_(std::move(key_type)) {}

  std::string host_key_sha256() const override { return host_key_sha256_; }
  std::string host_key_type() const override { return host_key_type_; }

  ExecResult Exec(const std::string& command, Duration timeout,
                  size_t max_output_bytes) override {
    const auto start = steady_clock::now();
    const auto deadline = start + timeout;
    ssh_session s = session_.get();
    const std::string context = "ssh " + target_;
    auto lost = [&](const std::string& while_doing) {
      return Error(context, fmt::format("connection lost while {} command "
                                        "'{}' after {}: {}",
                                        while_doing, command,
                                        Secs(steady_clock::now() - start),
                                        ssh_get_error(s)));
    };
    auto check_deadline = [&](const std::string& while_doing,
                              ssh_channel channel) {
      if (steady_clock::now() < deadline) return;
      // Ask the guest to stop the command; best effort, the channel closes.
      if (channel) ssh_channel_request_send_signal(channel, "KILL");
      throw Error(context, fmt::format("command '{}' timed out after {} "
                                       "while {}",
                                       command, Secs(timeout), while_doing));
    };

    if (SessionLost(s)) throw lost("starting");
    ChannelPtr channel(ssh_channel_new(s));
    if (!channel) throw lost("opening a channel for");
    int rc;
    while ((rc = ssh_channel_open_session(channel.get())) == SSH_AGAIN) {
      check_deadline("opening a channel", nullptr);
      WaitForSocket(s, deadline - steady_clock::now());
    }
    if (rc != SSH_OK) throw lost("opening a channel for");
    while ((rc = ssh_channel_request_exec(channel.get(), command.c_str())) ==
           SSH_AGAIN) {
      check_deadline("starting it", channel.get());
      WaitForSocket(s, deadline - steady_clock::now());
    }
    if (rc != SSH_OK) throw lost("starting");

    ExecResult result;
    std::vector<char> buf(64 * 1024);
    for (;;) {
      bool got_data = false;
      for (int is_stderr = 0; is_stderr < 2; ++is_stderr) {
        int n = ssh_channel_read_nonblocking(
            channel.get(), buf.data(), static_cast<uint32_t>(buf.size()),
            is_stderr);
        if (n == SSH_ERROR) throw lost("reading the output of");
        if (n > 0) {
          got_data = true;
          AppendBounded(is_stderr ? result.stderr_text : result.stdout_text,
                        buf.data(), static_cast<size_t>(n), max_output_bytes,
                        result.truncated);
        }
      }
      check_deadline("reading its output", channel.get());
      if (got_data) continue;
      if (ssh_channel_is_eof(channel.get()) ||
          ssh_channel_is_closed(channel.get())) {
        break;
      }
      WaitForSocket(s, deadline - steady_clock::now());
    }
    // OpenSSH sends exit-status after EOF and before CLOSE: pump until
    // either arrives.
    int status = -1;
    for (;;) {
      status = ssh_channel_get_exit_status(channel.get());
      if (status != -1 || ssh_channel_is_closed(channel.get())) break;
      check_deadline("waiting for its exit status", channel.get());
      WaitForSocket(s, deadline - steady_clock::now());
    }
    if (status == -1 && SessionLost(s)) throw lost("running");
    result.exit_status = status;
    result.duration_s = ToSeconds(steady_clock::now() - start);
    return result;
  }

 private:
  SessionPtr session_;
  std::string target_;
  std::string host_key_sha256_;
  std::string host_key_type_;
};

/// Why a connect attempt has not finished: TCP, banner or key exchange.
std::string ConnectStage(ssh_session s) {
  socket_t fd = ssh_get_fd(s);
  if (fd == SSH_INVALID_SOCKET) return "TCP connect not finished";
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
    return "TCP connect not finished";
  }
  if (ssh_get_serverbanner(s) == nullptr) {
    return "TCP connected but no SSH banner received";
  }
  return "banner received but key exchange not finished";
}

void SetOption(ssh_session s, ssh_options_e option, const void* value,
               const char* name) {
  if (ssh_options_set(s, option, value) != SSH_OK) {
    throw Error("ssh", fmt::format("could not set libssh option {}: {}", name,
                                   ssh_get_error(s)));
  }
}

}  // namespace

// ---------------------------------------------------------------- SshKeyPair

SshKeyPair SshKeyPair::GenerateEd25519() {
  ssh_key key = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK || !key) {
    throw Error("ssh", "libssh could not generate an ed25519 key");
  }
  return SshKeyPair(key);
}

SshKeyPair SshKeyPair::LoadPrivateKey(const std::string& path,
                                      const std::string& passphrase) {
  ssh_key key = nullptr;
  int rc = ssh_pki_import_privkey_file(
      path.c_str(), passphrase.empty() ? nullptr : passphrase.c_str(), nullptr,
      nullptr, &key);
  if (rc != SSH_OK || !key) {
    std::string why = access(path.c_str(), R_OK) != 0
                          ? ErrnoMessage("cannot read it", errno)
                          : "not a private key libssh can read, or the "
                            "passphrase is wrong";
    throw Error(path, "could not load the SSH private key: " + why);
  }
  return SshKeyPair(key);
}

SshKeyPair::SshKeyPair(SshKeyPair&& other) noexcept : key_(other.key_) {
  other.key_ = nullptr;
}

SshKeyPair& SshKeyPair::operator=(SshKeyPair&& other) noexcept {
  if (this != &other) {
    if (key_) ssh_key_free(AsKey(key_));
    key_ = other.key_;
    other.key_ = nullptr;
  }
  return *this;
}

SshKeyPair::~SshKeyPair() {
  if (key_) ssh_key_free(AsKey(key_));
}

std::string SshKeyPair::type() const {
  const char* t = ssh_key_type_to_char(ssh_key_type(AsKey(key_)));
  return t ? t : "unknown";
}

std::string SshKeyPair::PublicKeyLine(const std::string& comment) const {
  char* b64 = nullptr;
  if (ssh_pki_export_pubkey_base64(AsKey(key_), &b64) != SSH_OK || !b64) {
    throw Error("ssh", "libssh could not export the public key");
  }
  std::string line = type() + " " + b64;
  ssh_string_free_char(b64);
  if (!comment.empty()) line += " " + comment;
  return line;
}

void SshKeyPair::WritePrivateKey(const std::string& path) const {
  char* b64 = nullptr;
  if (ssh_pki_export_privkey_base64(AsKey(key_), nullptr, nullptr, nullptr,
                                    &b64) != SSH_OK ||
      !b64) {
    throw Error(path, "libssh could not export the private key");
  }
  std::string text = b64;
  ssh_string_free_char(b64);
  if (text.empty() || text.back() != '\n') text += '\n';
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
                                  O_NOFOLLOW, 0600);
  if (fd < 0) {
    throw Error(path, ErrnoMessage("could not create the private key file",
                                   errno));
  }
  // An existing file keeps its old mode on O_CREAT: force 0600 before writing.
  bool ok = fchmod(fd, 0600) == 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  int err = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(path.c_str());
    throw Error(path, ErrnoMessage("could not write the private key", err));
  }
}

// ----------------------------------------------------------------- SshTarget

std::string SshTarget::Describe() const {
  bool v6 = host.find(':') != std::string::npos;
  return user + "@" + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + (proxy_command.empty() ? "" : " (tunnelled)");
}

// ----------------------------------------------------------- LibsshConnector

std::unique_ptr<SshSession> LibsshConnector::Connect(const SshTarget& target,
                                                     Duration attempt_timeout) {
  const auto start = steady_clock::now();
  const auto deadline = start + attempt_timeout;
  const std::string context = "ssh " + target.Describe();

  SessionPtr owner(ssh_new());
  if (!owner) throw Error(context, "libssh could not create a session");
  ssh_session s = owner.get();

  int verbosity = SSH_LOG_NOLOG;
  SetOption(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity, "LOG_VERBOSITY");
  ssh_set_log_level(SSH_LOG_NOLOG);
  // Never read ~/.ssh/config or /etc/ssh/ssh_config, and never read or write
  // a known_hosts file: the guest's host key is new each run.
  bool process_config = false;
  SetOption(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config, "PROCESS_CONFIG");
  SetOption(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null", "KNOWNHOSTS");
  SetOption(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null", "GLOBAL_KNOWNHOSTS");
  int strict = 0;
  SetOption(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict, "STRICTHOSTKEYCHECK");
  SetOption(s, SSH_OPTIONS_HOST, target.host.c_str(), "HOST");
  unsigned int port = static_cast<unsigned int>(target.port);
  SetOption(s, SSH_OPTIONS_PORT, &port, "PORT");
  SetOption(s, SSH_OPTIONS_USER, target.user.c_str(), "USER");
  if (!target.proxy_command.empty())
    SetOption(s, SSH_OPTIONS_PROXYCOMMAND, target.proxy_command.c_str(), "PROXYCOMMAND");
  // Also bounds libssh's own waits, should any run in blocking mode.
  long timeout_s = std::max<long>(
      1, static_cast<long>(std::ceil(ToSeconds(attempt_timeout))));
  SetOption(s, SSH_OPTIONS_TIMEOUT, &timeout_s, "TIMEOUT");
  ssh_set_blocking(s, 0);

  int rc;
  while ((rc = ssh_connect(s)) == SSH_AGAIN) {
    if (steady_clock::now() >= deadline) {
      throw SshConnectError(context, fmt::format("timed out after {} ({})",
                                                 Secs(attempt_timeout),
                                                 ConnectStage(s)));
    }
    WaitForSocket(s, std::chrono::milliseconds(20));
  }
  if (rc != SSH_OK) {
    throw SshConnectError(context,
                          fmt::format("could not connect: {}", ssh_get_error(s)));
  }

  std::string key_sha256, key_type;
  {
    ssh_key server_key = nullptr;
    if (ssh_get_server_publickey(s, &server_key) != SSH_OK || !server_key) {
      throw SshConnectError(context, "the server sent no host key");
    }
    unsigned char* hash = nullptr;
    size_t hash_len = 0;
    if (ssh_get_publickey_hash(server_key, SSH_PUBLICKEY_HASH_SHA256, &hash,
                               &hash_len) == SSH_OK) {
      char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
                                          hash_len);
      if (fp) {
        key_sha256 = fp;
        ssh_string_free_char(fp);
      }
      ssh_clean_pubkey_hash(&hash);
    }
    const char* t = ssh_key_type_to_char(ssh_key_type(server_key));
    key_type = t ? t : "unknown";
    ssh_key_free(server_key);
    if (key_sha256.empty()) {
      throw Error(context, "could not fingerprint the server's host key");
    }
  }

  // Runs one libssh auth call to completion (non-blocking pumping).
  auto pump_auth = [&](auto call, const char* method) {
    int r;
    while ((r = call()) == SSH_AUTH_AGAIN) {
      if (steady_clock::now() >= deadline) {
        throw SshConnectError(
            context, fmt::format("timed out after {} during {} login",
                                 Secs(attempt_timeout), method));
      }
      WaitForSocket(s, std::chrono::milliseconds(20));
    }
    if (r == SSH_AUTH_ERROR) {
      throw SshConnectError(
          context, fmt::format("connection failed during {} login: {}", method,
                               ssh_get_error(s)));
    }
    return r;
  };

  std::vector<std::string> refused;
  bool logged_in = false;
  if (target.key) {
    ssh_key key = AsKey(target.key->handle());
    int r = pump_auth(
        [&] { return ssh_userauth_publickey(s, nullptr, key); }, "public key");
    logged_in = r == SSH_AUTH_SUCCESS;
    if (!logged_in) refused.push_back(target.key->type() + " key");
  }
  if (!logged_in && !target.password.empty()) {
    int r = pump_auth(
        [&] {
          return ssh_userauth_password(s, nullptr, target.password.c_str());
        },
        "password");
    logged_in = r == SSH_AUTH_SUCCESS;
    if (!logged_in) refused.push_back("password");
  }
  if (!logged_in && !target.key && target.password.empty()) {
    int r = pump_auth([&] { return ssh_userauth_none(s, nullptr); }, "none");
    logged_in = r == SSH_AUTH_SUCCESS;
    if (!logged_in) refused.push_back("login without credentials");
  }
  if (!logged_in) {
    std::string what;
    for (const auto& r : refused) what += (what.empty() ? "" : ", ") + r;
    throw SshAuthError(context,
                       fmt::format("the server refused the login as '{}' ({})",
                                   target.user, what));
  }
  return std::make_unique<LibsshSession>(std::move(owner), target.Describe(),
                                         std::move(key_sha256),
                                         std::move(key_type));
}

// ---------------------------------------------------------- ConnectWithRetry

std::unique_ptr<SshSession> ConnectWithRetry(
    SshConnector& connector, const SshTarget& target, Duration attempt_timeout,
    TimePoint deadline, const Clock& clock, const CancelToken* cancel,
    const SleepFunction& sleep, const std::function<bool()>& retry_auth_errors) {
  constexpr Duration kBackoff = std::chrono::milliseconds(300);
  constexpr Duration kMinAttempt = std::chrono::seconds(1);
  const TimePoint start = clock.Now();
  auto backoff = [&](Duration d) {
    if (sleep) {
      sleep(d);
      return;
    }
    auto end = steady_clock::now() + d;
    while (steady_clock::now() < end) {
      if (cancel) cancel->ThrowIfCancelled();
      std::this_thread::sleep_for(std::min<Duration>(
          std::chrono::milliseconds(50), end - steady_clock::now()));
    }
  };

  int attempts = 0;
  std::string last_error;
  for (;;) {
    if (cancel) cancel->ThrowIfCancelled();
    Duration left = deadline - clock.Now();
    Duration this_attempt =
        std::max(std::min(attempt_timeout, left), kMinAttempt);
    ++attempts;
    try {
      return connector.Connect(target, this_attempt);
    } catch (const SshAuthError& e) {
      if (!retry_auth_errors || !retry_auth_errors()) throw;
      last_error = e.what();
    } catch (const SshConnectError& e) {
      // Drop the "ssh user@host:port: " prefix: the final message has it.
      last_error = e.what();
      const std::string prefix = e.context() + ": ";
      if (!e.context().empty() && last_error.rfind(prefix, 0) == 0) {
        last_error.erase(0, prefix.size());
      }
    }
    if (clock.Now() + kBackoff >= deadline) break;
    backoff(kBackoff);
  }
  if (cancel) cancel->ThrowIfCancelled();
  throw Error("ssh " + target.Describe(),
              fmt::format("could not log in within {}: {} attempt{}, last "
                          "error: {}",
                          Secs(clock.Now() - start), attempts,
                          attempts == 1 ? "" : "s", last_error));
}

}  // namespace bootgate
