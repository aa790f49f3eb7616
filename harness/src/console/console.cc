#include "console/console.h"

#include <cstdio>

#include "util/redact.h"
#include "util/sanitize.h"

namespace bootgate {

Pattern Pattern::Compile(std::string name, const std::string& source) {
  Regex re(source, name);
  return Pattern{std::move(name), source, std::move(re)};
}

bool MatchesLine(const Pattern& pattern, std::string_view line) {
  return pattern.regex.Search(line);
}

namespace {

std::vector<std::string> Sources(const std::vector<Pattern>& patterns) {
  std::vector<std::string> out;
  for (const auto& p : patterns) out.push_back(p.source);
  return out;
}

std::string Stamped(double t_s, std::string_view text) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%10.3f] ", t_s);
  return stamp + std::string(text) + "\n";
}

}  // namespace

PatternSet::PatternSet(std::vector<Pattern> patterns)
    : patterns_(std::move(patterns)), set_(Sources(patterns_), "patterns") {}

std::optional<size_t> PatternSet::FirstMatch(std::string_view line) const {
  return set_.FirstMatch(line);
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
  milestone_set_.emplace(Sources(milestone_patterns_), "milestones");
  milestone_seen_.assign(milestone_patterns_.size(), false);
  if (!options_.log_path.empty())
    raw_log_ = std::make_unique<ConsoleLogWriter>(
        options_.log_path, options_.secrets, options_.log_bounds);
  if (!options_.timed_log_path.empty())
    timed_log_ = std::make_unique<ConsoleLogWriter>(
        options_.timed_log_path, options_.secrets, options_.log_bounds);
  stamped_ = std::make_unique<StampingByteStream>(stream_, clock_);
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
  if (stamped_) stamped_->StopReading();
  if (finalized_) return;
  finalized_ = true;
  // Logs are moved into place only once complete, so a log that exists is
  // never half-written; the .part files were redacted as they were written.
  {
    std::lock_guard lock(mu_);
    if (!partial_.empty() && timed_log_)
      timed_log_->Write(Stamped(partial_t_s_, partial_));
  }
  auto finish = [](std::unique_ptr<ConsoleLogWriter>& log,
                   const std::string& path) {
    if (log && !log->Finish())
      std::fprintf(stderr, "bootgate: could not write console log %s\n",
                   path.c_str());
  };
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
    ReadStatus st = stamped_->Read(buf.data(), buf.size(),
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
    // The stamp the pump took when the bytes arrived: the measurement.
    double t = Since(stamped_->LastReadArrival().value_or(clock_->Now()));
    std::string_view chunk(buf.data(), got);
    if (raw_log_) raw_log_->Write(chunk);
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
  // The same stamp milestones and matches get, so a recording replays to
  // the same phases.
  if (timed_log_) timed_log_->Write(Stamped(stamp, text));
  partial_.clear();
  partial_t_s_ = 0;
  ++partial_version_;
  for (size_t i : milestone_set_->AllMatches(text)) {
    if (!milestone_seen_[i]) {
      milestone_seen_[i] = true;
      milestones_.push_back({milestone_patterns_[i].name, stamp, text.substr(0, 200)});
    }
  }
  // Counted as held: the string's buffer (capacity), not just its text.
  bytes_kept_ += text.capacity() + sizeof(ConsoleLine);
  lines_.push_back({stamp, std::move(text)});
  while (bytes_kept_ > options_.max_bytes_kept && lines_.size() > 1) {
    bytes_kept_ -= lines_.front().text.capacity() + sizeof(ConsoleLine);
    lines_.pop_front();
    ++first_seq_;
  }
}

uint64_t Console::Cursor() const {
  std::lock_guard lock(mu_);
  return first_seq_ + lines_.size();
}

WaitOutcome Console::WaitFor(const PatternSet& patterns, uint64_t* cursor,
                             TimePoint deadline, Duration silence,
                             const CancelToken* cancel) {
  std::unique_lock lock(mu_);
  uint64_t seen_partial_version = ~0ull;
  while (true) {
    if (*cursor < first_seq_) *cursor = first_seq_;
    while (*cursor < first_seq_ + lines_.size()) {
      const ConsoleLine& line = lines_[*cursor - first_seq_];
      ++*cursor;
      if (auto i = patterns.FirstMatch(line.text)) {
        return {WaitOutcome::kMatched, static_cast<int>(*i), patterns[*i].name,
                line.text, line.t_s};
      }
    }
    if (partial_version_ != seen_partial_version && !partial_.empty()) {
      seen_partial_version = partial_version_;
      // The whole partial line, every time it changed: RE2 is linear and the
      // line is bounded by max_line_bytes, so a guest trickling a long line
      // costs at most max_line_bytes per read, and anchors see the real line.
      if (auto i = patterns.FirstMatch(partial_)) {
        // The partial line will become a complete line later; skip it then.
        return {WaitOutcome::kMatched, static_cast<int>(*i), patterns[*i].name,
                partial_, partial_t_s_};
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
