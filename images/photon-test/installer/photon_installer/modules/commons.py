# photon-test stand-in: the module phases.
PRE_INSTALL = "pre-install"
POST_INSTALL = "post-install"
