# photon-test stand-in (installer >= 2.8): 'public_key' is a dictionary
# {"key": ..., "reason": ...}; a string fails an assertion. The key is
# appended to the target's /root/.ssh/authorized_keys, then
# 'PermitRootLogin no' becomes 'yes' in its sshd_config.
import os

import commons

install_phase = commons.POST_INSTALL
enabled = True


def execute(installer):
    if 'public_key' not in installer.install_config:
        return
    pubkey_config = installer.install_config['public_key']
    assert type(pubkey_config) is dict, "'public_key' setting must be a dictionary with the keys 'key' and 'reason'"
    assert 'reason' in pubkey_config, "need to set a reason to add a public key"
    installer.logger.info(f"add public key for reason '{pubkey_config['reason']}'")
    ssh_dir = os.path.join(installer.photon_root, "root/.ssh")
    keys = os.path.join(ssh_dir, "authorized_keys")
    os.makedirs(ssh_dir, exist_ok=True)
    with open(keys, "a") as out:
        out.write(f"{pubkey_config['key']}\n")
    os.chmod(keys, 0o600)
    sshd_config = os.path.join(installer.photon_root, "etc/ssh/sshd_config")
    return installer.cmd.run(["sed", "-i", r"s/^\s*PermitRootLogin\s\+no/PermitRootLogin yes/", sshd_config]) == 0
