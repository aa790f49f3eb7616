#include "runner/progress.h"

#include <chrono>

#include "util/sanitize.h"

namespace bootgate {

TerminalProgress::TerminalProgress(FILE* out, bool quiet, bool tty,
                                   const Clock* clock)
    : out_(out), tty_(tty), quiet_(quiet), clock_(clock) {}

TimePoint TerminalProgress::Now() const {
  return clock_ != nullptr ? clock_->Now() : std::chrono::steady_clock::now();
}

void TerminalProgress::Finished(const std::string& label) {
  auto phase = last_phase_.find(label);
  auto started = phase_started_.find(label);
  if (phase == last_phase_.end() || started == phase_started_.end()) return;
  const double took_s = ToSeconds(Now() - started->second.started);
  char budget[64] = "";
  if (started->second.budget_s) {
    std::snprintf(budget, sizeof budget, " (budget %.1f s%s)",
                  *started->second.budget_s,
                  took_s > *started->second.budget_s ? ", OVER" : "");
  }
  std::fprintf(out_, "  %-40s %s finished after %.2f s%s\n", label.c_str(),
               phase->second.c_str(), took_s, budget);
}

void TerminalProgress::Clear() {
  for (int i = 0; i < drawn_lines_; ++i) std::fputs("\x1b[1A\x1b[2K", out_);
  drawn_lines_ = 0;
}

void TerminalProgress::Redraw() {
  Clear();
  for (const auto& [label, line] : live_) {
    std::fprintf(out_, "%s\n", line.c_str());
    ++drawn_lines_;
  }
  std::fflush(out_);
}

void TerminalProgress::Update(const std::string& label, const std::string& phase,
                              double elapsed_s, std::optional<double> budget_s) {
  if (quiet_) return;
  char buf[256];
  if (budget_s)
    std::snprintf(buf, sizeof buf, "  %-40s %-14s %7.1f s / %.1f s budget%s",
                  label.c_str(), phase.c_str(), elapsed_s, *budget_s,
                  elapsed_s > *budget_s ? "  OVER" : "");
  else
    std::snprintf(buf, sizeof buf, "  %-40s %-14s %7.1f s", label.c_str(),
                  phase.c_str(), elapsed_s);
  std::lock_guard lock(mu_);
  if (tty_) {
    live_[label] = buf;
    Redraw();
  } else if (last_phase_[label] != phase) {
    // In logs, what finished and its figure, then the new phase without
    // one: a line per phase change, not a line per tick.
    Finished(label);
    last_phase_[label] = phase;
    phase_started_[label] = {Now(), budget_s};
    std::fprintf(out_, "  %-40s %s ...\n", label.c_str(), phase.c_str());
    std::fflush(out_);
  }
}

void TerminalProgress::Note(const std::string& label, const std::string& text) {
  if (quiet_) return;  // --quiet: the verdict line and errors only
  std::lock_guard lock(mu_);
  if (tty_) Clear();
  std::fprintf(out_, "  %s: %s\n", label.c_str(), SanitizeForTerminal(text).c_str());
  if (tty_) Redraw();
  std::fflush(out_);
}

void TerminalProgress::Done(const std::string& label) {
  if (quiet_) return;
  std::lock_guard lock(mu_);
  if (tty_) Clear();
  if (!tty_) Finished(label);
  phase_started_.erase(label);
  live_.erase(label);
  last_phase_.erase(label);
  if (tty_) Redraw();
}

}  // namespace bootgate
