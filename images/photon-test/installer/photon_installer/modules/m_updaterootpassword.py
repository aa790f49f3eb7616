# photon-test stand-in: puts shadow_password (made from 'password' by
# _add_defaults) into root's line of the target's /etc/shadow.
import os

import commons

install_phase = commons.POST_INSTALL
enabled = True


def execute(installer):
    shadow_password = installer.install_config["shadow_password"]
    path = os.path.join(installer.photon_root, "etc/shadow")
    with open(path) as f:
        lines = f.read().splitlines()
    out = []
    for line in lines:
        fields = line.split(":")
        if fields[0] == "root":
            fields[1] = shadow_password
            line = ":".join(fields)
        out.append(line)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
