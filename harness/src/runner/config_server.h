// A small HTTP server that hands an installer its unattended configuration
// (kickstart) without remastering the ISO. It listens either on a unix
// socket inside the run's private workspace, which QEMU user networking
// forwards a guest address to (guestfwd): then no other local user can
// connect to it; or on 127.0.0.1 (tests, and what a guest reaches as
// 10.0.2.2:<port> when networking is not restricted).
//
// Every client is served on its own thread with one deadline for the whole
// exchange, so a slow or silent client costs nothing to the others, and the
// request log is bounded.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bootgate {

struct ServedRequest {
  std::string method, path;
  int status = 0;  ///< 408 when the client did not send a request in time
};

struct ConfigServerOptions {
  /// Listen on this unix socket (created 0600) instead of 127.0.0.1.
  std::string unix_socket;
  /// One connection's deadline: the request head must arrive and the answer
  /// be taken within it.
  double request_timeout_s = 10;
  /// Clients served at once; more are closed at once.
  int max_clients = 16;
  /// Requests kept for requests(); older ones are dropped (counted).
  size_t max_logged = 64;
};

class ConfigServer {
 public:
  /// Serves `files` (path -> body). Throws Error when it cannot listen.
  explicit ConfigServer(std::map<std::string, std::string> files,
                        ConfigServerOptions options = {});
  /// Stops accepting, ends every connection and joins every thread; never
  /// waits for a client.
  ~ConfigServer();
  ConfigServer(const ConfigServer&) = delete;
  ConfigServer& operator=(const ConfigServer&) = delete;
  /// The TCP port, or 0 when listening on a unix socket.
  int port() const { return port_; }
  const std::string& socket_path() const { return options_.unix_socket; }
  /// The latest requests (at most max_logged; unknown paths got 404).
  std::vector<ServedRequest> requests() const;
  /// How many requests fell out of the bounded log.
  size_t dropped_requests() const;

 private:
  void Accept();
  void Handle(int fd);
  void Log(const ServedRequest& r);
  std::map<std::string, std::string> files_;
  ConfigServerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::deque<ServedRequest> requests_;
  size_t dropped_ = 0;
  int active_ = 0;
  std::condition_variable idle_;
  std::thread thread_;
};

/// Fills `{{name}}` placeholders in a template. Values are inserted as-is;
/// an unknown placeholder is an Error naming it.
std::string FillTemplate(const std::string& text,
                         const std::map<std::string, std::string>& values,
                         const std::string& template_name);

}  // namespace bootgate
