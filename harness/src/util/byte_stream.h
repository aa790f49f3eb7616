// Byte-stream seam: the serial console arrives as bytes from a pipe (QEMU's
// stdio chardev), a unix socket (libvirt) or, in tests, a script.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
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
  /// When the bytes the last Read returned arrived, if this stream stamps
  /// arrivals itself (StampingByteStream); else nullopt, and the reader
  /// stamps them as it reads.
  virtual std::optional<TimePoint> LastReadArrival() const { return std::nullopt; }
};

/// Reads `inner` on its own thread from construction on and stamps every
/// chunk with its arrival time on `clock`, so that bytes a VM prints before
/// anyone reads its console (during the QMP handshake, before the Console
/// starts), or while its reader is busy matching, keep their true time. A
/// chunk `inner` already stamped (an inner StampingByteStream) keeps that
/// stamp. Read returns one chunk (or its rest) at a time; LastReadArrival
/// gives its stamp. Writes go straight to `inner`. At most
/// `max_backlog_bytes` of memory (payload and per-chunk overhead: see
/// ChunkCost) wait unread: beyond that the pump stops reading (the guest's
/// output waits in the pipe) rather than grow without bound.
class StampingByteStream : public ByteStream {
 public:
  static constexpr size_t kDefaultMaxBacklogBytes = size_t{64} << 20;
  StampingByteStream(std::unique_ptr<ByteStream> inner, const Clock* clock,
                     size_t max_backlog_bytes = kDefaultMaxBacklogBytes);
  /// Borrows `inner`, which must outlive this object (or StopReading()).
  StampingByteStream(ByteStream* inner, const Clock* clock,
                     size_t max_backlog_bytes = kDefaultMaxBacklogBytes);
  ~StampingByteStream() override;
  StampingByteStream(const StampingByteStream&) = delete;
  StampingByteStream& operator=(const StampingByteStream&) = delete;
  ReadStatus Read(char* buf, size_t size, Duration timeout, size_t* got) override;
  void Write(std::string_view data) override { inner_->Write(data); }
  std::optional<TimePoint> LastReadArrival() const override;
  /// Stops reading `inner` (idempotent; the destructor calls it): call it
  /// before whatever owns inner's descriptors closes them.
  void StopReading();
  /// The memory one queued chunk holding `bytes` costs, as counted against
  /// max_backlog_bytes.
  static size_t ChunkCost(const std::string& bytes);

 private:
  void Pump();
  std::unique_ptr<ByteStream> owned_;
  ByteStream* inner_;
  const Clock* clock_;
  size_t max_backlog_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, TimePoint>> chunks_;  // guarded by mu_
  size_t backlog_bytes_ = 0;
  bool eof_ = false;
  bool stop_ = false;
  std::optional<TimePoint> last_arrival_;
  std::thread reader_;
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
  /// True once every pushed byte has been read.
  bool drained() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  bool closed_ = false;
  std::string written_;
};

}  // namespace bootgate
