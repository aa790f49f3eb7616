#include "backend/qemu/qmp.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/error.h"

namespace bootgate {

QmpClient::QmpClient(int fd, const Clock* clock, TimePoint t0)
    : fd_(fd), clock_(clock), t0_(t0) {
  reader_ = std::thread([this] { ReadLoop(); });
}

QmpClient::~QmpClient() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  shutdown(fd_, SHUT_RDWR);
  if (reader_.joinable()) reader_.join();
  close(fd_);
}

void QmpClient::ReadLoop() {
  std::string buf;
  char chunk[8192];
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, 100);
    if (r <= 0) continue;
    ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n <= 0) break;
    double t = ToSeconds(clock_->Now() - t0_);
    buf.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      std::lock_guard lock(mu_);
      if (j.contains("QMP")) {
        greeting_ = j;
      } else if (j.contains("event")) {
        GuestEvent e;
        e.name = j["event"].get<std::string>();
        if (j.contains("data")) {
          const auto& d = j["data"];
          if (d.contains("reason") && d["reason"].is_string())
            e.detail = d["reason"].get<std::string>();
          else if (d.contains("action") && d["action"].is_string())
            e.detail = d["action"].get<std::string>();
        }
        e.t_s = t;
        events_.push_back(e);
      } else {
        replies_.push_back(j);
      }
      cv_.notify_all();
    }
    if (buf.size() > (1 << 20)) buf.clear();  // a reply this large is garbage
  }
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

void QmpClient::Send(const nlohmann::json& j) {
  std::string s = j.dump() + "\n";
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("QMP", ErrnoMessage("cannot send a command to QEMU", errno));
    }
    off += static_cast<size_t>(n);
  }
}

void QmpClient::Handshake(Duration timeout) {
  {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !greeting_.is_null() || closed_; }) ||
        greeting_.is_null())
      throw Error("QMP", "QEMU did not send its QMP greeting");
  }
  Execute("qmp_capabilities", nlohmann::json::object(), timeout);
}

nlohmann::json QmpClient::Execute(const std::string& command,
                                  const nlohmann::json& arguments,
                                  Duration timeout) {
  int id;
  {
    std::lock_guard lock(mu_);
    if (closed_) throw Error("QMP", "QEMU's QMP connection is closed (" + command + ")");
    id = next_id_++;
  }
  nlohmann::json req = {{"execute", command}, {"id", id}};
  if (!arguments.empty()) req["arguments"] = arguments;
  Send(req);
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    for (auto it = replies_.begin(); it != replies_.end(); ++it) {
      if (it->contains("id") && (*it)["id"] == id) {
        nlohmann::json reply = *it;
        replies_.erase(it);
        if (reply.contains("error")) {
          std::string desc = reply["error"].value("desc", "unknown error");
          throw Error("QMP", command + " failed: " + desc);
        }
        return reply.value("return", nlohmann::json::object());
      }
    }
    if (closed_) throw Error("QMP", "QEMU closed QMP before answering " + command);
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout)
      throw Error("QMP", "QEMU did not answer " + command + " in time");
  }
}

std::vector<GuestEvent> QmpClient::Events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::string QmpClient::version() const {
  std::lock_guard lock(mu_);
  if (greeting_.is_null()) return "";
  try {
    const auto& v = greeting_["QMP"]["version"]["qemu"];
    return std::to_string(v["major"].get<int>()) + "." +
           std::to_string(v["minor"].get<int>()) + "." +
           std::to_string(v["micro"].get<int>());
  } catch (...) {
    return "";
  }
}

bool QmpClient::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace bootgate
