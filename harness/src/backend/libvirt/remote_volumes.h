// Files a remote libvirt host must see (disk images, seeds, installer ISOs,
// direct-boot kernels), copied there through the libvirt connection itself:
// a per-guest storage pool on the hypervisor host, one volume per file
// (virStorageVolUpload), removed with the guest. Nothing but libvirt's own
// transport is used, so a release host needs no shared file system.
#pragma once

#include <libvirt/libvirt.h>

#include <string>
#include <vector>

#include "util/process.h"

namespace bootgate {

/// The directory under which per-guest pools are made on a remote host.
inline constexpr const char* kRemotePoolRoot = "/var/lib/libvirt/images";

/// A storage pool named `name` (a directory under kRemotePoolRoot on the
/// hypervisor host), defined, built and started by the constructor. The
/// destructor deletes every volume in it (also files libvirt made there,
/// such as a UEFI variable store), the directory and the pool, on every
/// path. Not thread-safe.
class RemoteVolumes {
 public:
  /// Throws Error (naming the pool and libvirt's reason) if the pool cannot
  /// be made; a leftover pool of that name from a killed run is removed
  /// first.
  RemoteVolumes(virConnectPtr conn, std::string name, ProcessLauncher* launcher,
                std::string scratch_dir);
  ~RemoteVolumes();
  RemoteVolumes(const RemoteVolumes&) = delete;
  RemoteVolumes& operator=(const RemoteVolumes&) = delete;

  /// Copies `local_path` into a new volume `volume` and returns the
  /// volume's path on the hypervisor host. A qcow2 file is first flattened
  /// (qemu-img convert) so that no backing file on this host is needed
  /// there. Throws Error naming the file.
  std::string Upload(const std::string& local_path, const std::string& format,
                     const std::string& volume);
  /// Replaces `local_path` (atomically) with the content of `volume`.
  void Download(const std::string& volume, const std::string& local_path);
  /// The pool's directory on the hypervisor host.
  const std::string& dir() const { return dir_; }
  /// Bytes uploaded so far.
  long long uploaded_bytes() const { return uploaded_bytes_; }

  /// Removes the pool `name` and everything in it, if it exists. Only
  /// touches names starting with "bootgate-". Returns true if it existed.
  static bool RemoveIfExists(virConnectPtr conn, const std::string& name);

 private:
  virConnectPtr conn_;
  std::string name_;
  std::string dir_;
  ProcessLauncher* launcher_;
  std::string scratch_dir_;
  virStoragePoolPtr pool_ = nullptr;
  long long uploaded_bytes_ = 0;
};

}  // namespace bootgate
