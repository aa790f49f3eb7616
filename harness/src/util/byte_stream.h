// Byte-stream seam: the serial console arrives as bytes from a pipe (QEMU's
// stdio chardev), a unix socket (libvirt) or, in tests, a script.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <condition_variable>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace bootgate {

/// Outcome of ByteStream::Read.
enum class ReadStatus { kData, kTimeout, kEof };

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  /// Waits up to `timeout` for bytes; on kData sets `*got` (> 0).
  virtual ReadStatus Read(char* buf, size_t size, Duration timeout,
                          size_t* got) = 0;
  /// Writes all of `data`; throws Error if the peer is gone.
  virtual void Write(std::string_view data) = 0;
};

/// Reads from `read_fd` and writes to `write_fd` (either may be -1). Does not
/// own the descriptors unless `owns` is set.
class FdByteStream : public ByteStream {
 public:
  FdByteStream(int read_fd, int write_fd, bool owns = false);
  ~FdByteStream() override;
  ReadStatus Read(char* buf, size_t size, Duration timeout,
                  size_t* got) override;
  void Write(std::string_view data) override;

 private:
  int read_fd_, write_fd_;
  bool owns_;
};

/// A scripted stream for tests: Push() bytes, Close() for EOF. Writes are
/// recorded in written(). Thread-safe.
class FakeByteStream : public ByteStream {
 public:
  void Push(std::string_view bytes);
  void Close();
  ReadStatus Read(char* buf, size_t size, Duration timeout,
                  size_t* got) override;
  void Write(std::string_view data) override;
  std::string written() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  bool closed_ = false;
  std::string written_;
};

}  // namespace bootgate
