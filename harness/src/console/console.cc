#include "console/console.h"

#include <cstdio>
#include <filesystem>

#include "util/fs.h"

#include "util/error.h"
#include "util/redact.h"
#include "util/sanitize.h"

namespace bootgate {

Pattern Pattern::Compile(std::string name, const std::string& source) {
  try {
    return Pattern{std::move(name), source,
                   std::regex(source, std::regex::ECMAScript |
                                          std::regex::optimize)};
  } catch (const std::regex_error& e) {
    throw Error(name, "invalid regular expression '" + source + "': " + e.what());
  }
}

bool MatchesLine(const Pattern& pattern, std::string_view line) {
  return std::regex_search(line.begin(), line.end(), pattern.regex);
}

bool MatchesFrom(const Pattern& pattern, std::string_view line, size_t from) {
  if (from == 0) return MatchesLine(pattern, line);
  if (from > line.size()) return false;
  return std::regex_search(line.begin() + static_cast<std::ptrdiff_t>(from), line.end(),
                           pattern.regex, std::regex_constants::match_prev_avail);
}

Console::Console(ByteStream* stream, const Clock* clock, TimePoint t0,
                 ConsoleOptions options)
    : stream_(stream),
      clock_(clock),
      t0_(t0),
      options_(std::move(options)),
      splitter_(options_.max_line_bytes) {
  for (const auto& m : options_.milestones)
    milestone_patterns_.push_back(Pattern::Compile(m.phase, m.regex));
  milestone_seen_.assign(milestone_patterns_.size(), false);
  if (!options_.log_path.empty()) {
    raw_log_.open(options_.log_path + ".part", std::ios::binary | std::ios::trunc);
    if (!raw_log_)
      throw Error(options_.log_path, "cannot create the console log file");
  }
  if (!options_.timed_log_path.empty())
    timed_log_.open(options_.timed_log_path + ".part", std::ios::trunc);
}

Console::~Console() { Stop(); }

void Console::Start() { reader_ = std::thread([this] { ReadLoop(); }); }

void Console::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (reader_.joinable()) reader_.join();
  if (finalized_) return;
  finalized_ = true;
  // Logs are moved into place only once complete, so a log that exists is
  // never half-written.
  const std::vector<std::string>& secrets = options_.secrets;
  auto finish = [&secrets](std::ofstream& f, const std::string& path) {
    if (path.empty() || !f.is_open()) return;
    f.flush();
    bool ok = f.good();
    f.close();
    // A guest may echo a secret typed at it (a password sent while the tty
    // still echoes); the kept log must not hold it.
    if (ok && !secrets.empty()) {
      try {
        std::string text = ReadFile(path + ".part");
        std::string redacted = Redact(text, secrets);
        if (redacted != text) WriteFileAtomic(path + ".part", redacted);
      } catch (const Error&) {
        ok = false;
      }
    }
    std::error_code ec;
    if (ok) fs::rename(path + ".part", path, ec);
    if (!ok || ec) {
      fs::remove(path + ".part", ec);
      std::fprintf(stderr, "bootgate: could not write console log %s\n",
                   path.c_str());
    }
  };
  {
    std::lock_guard lock(mu_);
    if (!partial_.empty() && timed_log_.is_open()) {
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "[%10.3f] ", partial_t_s_);
      timed_log_ << stamp << partial_ << "\n";
    }
  }
  finish(raw_log_, options_.log_path);
  finish(timed_log_, options_.timed_log_path);
}

double Console::Since(TimePoint t) const { return ToSeconds(t - t0_); }

void Console::ReadLoop() {
  std::vector<char> buf(1 << 16);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    size_t got = 0;
    ReadStatus st = stream_->Read(buf.data(), buf.size(),
                                  std::chrono::milliseconds(100), &got);
    if (st == ReadStatus::kTimeout) continue;
    if (st == ReadStatus::kEof) {
      double t = Since(clock_->Now());
      splitter_.Flush([&](std::string_view line) { OnLine(line, t); });
      std::lock_guard lock(mu_);
      eof_ = true;
      cv_.notify_all();
      return;
    }
    // Stamp first: the receive time is the measurement (the stream's own
    // stamp when it read the bytes before this thread did).
    double t = Since(stream_->LastReadArrival().value_or(clock_->Now()));
    std::string_view chunk(buf.data(), got);
    if (raw_log_.is_open()) {
      raw_log_.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      raw_log_.flush();
    }
    splitter_.Feed(chunk, [&](std::string_view line) { OnLine(line, t); });
    std::string partial = SanitizeForTerminal(splitter_.partial());
    std::lock_guard lock(mu_);
    last_byte_s_ = t;
    bytes_received_ += got;
    if (partial != partial_) {
      // A prompt is complete when its last visible byte arrived: stamp that.
      partial_t_s_ = t;
      partial_ = std::move(partial);
      ++partial_version_;
    }
    cv_.notify_all();
  }
}

void Console::OnLine(std::string_view raw, double t_s) {
  std::string text = SanitizeForTerminal(raw);
  if (options_.echo && !text.empty()) {
    std::string shown = Redact(text, options_.secrets);
    std::fprintf(stderr, "%s%s\n", options_.echo_prefix.c_str(), shown.c_str());
  }
  std::lock_guard lock(mu_);
  // A line that was visible as the partial line keeps the time its bytes
  // first completed the visible text.
  double stamp = t_s;
  if (!partial_.empty() && text == partial_ && partial_t_s_ > 0)
    stamp = partial_t_s_;
  if (timed_log_.is_open()) {
    // The same stamp milestones and matches get, so a recording replays
    // to the same phases.
    char buf[32];
    std::snprintf(buf, sizeof buf, "[%10.3f] ", stamp);
    timed_log_ << buf << text << "\n";
  }
  partial_.clear();
  partial_t_s_ = 0;
  ++partial_version_;
  for (size_t i = 0; i < milestone_patterns_.size(); ++i) {
    if (!milestone_seen_[i] && MatchesLine(milestone_patterns_[i], text)) {
      milestone_seen_[i] = true;
      milestones_.push_back({milestone_patterns_[i].name, stamp, text.substr(0, 200)});
    }
  }
  bytes_kept_ += text.size() + sizeof(ConsoleLine);
  lines_.push_back({stamp, std::move(text)});
  while (bytes_kept_ > options_.max_bytes_kept && lines_.size() > 1) {
    bytes_kept_ -= lines_.front().text.size() + sizeof(ConsoleLine);
    lines_.pop_front();
    ++first_seq_;
  }
}

uint64_t Console::Cursor() const {
  std::lock_guard lock(mu_);
  return first_seq_ + lines_.size();
}

WaitOutcome Console::WaitFor(const std::vector<Pattern>& patterns,
                             uint64_t* cursor, TimePoint deadline,
                             Duration silence, const CancelToken* cancel) {
  std::unique_lock lock(mu_);
  uint64_t seen_partial_version = ~0ull;
  size_t partial_matched_bytes = 0;  // length of the partial line last matched
  while (true) {
    if (*cursor < first_seq_) *cursor = first_seq_;
    while (*cursor < first_seq_ + lines_.size()) {
      const ConsoleLine& line = lines_[*cursor - first_seq_];
      ++*cursor;
      partial_matched_bytes = 0;  // a line ended: the partial is a new one
      for (size_t i = 0; i < patterns.size(); ++i) {
        if (MatchesLine(patterns[i], line.text)) {
          return {WaitOutcome::kMatched, static_cast<int>(i), patterns[i].name,
                  line.text, line.t_s};
        }
      }
    }
    if (partial_version_ != seen_partial_version && !partial_.empty()) {
      seen_partial_version = partial_version_;
      // A partial line grows a few bytes at a time: re-matching all of it
      // after each read would be quadratic in its length (a guest trickling
      // a 4 KiB line), so only its new end is matched again.
      size_t from = partial_.size() >= partial_matched_bytes &&
                            partial_matched_bytes > kPartialRematchBytes
                        ? partial_matched_bytes - kPartialRematchBytes
                        : 0;
      partial_matched_bytes = partial_.size();
      for (size_t i = 0; i < patterns.size(); ++i) {
        if (MatchesFrom(patterns[i], partial_, from)) {
          // The partial line will become a complete line later; skip it then.
          return {WaitOutcome::kMatched, static_cast<int>(i), patterns[i].name,
                  partial_, partial_t_s_};
        }
      }
    }
    if (eof_) return {WaitOutcome::kEof, -1, "", "", Since(clock_->Now())};
    TimePoint now = clock_->Now();
    if (cancel && cancel->cancelled())
      return {WaitOutcome::kCancelled, -1, "", "", Since(now)};
    if (now >= deadline) return {WaitOutcome::kTimeout, -1, "", "", Since(now)};
    if (silence.count() > 0) {
      double quiet_s = Since(now) - last_byte_s_;
      if (quiet_s >= ToSeconds(silence))
        return {WaitOutcome::kSilence, -1, "", "", Since(now)};
    }
    // Poll at 50 ms at most so cancellation and fake clocks are noticed.
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

std::vector<ConsoleLine> Console::LinesSince(uint64_t cursor) const {
  std::lock_guard lock(mu_);
  std::vector<ConsoleLine> out;
  for (uint64_t i = std::max(cursor, first_seq_); i < first_seq_ + lines_.size(); ++i)
    out.push_back(lines_[i - first_seq_]);
  return out;
}

std::vector<std::string> Console::Tail(size_t n) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  size_t take = std::min(n, lines_.size());
  for (size_t i = lines_.size() - take; i < lines_.size(); ++i)
    out.push_back(lines_[i].text);
  if (!partial_.empty()) out.push_back(partial_);
  while (out.size() > n) out.erase(out.begin());
  return out;
}

std::vector<Milestone> Console::milestones() const {
  std::lock_guard lock(mu_);
  return milestones_;
}

double Console::last_byte_s() const {
  std::lock_guard lock(mu_);
  return last_byte_s_;
}

uint64_t Console::bytes_received() const {
  std::lock_guard lock(mu_);
  return bytes_received_;
}

void Console::Write(std::string_view bytes) { stream_->Write(bytes); }

}  // namespace bootgate
