#include "util/password_hash.h"

#include <crypt.h>

#include <cstring>
#include <memory>

#include "util/error.h"
#include "util/text.h"

namespace bootgate {

std::string Sha512CryptHash(const std::string& password) {
  if (password.empty()) return "*";
  // 16 salt characters (96 bits), the most SHA-512 crypt uses, from the
  // crypt alphabet.
  static constexpr char kAlphabet[] =
      "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string random = RandomHex(16);
  std::string setting = "$6$";
  for (size_t i = 0; i < 16; ++i)
    setting += kAlphabet[std::stoi(random.substr(2 * i, 2), nullptr, 16) & 63];
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), setting.c_str(), data.get());
  std::string out = hash ? hash : "";
  // The clear text's copy inside libcrypt's scratch space is wiped.
  explicit_bzero(data.get(), sizeof(crypt_data));
  if (out.rfind("$6$", 0) != 0)
    throw Error("password", "libcrypt could not make a SHA-512 crypt hash");
  return out;
}

bool CryptHashMatches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const char* h = crypt_r(password.c_str(), hash.c_str(), data.get());
  bool ok = h && hash.size() > 3 && hash == h;
  explicit_bzero(data.get(), sizeof(crypt_data));
  return ok;
}

}  // namespace bootgate
