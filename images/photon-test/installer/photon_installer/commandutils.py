# photon-test stand-in: runs commands for the installer, logging their
# output, and on failure the command, its exit code and its stderr.
import crypt
import subprocess


class CommandUtils:
    def __init__(self, logger):
        self.logger = logger

    def run(self, cmd, update_env=False):
        shell = isinstance(cmd, str)
        self.logger.debug(cmd)
        p = subprocess.run(cmd, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace")
        if p.stdout:
            self.logger.info(p.stdout.rstrip("\n"))
        if p.returncode != 0:
            self.logger.error(f"Command failed: {cmd}")
            self.logger.error(f"Error code: {p.returncode}")
            self.logger.error(p.stderr.rstrip("\n"))
        return p.returncode

    def run_streamed(self, cmd, prefix):
        """Runs cmd, logging each line of its output as it comes (as
        upstream's _install_packages does with tdnf's)."""
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        for line in p.stdout:
            self.logger.info(f"{prefix}{line.rstrip()}")
        return p.wait()

    @staticmethod
    def generate_password_hash(password):
        return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))
