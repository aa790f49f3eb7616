// Live progress for people: the phase each run is in and its elapsed time
// against the budget, redrawn in place on a terminal, one line per change
// otherwise (CI logs).
#pragma once

#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>

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
/// redrawn in place; otherwise one plain line per phase change and per note,
/// never an escape sequence. `quiet`: nothing at all.
class TerminalProgress : public Progress {
 public:
  /// `tty`: whether `out` is a terminal (isatty of its descriptor).
  TerminalProgress(FILE* out, bool quiet, bool tty);
  void Update(const std::string& label, const std::string& phase, double elapsed_s,
              std::optional<double> budget_s) override;
  void Note(const std::string& label, const std::string& text) override;
  void Done(const std::string& label) override;

 private:
  void Redraw();
  void Clear();
  FILE* out_;
  bool tty_;
  bool quiet_;
  std::mutex mu_;
  std::map<std::string, std::string> live_;     // label -> status line
  std::map<std::string, std::string> last_phase_;
  int drawn_lines_ = 0;
};

}  // namespace bootgate
