// Small shared pieces of the libvirt backend's files: libvirt's last error
// as text, and owning handles for the objects they create.
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <memory>
#include <string>

namespace bootgate {

/// The message of libvirt's last error on this thread.
inline std::string LastLibvirtError() {
  const char* m = virGetLastErrorMessage();
  return m ? m : "unknown libvirt error";
}

struct LibvirtVolFree {
  void operator()(virStorageVolPtr v) const { virStorageVolFree(v); }
};
struct LibvirtStreamFree {
  void operator()(virStreamPtr s) const { virStreamFree(s); }
};
/// Owning handles (freed, not deleted or aborted, on destruction).
using LibvirtVol = std::unique_ptr<virStorageVol, LibvirtVolFree>;
using LibvirtStream = std::unique_ptr<virStream, LibvirtStreamFree>;

}  // namespace bootgate
