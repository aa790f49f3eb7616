# photon-test stand-in: the installer's logger, a file handler with
# timestamps and, unless the UI runs, the bare message on the console.
import logging
import os
import sys


class Logger:
    @staticmethod
    def get_logger(log_path="/var/log", log_level="info", console=True):
        logger = logging.getLogger("installer")
        if logger.handlers:
            return logger
        logger.setLevel(getattr(logging, log_level.upper(), logging.INFO))
        os.makedirs(log_path, exist_ok=True)
        fh = logging.FileHandler(os.path.join(log_path, "installer.log"))
        fh.setFormatter(logging.Formatter("%(asctime)s - %(levelname)s - %(message)s"))
        logger.addHandler(fh)
        if console:
            ch = logging.StreamHandler(sys.stdout)
            ch.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(ch)
        return logger
