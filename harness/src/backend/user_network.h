// QEMU user networking as bootgate gives it to a guest, for both backends
// (QEMU's -netdev, and libvirt's qemu:commandline).
#pragma once

#include <string>

#include "backend/backend.h"

namespace bootgate {

/// The `-netdev user,...` option of a request with a network: `restrict=on`
/// unless `network` is "nat" (then the guest reaches the outside world and
/// this host's 127.0.0.1 as 10.0.2.2), the SSH forward on 127.0.0.1, and one
/// guestfwd per `guest_forwards` entry (with restrict=on, the only ways in
/// or out). Throws Error for a socket path QEMU would split. Pure.
std::string UserNetdev(const std::string& id, const BootRequest& request);

}  // namespace bootgate
