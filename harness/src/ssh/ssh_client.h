// Stage "access" over SSH: after the login prompt, bootgate logs into the
// guest with libssh (an ephemeral ed25519 key or the scenario's key/password)
// and hands the session on as a CommandChannel to sampling and checks. The
// host key is accepted for this run only and recorded; no ~/.ssh file is ever
// read or written. Connection failures are retryable; refused logins are not.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ssh/command_channel.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/error.h"

namespace bootgate {

/// Authentication was refused: retrying cannot help, so callers must not.
class SshAuthError : public Error {
 public:
  using Error::Error;
};

/// The connection could not be made or was lost before login (refused,
/// timed out, banner never received, reset during key exchange): retryable.
class SshConnectError : public Error {
 public:
  using Error::Error;
};

/// An SSH key pair (RAII over libssh's ssh_key). Move-only.
class SshKeyPair {
 public:
  /// A fresh ed25519 key; throws Error if libssh cannot make one.
  static SshKeyPair GenerateEd25519();
  /// Loads a private key file (OpenSSH or PEM); throws Error naming `path`.
  static SshKeyPair LoadPrivateKey(const std::string& path,
                                   const std::string& passphrase = "");

  SshKeyPair(SshKeyPair&& other) noexcept;
  SshKeyPair& operator=(SshKeyPair&& other) noexcept;
  SshKeyPair(const SshKeyPair&) = delete;
  SshKeyPair& operator=(const SshKeyPair&) = delete;
  ~SshKeyPair();

  /// "ssh-ed25519 AAAA... comment" (no trailing newline), the line an
  /// authorized_keys file takes. The comment is omitted when empty.
  std::string PublicKeyLine(const std::string& comment = "") const;
  /// Writes the private key in OpenSSH format, unencrypted, mode 0600.
  /// Throws Error naming `path`.
  void WritePrivateKey(const std::string& path) const;
  /// "ssh-ed25519", "ssh-rsa", ...
  std::string type() const;
  /// Opaque libssh handle (ssh_key), for the connector.
  void* handle() const { return key_; }

 private:
  explicit SshKeyPair(void* key) : key_(key) {}
  void* key_ = nullptr;  // ssh_key; void* keeps libssh out of this header
};

/// Where and as whom to log in.
struct SshTarget {
  std::string host = "127.0.0.1";
  int port = 22;
  std::string user = "root";
  const SshKeyPair* key = nullptr;  ///< used when set
  std::string password;             ///< secret; used when non-empty
  /// When set, the connection is this command's stdin/stdout (run by
  /// /bin/sh; libssh's ProxyCommand) instead of a TCP connection to
  /// host:port, e.g. an `ssh -W` through a remote hypervisor host.
  std::string proxy_command;
  /// "root@127.0.0.1:2222", for messages (never shows the password).
  std::string Describe() const;
};

/// An authenticated SSH session; Exec opens one channel per command.
class SshSession : public CommandChannel {
 public:
  std::string name() const final { return "ssh"; }
  /// The server host key's fingerprint as OpenSSH prints it: "SHA256:<b64>".
  virtual std::string host_key_sha256() const = 0;
  /// The server host key's type: "ssh-ed25519", "ecdsa-sha2-nistp256"...
  virtual std::string host_key_type() const = 0;
};

/// Opens authenticated sessions. One attempt per call.
class SshConnector {
 public:
  virtual ~SshConnector() = default;
  /// One connect + key exchange + login attempt, bounded by
  /// `attempt_timeout`. Throws SshConnectError (retryable) or SshAuthError.
  virtual std::unique_ptr<SshSession> Connect(const SshTarget& target,
                                              Duration attempt_timeout) = 0;
};

/// The real connector over libssh. Never reads ~/.ssh/config or any
/// known_hosts file; libssh logs nothing.
class LibsshConnector : public SshConnector {
 public:
  std::unique_ptr<SshSession> Connect(const SshTarget& target,
                                      Duration attempt_timeout) override;
};

/// Sleeps for the given time; ConnectWithRetry's backoff goes through it so
/// tests with a FakeClock can advance the clock instead of waiting.
using SleepFunction = std::function<void(Duration)>;

/// Calls `connector.Connect` until it succeeds or `deadline` (on `clock`)
/// passes. Makes at least one attempt; each attempt gets `attempt_timeout`,
/// cut to the time left (but never below 1 s). Retries SshConnectError after
/// a 300 ms backoff; rethrows SshAuthError at once. Checks `cancel` (may be
/// null) before each attempt and during the backoff, throwing Interrupted.
/// At the deadline throws Error with the number of attempts and the last
/// error. `sleep` defaults to a real sleep.
/// `retry_auth_errors`, when set and true at the time, makes an
/// SshAuthError retryable too (a guest whose sshd is up before its key is
/// installed).
std::unique_ptr<SshSession> ConnectWithRetry(
    SshConnector& connector, const SshTarget& target, Duration attempt_timeout,
    TimePoint deadline, const Clock& clock, const CancelToken* cancel,
    const SleepFunction& sleep = nullptr,
    const std::function<bool()>& retry_auth_errors = nullptr);

}  // namespace bootgate
