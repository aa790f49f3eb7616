#include "console/console_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {

std::string DroppedMarker(uint64_t dropped_bytes) {
  return "\n[bootgate: " + std::to_string(dropped_bytes) +
         " bytes of console output dropped here; the log keeps its head and "
         "tail]\n";
}

ConsoleLogWriter::ConsoleLogWriter(std::string path,
                                   std::vector<std::string> secrets,
                                   LogBounds bounds)
    : path_(std::move(path)), redactor_(std::move(secrets)), bounds_(bounds) {
  const std::string part = path_ + ".part";
  fd_ = ::open(part.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(part, std::string("cannot create the console log file: ") +
                          strerror(errno));
}

ConsoleLogWriter::~ConsoleLogWriter() {
  // Not finished (an exception unwinding, a crash of the run): the .part
  // file stays, redacted and bounded, for `bootgate clean` or a post-mortem.
  if (fd_ >= 0) ::close(fd_);
}

bool ConsoleLogWriter::Put(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void ConsoleLogWriter::Write(std::string_view bytes) {
  if (finished_ || !ok_) return;
  Append(redactor_.Feed(bytes));
}

void ConsoleLogWriter::Append(std::string_view redacted) {
  if (head_ < bounds_.head_bytes && marker_ == 0) {
    size_t room = static_cast<size_t>(bounds_.head_bytes - head_);
    std::string_view into_head = redacted.substr(0, room);
    ok_ = ok_ && Put(into_head);
    head_ += into_head.size();
    redacted.remove_prefix(into_head.size());
  }
  if (redacted.empty()) return;
  ok_ = ok_ && Put(redacted);
  tail_ += redacted.size();
  // Cutting back to tail_bytes once the tail reaches twice that costs one
  // copy of tail_bytes per tail_bytes written: linear overall.
  if (tail_ > 2 * bounds_.tail_bytes) Compact(bounds_.tail_bytes);
}

void ConsoleLogWriter::Compact(size_t keep_tail) {
  if (!ok_ || tail_ <= keep_tail) return;
  std::string kept(keep_tail, '\0');
  uint64_t from = head_ + marker_ + (tail_ - keep_tail);
  size_t got = 0;
  while (got < kept.size()) {
    ssize_t n = ::pread(fd_, kept.data() + got, kept.size() - got,
                        static_cast<off_t>(from + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok_ = false;
      return;
    }
    got += static_cast<size_t>(n);
  }
  dropped_ += tail_ - keep_tail;
  std::string marker = DroppedMarker(dropped_);
  // Truncate first: a run killed half-way leaves the head and less tail,
  // never more than the bound.
  ok_ = ::ftruncate(fd_, static_cast<off_t>(head_)) == 0 &&
        ::lseek(fd_, static_cast<off_t>(head_), SEEK_SET) >= 0 && Put(marker) &&
        Put(kept);
  marker_ = marker.size();
  tail_ = keep_tail;
}

bool ConsoleLogWriter::Finish() {
  if (finished_) return ok_;
  finished_ = true;
  Append(redactor_.Flush());
  if (tail_ > bounds_.tail_bytes) Compact(bounds_.tail_bytes);
  ok_ = ok_ && ::fsync(fd_) == 0;
  ok_ = ::close(fd_) == 0 && ok_;
  fd_ = -1;
  const std::string part = path_ + ".part";
  std::error_code ec;
  if (ok_) fs::rename(part, path_, ec);
  if (!ok_ || ec) {
    fs::remove(part, ec);
    ok_ = false;
  }
  return ok_;
}

}  // namespace bootgate
