# photon-test stand-in for vmware/photon-os-installer's photon_installer
# package (written for bootgate's test image; not upstream code). Upstream's
# modules import each other by bare name: make that work here too.
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
for _d in (_here, os.path.join(_here, "modules")):
    if _d not in sys.path:
        sys.path.insert(0, _d)
