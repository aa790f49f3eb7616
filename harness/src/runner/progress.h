// Live progress for people: on a terminal, the phase each run is in and its
// elapsed time against the budget, redrawn in place; in a CI log, what
// finished and how long it took ("boot finished after 6.07 s"), never a
// figure at the start of a phase, where it would read as a measurement.
#pragma once

#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "util/clock.h"

namespace bootgate {

class Progress {
 public:
  virtual ~Progress() = default;
  /// Run `label` is in `phase`, `elapsed_s` into it; `budget_s` if judged.
  virtual void Update(const std::string& label, const std::string& phase,
                      double elapsed_s, std::optional<double> budget_s) = 0;
  /// A one-off message for a run (verdict, warning).
  virtual void Note(const std::string& label, const std::string& text) = 0;
  /// The run is over; remove it from the live view.
  virtual void Done(const std::string& label) = 0;
};

/// Writes to a FILE (stderr). On a terminal (`tty`), a live multi-line view
/// redrawn in place. Otherwise plain lines, never an escape sequence: when a
/// run enters a phase, "<label>  <phase> ..." without a figure; when it
/// leaves it (next phase or Done), "<label>  <phase> finished after 6.07 s"
/// (the time `clock` saw between the two; with the budget when one was
/// given); and each note. `quiet`: nothing at all.
class TerminalProgress : public Progress {
 public:
  /// `tty`: whether `out` is a terminal (isatty of its descriptor).
  /// `clock`: times the phases in a log (null: the system's steady clock).
  TerminalProgress(FILE* out, bool quiet, bool tty,
                   const Clock* clock = nullptr);
  void Update(const std::string& label, const std::string& phase, double elapsed_s,
              std::optional<double> budget_s) override;
  void Note(const std::string& label, const std::string& text) override;
  void Done(const std::string& label) override;

 private:
  void Redraw();
  void Clear();
  TimePoint Now() const;
  void Finished(const std::string& label);  // in a log; mu_ held
  FILE* out_;
  bool tty_;
  bool quiet_;
  std::mutex mu_;
  std::map<std::string, std::string> live_;     // label -> status line
  std::map<std::string, std::string> last_phase_;
  struct Phase {
    TimePoint started;
    std::optional<double> budget_s;
  };
  std::map<std::string, Phase> phase_started_;  // label -> current phase
  const Clock* clock_;
  int drawn_lines_ = 0;
};

}  // namespace bootgate
