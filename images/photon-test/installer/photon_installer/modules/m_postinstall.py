# photon-test stand-in: the kickstart's 'postinstall' lines, joined by
# newlines, written to /tmp/tempscripts/builtin_postinstall.sh of the
# target and run there as `chroot <root> /bin/bash -c <script>`. A failing
# script does not fail the install (the return code is only logged).
import os
import shutil

import commons

install_phase = commons.POST_INSTALL
enabled = True


def execute(installer):
    if "postinstall" not in installer.install_config:
        return
    installer.logger.info("Run postinstall script")
    tempdir = "/tmp/tempscripts"
    tempdir_full = installer.photon_root + tempdir
    os.makedirs(tempdir_full, exist_ok=True)
    script = os.path.join(tempdir_full, "builtin_postinstall.sh")
    with open(script, "w") as f:
        f.write("\n".join(installer.install_config["postinstall"]))
    os.chmod(script, 0o700)
    installer.logger.info("Running script builtin_postinstall.sh")
    installer.cmd.run(["chroot", installer.photon_root, "/bin/bash", "-c", tempdir + "/builtin_postinstall.sh"])
    shutil.rmtree(tempdir_full, ignore_errors=True)
