// Password hashes for unattended installers: a kickstart carries the root
// password as a crypt(3) hash (`{"crypted": true, "text": "$6$..."}`), so
// the clear text never leaves bootgate's memory.
#pragma once

#include <string>

namespace bootgate {

/// SHA-512 crypt ("$6$<16 salt chars>$<86 chars>") of `password` with a
/// fresh random salt (libxcrypt's crypt_r); "*" (a locked account, what
/// photon-os-installer itself sets without a password) for "". Throws Error
/// if libcrypt refuses.
std::string Sha512CryptHash(const std::string& password);

/// True if `password` hashes to `hash` (crypt_r with the hash as setting).
bool CryptHashMatches(const std::string& password, const std::string& hash);

}  // namespace bootgate
