#include "util/text.h"

#include <openssl/evp.h>

#include <vector>

namespace bootgate {

std::string Base64(std::string_view data) {
  std::vector<unsigned char> out(4 * ((data.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  return std::string(reinterpret_cast<char*>(out.data()), static_cast<size_t>(n));
}

}  // namespace bootgate
