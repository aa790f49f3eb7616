# photon-test stand-in: writes the kickstart's hostname (or the default
# photon-<12 hex>) into the target's /etc/hostname and /etc/hosts.
import os

import commons

install_phase = commons.POST_INSTALL
enabled = True


def execute(installer):
    hostname = installer.install_config["hostname"]
    root = installer.photon_root
    with open(os.path.join(root, "etc/hostname"), "w") as f:
        f.write(hostname + "\n")
    with open(os.path.join(root, "etc/hosts"), "w") as f:
        f.write("127.0.0.1\tlocalhost\n::1\tlocalhost ipv6-localhost ipv6-loopback\n")
        f.write(f"127.0.0.1\t{hostname}\n")
