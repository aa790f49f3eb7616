#include "runner/config_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "util/error.h"

namespace bootgate {

ConfigServer::ConfigServer(std::map<std::string, std::string> files,
                           ConfigServerOptions options)
    : files_(std::move(files)), options_(std::move(options)) {
  if (!options_.unix_socket.empty()) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (options_.unix_socket.size() >= sizeof addr.sun_path)
      throw Error(
          options_.unix_socket,
          "config server: the socket path is too long for a unix socket (" +
              std::to_string(sizeof addr.sun_path - 1) +
              " bytes at most); use a shorter state dir (BOOTGATE_STATE_DIR)");
    std::memcpy(addr.sun_path, options_.unix_socket.c_str(),
                options_.unix_socket.size() + 1);
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0)
      throw Error(ErrnoMessage("config server: socket", errno));
    unlink(options_.unix_socket.c_str());
    // Inside the private workspace and made 0600: only this user, and the
    // QEMU it starts, can connect.
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
            0 ||
        chmod(options_.unix_socket.c_str(), 0600) != 0 ||
        listen(listen_fd_, 16) != 0) {
      int err = errno;
      close(listen_fd_);
      throw Error(options_.unix_socket,
                  ErrnoMessage("config server: cannot listen", err));
    }
  } else {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0)
      throw Error(ErrnoMessage("config server: socket", errno));
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
            0 ||
        listen(listen_fd_, 16) != 0) {
      int err = errno;
      close(listen_fd_);
      throw Error(
          ErrnoMessage("config server: cannot listen on 127.0.0.1", err));
    }
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  thread_ = std::thread([this] { Accept(); });
}

ConfigServer::~ConfigServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  // Handlers poll the stop flag every 100 ms: none outlives this.
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return active_ == 0; });
  lock.unlock();
  close(listen_fd_);
  if (!options_.unix_socket.empty()) unlink(options_.unix_socket.c_str());
}

std::vector<ServedRequest> ConfigServer::requests() const {
  std::lock_guard lock(mu_);
  return {requests_.begin(), requests_.end()};
}

size_t ConfigServer::dropped_requests() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void ConfigServer::Log(const ServedRequest& r) {
  std::lock_guard lock(mu_);
  requests_.push_back(r);
  while (requests_.size() > options_.max_logged) {
    requests_.pop_front();
    ++dropped_;
  }
}

void ConfigServer::Accept() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mu_);
      if (active_ >= options_.max_clients) {
        close(fd);  // full: this client waits for no one
        continue;
      }
      ++active_;
    }
    std::thread([this, fd] {
      Handle(fd);
      close(fd);
      std::lock_guard lock(mu_);
      --active_;
      idle_.notify_all();
    }).detach();
  }
}

namespace {

using SteadyClock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline` or `stop`; true when ready.
bool WaitFor(int fd, short events, SteadyClock::time_point deadline,
             const std::atomic<bool>& stop) {
  while (!stop) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - SteadyClock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
  return false;
}

}  // namespace

void ConfigServer::Handle(int fd) {
  const auto timeout = std::chrono::milliseconds(
      static_cast<long long>(options_.request_timeout_s * 1000));
  // A unix-socket client is QEMU's guestfwd: one stream that carries every
  // guest connection's request in turn, so it is kept open for the next one.
  const bool persistent = !options_.unix_socket.empty();
  std::string buffered;
  char buf[2048];
  while (!stop_) {
    // One deadline for the whole request head, however slowly it trickles.
    auto deadline = SteadyClock::now() + timeout;
    std::string head;
    head.swap(buffered);
    bool eof = false;
    size_t end = std::string::npos;
    auto find_end = [&] {
      size_t a = head.find("\r\n\r\n");
      size_t b = head.find("\n\n");
      if (a != std::string::npos && (b == std::string::npos || a < b))
        return a + 4;
      return b == std::string::npos ? std::string::npos : b + 2;
    };
    while ((end = find_end()) == std::string::npos && head.size() < 16384) {
      // A guest connection that went quiet mid-request on the shared stream
      // only delays itself: its half is dropped at the deadline (persistent)
      // or the connection is closed.
      if (persistent && head.empty()) deadline = SteadyClock::now() + timeout;
      if (!WaitFor(fd, POLLIN, deadline, stop_)) break;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        eof = true;
        break;
      }
      head.append(buf, static_cast<size_t>(n));
    }
    if (stop_) return;
    if (end == std::string::npos) {
      if (!head.empty()) Log({"", "", 408});
      if (eof || !persistent || head.size() >= 16384) return;
      continue;  // persistent: drop the stale half and wait for the next
    }
    buffered = head.substr(end);
    head.resize(end);
    ServedRequest req;
    size_t sp1 = head.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 != std::string::npos && sp2 - sp1 - 1 <= 512) {
      req.method = head.substr(0, std::min<size_t>(sp1, 16));
      req.path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    }
    auto it = files_.find(req.path);
    std::string body, status_line;
    if (req.method != "GET" && req.method != "HEAD") {
      req.status = 405;
      status_line = "405 Method Not Allowed";
    } else if (it == files_.end()) {
      req.status = 404;
      status_line = "404 Not Found";
      body = "not found\n";
    } else {
      req.status = 200;
      status_line = "200 OK";
      body = it->second;
    }
    // Recorded before answering, so a client that got its answer sees it.
    Log(req);
    std::string resp =
        "HTTP/1.0 " + status_line +
        "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (req.method != "HEAD") resp += body;
    deadline = SteadyClock::now() + timeout;
    size_t off = 0;
    while (off < resp.size()) {
      if (!WaitFor(fd, POLLOUT, deadline, stop_)) return;
      ssize_t n = send(fd, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
    if (!persistent) return;
  }
}

std::string FillTemplate(const std::string& text,
                         const std::map<std::string, std::string>& values,
                         const std::string& template_name) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      out += text.substr(pos);
      return out;
    }
    size_t close_pos = text.find("}}", open);
    if (close_pos == std::string::npos)
      throw Error(template_name, "unterminated '{{' placeholder");
    out += text.substr(pos, open - pos);
    std::string name = text.substr(open + 2, close_pos - open - 2);
    auto it = values.find(name);
    if (it == values.end()) {
      std::string known;
      for (const auto& [k, v] : values)
        known += (known.empty() ? "" : ", ") + k;
      throw Error(template_name,
                  "unknown placeholder {{" + name + "}}; known: " + known);
    }
    out += it->second;
    pos = close_pos + 2;
  }
}

}  // namespace bootgate
