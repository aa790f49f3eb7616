# photon-test stand-in (installer <= 2.7): 'public_key' is a string,
# appended with "\n" to the target's /root/.ssh/authorized_keys (anything
# else fails with Python's TypeError there), then 'PermitRootLogin no'
# becomes 'yes' in its sshd_config.
import os

import commons

install_phase = commons.POST_INSTALL
enabled = True


def execute(installer):
    if 'public_key' not in installer.install_config:
        return
    ssh_dir = os.path.join(installer.photon_root, "root/.ssh")
    keys = os.path.join(ssh_dir, "authorized_keys")
    os.makedirs(ssh_dir, exist_ok=True)
    with open(keys, "a") as out:
        out.write(installer.install_config['public_key'] + "\n")
    os.chmod(keys, 0o600)
    sshd_config = os.path.join(installer.photon_root, "etc/ssh/sshd_config")
    return installer.cmd.run(["sed", "-i", r"s/^\s*PermitRootLogin\s\+no/PermitRootLogin yes/", sshd_config]) == 0
