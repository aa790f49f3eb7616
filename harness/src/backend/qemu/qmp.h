// A small QMP (QEMU Machine Protocol) client over an already-connected
// socket: capabilities negotiation, commands with timeouts, and events
// stamped with their receive time.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "util/clock.h"

namespace bootgate {

class QmpClient {
 public:
  /// Takes ownership of `fd` (a connected stream socket).
  QmpClient(int fd, const Clock* clock, TimePoint t0);
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  /// Reads the greeting and sends qmp_capabilities. Throws Error on failure.
  void Handshake(Duration timeout);
  /// Runs a command; returns its "return" value; throws Error on an error
  /// reply, a timeout or a closed connection.
  nlohmann::json Execute(const std::string& command,
                         const nlohmann::json& arguments, Duration timeout);
  std::vector<GuestEvent> Events() const;
  /// The QEMU version from the greeting ("7.2.22"), once handshaken.
  std::string version() const;
  bool closed() const;

 private:
  void ReadLoop();
  void Send(const nlohmann::json& j);

  int fd_;
  const Clock* clock_;
  TimePoint t0_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<nlohmann::json> replies_;  // guarded by mu_
  std::vector<GuestEvent> events_;
  nlohmann::json greeting_;
  bool closed_ = false;
  bool stop_ = false;
  int next_id_ = 1;
  std::thread reader_;
};

}  // namespace bootgate
