# photon-test stand-in: the block device helpers isoInstaller.py calls.
import os
import stat
import subprocess


class Device:
    @staticmethod
    def check_cdrom():
        """True if /dev/cdrom is a readable block device (udev's cdrom_id
        link to the first CD the kernel found)."""
        try:
            return stat.S_ISBLK(os.stat("/dev/cdrom").st_mode)
        except OSError:
            return False

    @staticmethod
    def refresh_devices():
        subprocess.call(["mdev", "-s"], stderr=subprocess.DEVNULL)
