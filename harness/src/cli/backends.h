// Backend construction for the CLI: picks the QEMU or libvirt backend.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "util/process.h"

namespace bootgate {

std::unique_ptr<Backend> MakeBackend(const std::string& name, const std::string& connect,
                                     ProcessLauncher* launcher, const Clock* clock,
                                     const std::string& cache_dir);
/// Destroys a libvirt domain left by a dead bootgate (leftover clean-up).
void DestroyLeftoverDomain(const std::string& uri, const std::string& domain);

}  // namespace bootgate
