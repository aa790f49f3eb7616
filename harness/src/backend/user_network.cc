#include "backend/user_network.h"

namespace bootgate {

std::string UserNetdev(const std::string& id, const BootRequest& req) {
  std::string netdev = "user,id=" + id;
  if (req.network != "nat") netdev += ",restrict=on";
  netdev += ",hostfwd=tcp:127.0.0.1:" + std::to_string(req.ssh_host_port) +
            "-:" + std::to_string(req.guest_ssh_port);
  for (const auto& f : req.guest_forwards) {
    // The socket path is parsed twice (the -netdev option, then the
    // chardev's own options): only plain paths are accepted.
    if (f.unix_socket.find_first_of(",=:") != std::string::npos)
      throw Error(
          f.unix_socket,
          "cannot forward a guest connection to a unix socket whose path has "
          "',', "
          "'=' or ':' in it; use a plainer state dir (BOOTGATE_STATE_DIR)");
    netdev += ",guestfwd=tcp:" + f.guest_addr + ":" +
              std::to_string(f.guest_port) + "-unix:" + f.unix_socket;
  }
  return netdev;
}

}  // namespace bootgate
