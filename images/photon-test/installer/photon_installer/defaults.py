# photon-test stand-in: the defaults the unattended ISO path reads.
class Defaults:
    MOUNT_PATH = "/mnt/media"
    WORKING_DIRECTORY = "/mnt/photon-root"
    REPO_PATHS = "/RPMS"
    INSECURE_INSTALLATION = False
