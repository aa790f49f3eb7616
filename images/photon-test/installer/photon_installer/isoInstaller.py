# photon-test stand-in for photon_installer/isoInstaller.py: reads the
# kernel command line (ks=, repos=, photon.media=, insecure_installation=,
# photon.media.mount_retry=), mounts the media (photon.media=cdrom needs
# /dev/cdrom), loads the kickstart and runs the Installer; any error of
# the Installer comes out as "Failed with error: ...".
import json
import os
import shlex
import subprocess
import time
import urllib.request
import ssl

from defaults import Defaults
from device import Device
from installer import Installer
from jsonwrapper import JsonWrapper


class IsoInstaller(object):
    def __init__(self, options):
        install_config = None
        self.media_mount_path = None
        photon_media = None
        ks_path = options.install_config_file
        repo_paths = options.repo_paths
        self.insecure_installation = Defaults.INSECURE_INSTALLATION
        self.retry_mount_media = 3

        with open('/proc/cmdline', 'r') as f:
            kernel_params = shlex.split(f.read().replace('\n', ''))
        for arg in kernel_params:
            if arg.startswith("ks="):
                ks_path = ks_path or arg[len("ks="):]
            elif arg.startswith("repos="):
                repo_paths = repo_paths or arg[len("repos="):]
            elif arg.startswith("photon.media="):
                photon_media = arg[len("photon.media="):]
            elif arg.startswith("insecure_installation="):
                self.insecure_installation = bool(int(arg[len("insecure_installation="):]))
            elif arg.startswith("photon.media.mount_retry="):
                self.retry_mount_media = int(arg[len("photon.media.mount_retry="):])

        if photon_media:
            self.media_mount_path = self.mount_media(photon_media)

        if not repo_paths:
            if self.media_mount_path:
                repo_paths = self.media_mount_path + "/RPMS"
            else:
                print("Please specify RPM repo path.")
                return

        if ks_path:
            install_config = self._load_ks_config(ks_path)

        try:
            installer = Installer(repo_paths=repo_paths, log_path="/var/log",
                                  insecure_installation=self.insecure_installation,
                                  photon_release_version=options.photon_release_version,
                                  media_mount_path=self.media_mount_path)
            installer.configure(install_config)
            installer.execute()
        except Exception as err:
            raise Exception(f"Failed with error: {err}")

    def _load_ks_config(self, path):
        if path.startswith("http://") and not self.insecure_installation:
            raise Exception("Refusing to download kick start configuration from non-https URLs. \
                            \nPass insecure_installation=1 as a parameter when giving http url in ks.")
        if path.startswith("https://") or path.startswith("http://"):
            context = ssl._create_unverified_context() if self.insecure_installation else None
            wait = 1
            err_msg = ""
            for _ in range(0, 5):
                try:
                    with urllib.request.urlopen(path, timeout=3, context=context) as response:
                        return json.loads(response.read().decode())
                except Exception as e:
                    err_msg = e
                print("error msg: {0}  Retry after {1} seconds".format(err_msg, wait))
                time.sleep(wait)
                wait = wait * 2
            print("Failed to get the kickstart file at {0}".format(path))
            raise Exception(err_msg)
        if path.startswith("cdrom:/"):
            if self.media_mount_path is None:
                raise Exception("cannot read ks config from cdrom, no cdrom specified")
            path = os.path.join(self.media_mount_path, path.replace("cdrom:/", "", 1))
        elif not path.startswith("/"):
            path = os.path.join(os.getcwd(), path)
        elif len(path.split(':')) == 2:
            device, file_path = path.split(':')
            mounted = self.mount_media(device, mount_path='/mnt/ks')
            path = os.path.join(mounted, file_path.lstrip("/"))
        else:
            raise Exception("Kickstart file provided is not in correct format.")
        return JsonWrapper(path).read()

    def mount_media(self, photon_media, mount_path=Defaults.MOUNT_PATH):
        os.makedirs(mount_path, exist_ok=True)
        cmdline = ['mount']
        if photon_media.startswith("UUID="):
            cmdline.extend(['-U', photon_media[len("UUID="):]])
        elif photon_media.startswith("LABEL="):
            cmdline.extend(['-L', photon_media[len("LABEL="):]])
        elif photon_media == "cdrom":
            if not Device.check_cdrom():
                raise Exception("Cannot proceed with the installation because the installation medium "
                                "is not readable. Ensure that you select a medium connected to a SATA "
                                "interface and try again.")
            cmdline.append('/dev/cdrom')
        else:
            cmdline.append(photon_media)
        cmdline.extend(['-o', 'ro', mount_path])
        for _ in range(0, self.retry_mount_media):
            if subprocess.call(cmdline) == 0:
                return mount_path
            print("Failed to mount the device, retry in 5 seconds")
            Device.refresh_devices()
            time.sleep(5)
        print("Failed to mount the device, exiting the installer")
        print("check the logs for more details")
        raise Exception(f"Cannot mount the device {str(photon_media)}")
