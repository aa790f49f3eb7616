#include <cstdio>

#include "backend/qemu/qemu_backend.h"
#include "cli/backends.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "runner/workspace.h"
#include "util/paths.h"

namespace bootgate {

int CleanMain(bool probe) {
  auto left = CleanLeftovers(DefaultStateDir(), DestroyLeftoverDomain);
  AnnounceLeftovers(left);
  std::printf("%zu leftover(s) removed from %s\n", left.size(),
              DefaultStateDir().c_str());
  if (probe) {
    bool had = ForgetKvmVerdict(DefaultCacheDir());
    std::printf("%s\n",
                had ? ("forgot the cached KVM verdict in " + DefaultCacheDir() +
                       "; the next run probes again")
                          .c_str()
                    : "no cached KVM verdict to forget");
  }
  return 0;
}

}  // namespace bootgate
