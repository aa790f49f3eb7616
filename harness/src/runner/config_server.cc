#include "runner/config_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "util/error.h"

namespace bootgate {

ConfigServer::ConfigServer(std::map<std::string, std::string> files)
    : files_(std::move(files)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw Error(ErrnoMessage("config server: socket", errno));
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 8) != 0) {
    int err = errno;
    close(listen_fd_);
    throw Error(ErrnoMessage("config server: cannot listen on 127.0.0.1", err));
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

ConfigServer::~ConfigServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
}

std::vector<ServedRequest> ConfigServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void ConfigServer::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // Read the request head, bounded in size and time.
    std::string head;
    char buf[2048];
    while (head.find("\r\n\r\n") == std::string::npos &&
           head.find("\n\n") == std::string::npos && head.size() < 16384) {
      pollfd c{fd, POLLIN, 0};
      if (poll(&c, 1, 2000) <= 0) break;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    ServedRequest req;
    size_t sp1 = head.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) {
      req.method = head.substr(0, sp1);
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
    {
      // Recorded before answering, so a client that got its answer sees it.
      std::lock_guard lock(mu_);
      requests_.push_back(req);
    }
    std::string resp = "HTTP/1.0 " + status_line +
                       "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (req.method != "HEAD") resp += body;
    size_t off = 0;
    while (off < resp.size()) {
      ssize_t n = send(fd, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fd);
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
      for (const auto& [k, v] : values) known += (known.empty() ? "" : ", ") + k;
      throw Error(template_name, "unknown placeholder {{" + name + "}}; known: " + known);
    }
    out += it->second;
    pos = close_pos + 2;
  }
}

}  // namespace bootgate
