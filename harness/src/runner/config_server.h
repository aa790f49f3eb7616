// A loopback HTTP server that hands an installer its unattended
// configuration (kickstart) without remastering the ISO. The guest reaches it
// through QEMU user networking as 10.0.2.2:<port>.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bootgate {

struct ServedRequest {
  std::string method, path;
  int status = 0;
};

class ConfigServer {
 public:
  /// Serves `files` (path -> body) on 127.0.0.1, on a free port.
  explicit ConfigServer(std::map<std::string, std::string> files);
  ~ConfigServer();
  ConfigServer(const ConfigServer&) = delete;
  ConfigServer& operator=(const ConfigServer&) = delete;
  int port() const { return port_; }
  /// Every request so far (unknown paths got 404).
  std::vector<ServedRequest> requests() const;

 private:
  void Serve();
  std::map<std::string, std::string> files_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<ServedRequest> requests_;
  std::thread thread_;
};

/// Fills `{{name}}` placeholders in a template. Values are inserted as-is;
/// an unknown placeholder is an Error naming it.
std::string FillTemplate(const std::string& text,
                         const std::map<std::string, std::string>& values,
                         const std::string& template_name);

}  // namespace bootgate
