#include "util/byte_stream.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace bootgate {

FdByteStream::FdByteStream(int read_fd, int write_fd, bool owns)
    : read_fd_(read_fd), write_fd_(write_fd), owns_(owns) {}

FdByteStream::~FdByteStream() {
  if (!owns_) return;
  if (read_fd_ >= 0) close(read_fd_);
  if (write_fd_ >= 0 && write_fd_ != read_fd_) close(write_fd_);
}

ReadStatus FdByteStream::Read(char* buf, size_t size, Duration timeout,
                              size_t* got) {
  if (read_fd_ < 0) return ReadStatus::kEof;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  pollfd p{read_fd_, POLLIN, 0};
  int r = poll(&p, 1, static_cast<int>(std::max<int64_t>(0, ms.count())));
  if (r == 0) return ReadStatus::kTimeout;
  if (r < 0) return errno == EINTR ? ReadStatus::kTimeout : ReadStatus::kEof;
  ssize_t n = read(read_fd_, buf, size);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return ReadStatus::kTimeout;
    return ReadStatus::kEof;
  }
  if (n == 0) return ReadStatus::kEof;
  *got = static_cast<size_t>(n);
  return ReadStatus::kData;
}

void FdByteStream::Write(std::string_view data) {
  if (write_fd_ < 0) throw Error("console", "this console cannot be written to");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(write_fd_, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd p{write_fd_, POLLOUT, 0};
        poll(&p, 1, 100);
        continue;
      }
      throw Error("console", ErrnoMessage("cannot write to the console", errno));
    }
    off += static_cast<size_t>(n);
  }
}

void FakeByteStream::Push(std::string_view bytes) {
  {
    std::lock_guard lock(mu_);
    chunks_.emplace_back(bytes);
  }
  cv_.notify_all();
}

void FakeByteStream::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

ReadStatus FakeByteStream::Read(char* buf, size_t size, Duration timeout,
                                size_t* got) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !chunks_.empty() || closed_; });
  if (chunks_.empty()) return closed_ ? ReadStatus::kEof : ReadStatus::kTimeout;
  std::string& front = chunks_.front();
  size_t n = std::min(size, front.size());
  std::memcpy(buf, front.data(), n);
  front.erase(0, n);
  if (front.empty()) chunks_.pop_front();
  *got = n;
  return ReadStatus::kData;
}

void FakeByteStream::Write(std::string_view data) {
  std::lock_guard lock(mu_);
  written_.append(data);
}

bool FakeByteStream::drained() const {
  std::lock_guard lock(mu_);
  return chunks_.empty();
}

std::string FakeByteStream::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

size_t StampingByteStream::ChunkCost(const std::string& bytes) {
  // What the queue really holds for a chunk: its buffer (the string's own
  // bytes when short) and the queue entry, plus the allocator's header, so
  // a flood of 1-byte reads is charged for what it costs, not 1 byte each.
  constexpr size_t kEntry = sizeof(std::pair<std::string, TimePoint>) + 16;
  return kEntry + (bytes.capacity() > 15 ? bytes.capacity() + 16 : 0);
}

StampingByteStream::StampingByteStream(std::unique_ptr<ByteStream> inner,
                                       const Clock* clock,
                                       size_t max_backlog_bytes)
    : StampingByteStream(inner.get(), clock, max_backlog_bytes) {
  owned_ = std::move(inner);
}

StampingByteStream::StampingByteStream(ByteStream* inner, const Clock* clock,
                                       size_t max_backlog_bytes)
    : inner_(inner), clock_(clock), max_backlog_bytes_(max_backlog_bytes) {
  reader_ = std::thread([this] { Pump(); });
}

StampingByteStream::~StampingByteStream() { StopReading(); }

void StampingByteStream::StopReading() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (reader_.joinable()) reader_.join();
  std::lock_guard lock(mu_);
  eof_ = true;  // nothing more will come
  cv_.notify_all();
}

void StampingByteStream::Pump() {
  std::vector<char> buf(1 << 16);
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock,
               [&] { return stop_ || backlog_bytes_ < max_backlog_bytes_; });
      if (stop_) return;
    }
    size_t got = 0;
    ReadStatus st = inner_->Read(buf.data(), buf.size(), std::chrono::milliseconds(50), &got);
    if (st == ReadStatus::kTimeout) continue;
    // Stamp first: the arrival time is the measurement.
    TimePoint at = inner_->LastReadArrival().value_or(clock_->Now());
    std::lock_guard lock(mu_);
    if (st == ReadStatus::kEof) {
      eof_ = true;
      cv_.notify_all();
      return;
    }
    chunks_.emplace_back(std::string(buf.data(), got), at);
    backlog_bytes_ += ChunkCost(chunks_.back().first);
    cv_.notify_all();
  }
}

ReadStatus StampingByteStream::Read(char* buf, size_t size, Duration timeout, size_t* got) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !chunks_.empty() || eof_; }))
    return ReadStatus::kTimeout;
  if (chunks_.empty()) return ReadStatus::kEof;
  auto& [bytes, at] = chunks_.front();
  size_t n = std::min(size, bytes.size());
  std::memcpy(buf, bytes.data(), n);
  *got = n;
  last_arrival_ = at;
  // A chunk costs what it holds until it leaves the queue: a partial read
  // frees nothing (erase keeps the capacity).
  if (n == bytes.size()) {
    backlog_bytes_ -= ChunkCost(bytes);
    chunks_.pop_front();
  } else {
    bytes.erase(0, n);
  }
  cv_.notify_all();  // the pump may wait for room
  return ReadStatus::kData;
}

std::optional<TimePoint> StampingByteStream::LastReadArrival() const {
  std::lock_guard lock(mu_);
  return last_arrival_;
}

}  // namespace bootgate
