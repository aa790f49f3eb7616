// Stage "explain", disk: the largest directories (`du -x -k -d 2`) and the
// largest installed packages (`dpkg-query` on Debian, `rpm -qa` on RPM
// guests such as Photon). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "result/explanation.h"

namespace bootgate {

/// `du -x -k -d N MOUNT`: "KiB<TAB>path" lines. The line for `mount` itself
/// goes to `total_mib` (0 if absent); the others are returned, largest
/// first. Lines that do not parse are skipped.
std::vector<SizedItem> ParseDuKib(std::string_view text, std::string_view mount,
                                  double* total_mib);

/// `dpkg-query -W -f='${Package} ${Installed-Size}\n'` (KiB; a package
/// without the field prints an empty size and is skipped), largest first.
std::vector<SizedItem> ParseDpkgSizes(std::string_view text);

/// `rpm -qa --qf '%{NAME} %{SIZE}\n'` (bytes), largest first.
std::vector<SizedItem> ParseRpmSizes(std::string_view text);

}  // namespace bootgate
