// The libvirt backend's serial console: the domain's pty read through
// libvirt's own console stream (virDomainOpenConsole), which works over any
// libvirt connection, local or qemu+ssh://, with no port or socket opened on
// the hypervisor host. The Guest wraps it in a StampingByteStream like the
// QEMU backend's pipe, so both backends stamp console bytes the same way.
#pragma once

#include <libvirt/libvirt.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "util/byte_stream.h"

namespace bootgate {

/// Bytes of a libvirt console stream. A pump thread receives from the
/// stream (blocking) as soon as libvirt delivers and hands each chunk on
/// through a pipe, so Read has the ByteStream timeout contract; Write sends
/// keystrokes back through the stream. Read reports kEof once the stream
/// ends (the domain stopped or was destroyed). Owns the stream.
class LibvirtConsoleStream : public ByteStream {
 public:
  /// Opens the console of `dom` (its first serial port), taking it over
  /// from any other client. Throws Error naming `name` on failure.
  LibvirtConsoleStream(virConnectPtr conn, virDomainPtr dom,
                       const std::string& name);
  ~LibvirtConsoleStream() override;
  LibvirtConsoleStream(const LibvirtConsoleStream&) = delete;
  LibvirtConsoleStream& operator=(const LibvirtConsoleStream&) = delete;

  ReadStatus Read(char* buf, size_t size, Duration timeout,
                  size_t* got) override;
  /// Throws Error once the stream has ended.
  void Write(std::string_view data) override;
  /// Ends the stream and the pump (idempotent; the destructor calls it).
  void Close();

 private:
  void Pump();
  std::string name_;
  virStreamPtr stream_ = nullptr;
  int read_fd_ = -1;
  int write_fd_ = -1;  // the pump's end; closed by the pump when it ends
  std::unique_ptr<FdByteStream> reader_;
  std::mutex send_mu_;
  std::atomic<bool> ended_{false};
  std::atomic<bool> closing_{false};
  std::thread pump_;
};

}  // namespace bootgate
