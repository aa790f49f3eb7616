#include "backend/libvirt/console_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "backend/libvirt/libvirt_handles.h"
#include "util/error.h"

namespace bootgate {
LibvirtConsoleStream::LibvirtConsoleStream(virConnectPtr conn, virDomainPtr dom,
                                           const std::string& name)
    : name_(name) {
  stream_ = virStreamNew(conn, 0);
  if (!stream_)
    throw Error(name_, "libvirt could not create a console stream: " +
                           LastLibvirtError());
  // FORCE: a console left open by an earlier client (virsh console) must
  // not keep bootgate from the boot it times.
  if (virDomainOpenConsole(dom, nullptr, stream_, VIR_DOMAIN_CONSOLE_FORCE) <
      0) {
    std::string err = LastLibvirtError();
    virStreamFree(stream_);
    throw Error(name_,
                "libvirt could not open the domain's serial console: " + err);
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) {
    int err = errno;
    virStreamAbort(stream_);
    virStreamFree(stream_);
    throw Error(name_, ErrnoMessage("cannot create the console pipe", err));
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  reader_ = std::make_unique<FdByteStream>(read_fd_, -1, true);
  pump_ = std::thread([this] { Pump(); });
}

LibvirtConsoleStream::~LibvirtConsoleStream() {
  Close();
  virStreamFree(stream_);
}

void LibvirtConsoleStream::Pump() {
  char buf[16384];
  while (!closing_) {
    int n = virStreamRecv(stream_, buf, sizeof buf);
    if (n <= 0) break;  // 0: the console closed; < 0: the stream failed
    for (int off = 0; off < n;) {
      ssize_t w = write(write_fd_, buf + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        n = -1;
        break;
      }
      off += static_cast<int>(w);
    }
    if (n < 0) break;
  }
  ended_ = true;
  close(write_fd_);  // the reader sees EOF after the last byte
}

ReadStatus LibvirtConsoleStream::Read(char* buf, size_t size, Duration timeout,
                                      size_t* got) {
  return reader_->Read(buf, size, timeout, got);
}

void LibvirtConsoleStream::Write(std::string_view data) {
  std::lock_guard lock(send_mu_);
  while (!data.empty()) {
    if (ended_) throw Error(name_, "the domain's serial console has closed");
    int n = virStreamSend(stream_, data.data(), data.size());
    if (n < 0)
      throw Error(name_,
                  "cannot type on the serial console: " + LastLibvirtError());
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void LibvirtConsoleStream::Close() {
  if (closing_.exchange(true)) {
    if (pump_.joinable()) pump_.join();
    return;
  }
  // Abort wakes a pump blocked in virStreamRecv; a stream the domain's end
  // already closed returns at once.
  if (!ended_) virStreamAbort(stream_);
  if (pump_.joinable()) pump_.join();
}

}  // namespace bootgate
