#include "backend/libvirt/remote_volumes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "backend/libvirt/libvirt_handles.h"
#include "util/error.h"
#include "util/escape.h"

namespace bootgate {
namespace {

// Deletes the volumes, the directory and the pool; best effort (clean-up
// runs on error paths too), returns the first failure or "".
std::string TearDown(virStoragePoolPtr pool) {
  std::string first;
  auto note = [&](const std::string& what) {
    if (first.empty()) first = what + ": " + LastLibvirtError();
  };
  int active = virStoragePoolIsActive(pool);
  if (active == 1) {
    // Files libvirt or QEMU made in the directory (a UEFI variable store)
    // become volumes on refresh, so the directory ends up empty.
    virStoragePoolRefresh(pool, 0);
    virStorageVolPtr* vols = nullptr;
    int n = virStoragePoolListAllVolumes(pool, &vols, 0);
    for (int i = 0; i < n; ++i) {
      if (virStorageVolDelete(vols[i], 0) < 0) note("cannot delete a volume");
      virStorageVolFree(vols[i]);
    }
    free(vols);
    if (virStoragePoolDestroy(pool) < 0) note("cannot stop the pool");
  }
  if (virStoragePoolDelete(pool, 0) < 0)
    note("cannot remove the pool's directory");
  if (virStoragePoolUndefine(pool) < 0) note("cannot undefine the pool");
  return first;
}

int SendFromFd(virStreamPtr, char* data, size_t nbytes, void* opaque) {
  int fd = *static_cast<int*>(opaque);
  while (true) {
    ssize_t n = read(fd, data, nbytes);
    if (n < 0 && errno == EINTR) continue;
    return static_cast<int>(n);
  }
}

int RecvToFd(virStreamPtr, const char* data, size_t nbytes, void* opaque) {
  int fd = *static_cast<int*>(opaque);
  size_t off = 0;
  while (off < nbytes) {
    ssize_t n = write(fd, data + off, nbytes - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    off += static_cast<size_t>(n);
  }
  return static_cast<int>(nbytes);
}

}  // namespace

bool RemoteVolumes::RemoveIfExists(virConnectPtr conn,
                                   const std::string& name) {
  if (name.rfind("bootgate-", 0) != 0)
    throw Error(name,
                "refusing to remove a storage pool whose name does not start "
                "with bootgate-");
  virStoragePoolPtr pool = virStoragePoolLookupByName(conn, name.c_str());
  if (!pool) return false;
  std::string err = TearDown(pool);
  virStoragePoolFree(pool);
  if (!err.empty()) throw Error("libvirt pool " + name, err);
  return true;
}

RemoteVolumes::RemoteVolumes(virConnectPtr conn, std::string name,
                             ProcessLauncher* launcher, std::string scratch_dir)
    : conn_(conn),
      name_(std::move(name)),
      dir_(std::string(kRemotePoolRoot) + "/" + name_),
      launcher_(launcher),
      scratch_dir_(std::move(scratch_dir)) {
  RemoveIfExists(conn_, name_);
  // 0711: QEMU (libvirt's qemu user on the host) reaches the volumes, which
  // libvirt hands to it; no other local user lists them.
  std::string xml =
      "<pool type='dir'><name>" + XmlEscape(name_) + "</name><target><path>" +
      XmlEscape(dir_) +
      "</path><permissions><mode>0711</mode></permissions></target></pool>";
  pool_ = virStoragePoolDefineXML(conn_, xml.c_str(), 0);
  if (!pool_)
    throw Error("libvirt pool " + name_,
                "cannot define a storage pool at " + dir_ +
                    " on the hypervisor host: " + LastLibvirtError());
  if (virStoragePoolBuild(pool_, 0) < 0 || virStoragePoolCreate(pool_, 0) < 0) {
    std::string err = LastLibvirtError();
    TearDown(pool_);
    virStoragePoolFree(pool_);
    throw Error(
        "libvirt pool " + name_,
        "cannot create the storage pool's directory " + dir_ + ": " + err);
  }
}

RemoteVolumes::~RemoteVolumes() {
  TearDown(pool_);
  virStoragePoolFree(pool_);
}

std::string RemoteVolumes::Upload(const std::string& local_path,
                                  const std::string& format,
                                  const std::string& volume) {
  std::string source = local_path;
  std::string flat;
  if (format == "qcow2") {
    // A fresh overlay names its base by a path on this host; the copy on
    // the hypervisor host must stand alone.
    flat = scratch_dir_ + "/" + volume + ".flat";
    CommandOutput out = RunCommand(
        *launcher_, {"qemu-img", "convert", "-O", "qcow2", local_path, flat},
        std::chrono::minutes(10));
    if (!out.status.ok())
      throw Error(local_path, "qemu-img could not flatten it for upload (" +
                                  out.status.Describe() +
                                  "): " + out.stderr_text);
    source = flat;
  }
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) unlink(path.c_str());
    }
  } cleanup{flat};

  int fd = open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(local_path, ErrnoMessage("cannot open it for upload", errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};
  struct stat st {};
  fstat(fd, &st);
  long long size = st.st_size;
  std::string xml =
      "<volume><name>" + XmlEscape(volume) + "</name><capacity unit='bytes'>" +
      std::to_string(size) +
      "</capacity><allocation unit='bytes'>0</allocation><target><format "
      "type='raw'/><permissions><mode>0600</mode></permissions></target></"
      "volume>";
  virStorageVolPtr vol = virStorageVolCreateXML(pool_, xml.c_str(), 0);
  if (!vol)
    throw Error(local_path, "cannot create volume " + volume + " in pool " +
                                name_ + ": " + LastLibvirtError());
  LibvirtVol vol_owner(vol);
  virStreamPtr stream = virStreamNew(conn_, 0);
  if (!stream)
    throw Error(local_path,
                "cannot create an upload stream: " + LastLibvirtError());
  LibvirtStream stream_owner(stream);
  if (virStorageVolUpload(vol, stream, 0, static_cast<unsigned long long>(size),
                          0) < 0)
    throw Error(local_path, "libvirt refused the upload into " + volume + ": " +
                                LastLibvirtError());
  if (virStreamSendAll(stream, SendFromFd, &fd) < 0) {
    std::string err = LastLibvirtError();
    virStreamAbort(stream);
    throw Error(local_path, "the upload to the hypervisor host failed: " + err);
  }
  if (virStreamFinish(stream) < 0)
    throw Error(local_path,
                "the upload to the hypervisor host did not finish: " +
                    LastLibvirtError());
  uploaded_bytes_ += size;
  char* path = virStorageVolGetPath(vol);
  if (!path)
    throw Error(local_path, "libvirt gave no path for volume " + volume);
  std::string out = path;
  free(path);
  return out;
}

void RemoteVolumes::Download(const std::string& volume,
                             const std::string& local_path) {
  virStorageVolPtr vol = virStorageVolLookupByName(pool_, volume.c_str());
  if (!vol)
    throw Error(local_path, "no volume " + volume + " in pool " + name_ + ": " +
                                LastLibvirtError());
  LibvirtVol vol_owner(vol);
  std::string tmp = local_path + ".download";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(tmp, ErrnoMessage("cannot create it", errno));
  bool ok = false;
  struct Finish {
    int fd;
    const std::string& tmp;
    bool& ok;
    ~Finish() {
      close(fd);
      if (!ok) unlink(tmp.c_str());
    }
  } finish{fd, tmp, ok};
  virStreamPtr stream = virStreamNew(conn_, 0);
  if (!stream)
    throw Error(local_path,
                "cannot create a download stream: " + LastLibvirtError());
  LibvirtStream stream_owner(stream);
  if (virStorageVolDownload(vol, stream, 0, 0, 0) < 0)
    throw Error(local_path, "libvirt refused the download of " + volume + ": " +
                                LastLibvirtError());
  if (virStreamRecvAll(stream, RecvToFd, &fd) < 0) {
    std::string err = LastLibvirtError();
    virStreamAbort(stream);
    throw Error(local_path,
                "the download from the hypervisor host failed: " + err);
  }
  if (virStreamFinish(stream) < 0 || fsync(fd) < 0)
    throw Error(local_path,
                "the download from the hypervisor host did not finish: " +
                    LastLibvirtError());
  if (rename(tmp.c_str(), local_path.c_str()) < 0)
    throw Error(local_path,
                ErrnoMessage("cannot replace it with the download", errno));
  ok = true;
}

}  // namespace bootgate
