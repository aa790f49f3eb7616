#include "runner/serial_shell.h"

#include <thread>

#include "util/error.h"

namespace bootgate {

SerialShell::SerialShell(Console* console, const Clock* clock,
                         const CancelToken* cancel, std::string user,
                         std::string password, std::string prompt_regex)
    : console_(console), clock_(clock), cancel_(cancel), user_(std::move(user)),
      password_(std::move(password)), prompt_regex_(std::move(prompt_regex)) {}

void SerialShell::Login(Duration timeout) {
  TimePoint deadline = clock_->Now() + timeout;
  uint64_t cursor = console_->Cursor();
  console_->Write(user_ + "\n");
  const PatternSet after_user(
      {Pattern::Compile("password", R"([Pp]assword: ?$)"),
       Pattern::Compile("prompt", prompt_regex_)});
  WaitOutcome w = console_->WaitFor(after_user, &cursor, deadline, Duration(0), cancel_);
  if (w.kind == WaitOutcome::kCancelled) cancel_->ThrowIfCancelled();
  if (w.kind != WaitOutcome::kMatched)
    throw Error("serial login", "no password prompt after sending the user name '" +
                                    user_ + "'");
  if (w.pattern_name == "password") {
    // login prints its prompt before it turns echo off; a password sent at
    // once can be echoed. Give it a moment (the console log is redacted
    // either way).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    console_->Write(password_ + "\n");
    const PatternSet after_pw(
        {Pattern::Compile(
             "incorrect",
             R"(Login incorrect|Authentication failure|Permission denied)"),
         Pattern::Compile("prompt", prompt_regex_)});
    w = console_->WaitFor(after_pw, &cursor, deadline, Duration(0), cancel_);
    if (w.kind == WaitOutcome::kCancelled) cancel_->ThrowIfCancelled();
    if (w.kind != WaitOutcome::kMatched)
      throw Error("serial login", "no shell prompt after the password (prompt regex /" +
                                      prompt_regex_ + "/)");
    if (w.pattern_name == "incorrect")
      throw Error("serial login", "the guest refused the password for user '" + user_ + "'");
  }
  // Quiet kernel messages would interleave with command output.
  Exec("stty -echo 2>/dev/null; dmesg -n 1 2>/dev/null; true", timeout);
}

ExecResult SerialShell::Exec(const std::string& command, Duration timeout,
                             size_t max_output_bytes) {
  if (command.find('\n') != std::string::npos)
    throw Error("serial shell", "commands sent over the serial console must be one line");
  int id = next_id_++;
  std::string tag = std::to_string(id);
  uint64_t cursor = console_->Cursor();
  TimePoint start = clock_->Now();
  TimePoint deadline = start + timeout;
  // One input line, so no prompt interleaves; the markers are assembled by
  // printf so the echoed input never matches them; the command runs in its
  // own shell so an `exit` in it cannot end the login session.
  console_->Write("printf '@@BG%sB@@\\n' " + tag + "; sh -c " + ShellQuote(command) +
                  "; printf '@@BG%sE%s@@\\n' " + tag + " \"$?\"\n");
  const Pattern begin_line = Pattern::Compile("begin", "@@BG" + tag + "B@@$");
  const Pattern end_line =
      Pattern::Compile("end", "@@BG" + tag + "E([0-9]+)@@$");
  const PatternSet begin({begin_line});
  WaitOutcome w = console_->WaitFor(begin, &cursor, deadline, Duration(0), cancel_);
  if (w.kind == WaitOutcome::kCancelled) cancel_->ThrowIfCancelled();
  if (w.kind != WaitOutcome::kMatched)
    throw Error("serial shell", "the guest did not start running '" + command + "'");
  uint64_t out_start = cursor;
  const PatternSet end({end_line});
  w = console_->WaitFor(end, &cursor, deadline, Duration(0), cancel_);
  if (w.kind == WaitOutcome::kCancelled) cancel_->ThrowIfCancelled();
  if (w.kind != WaitOutcome::kMatched)
    throw Error("serial shell", "'" + command + "' did not finish within " +
                                    std::to_string(static_cast<int>(ToSeconds(timeout))) + " s");
  ExecResult r;
  auto m = end_line.regex.Find(w.line);
  r.exit_status = m ? std::stoi(std::string((*m)[1])) : -1;
  // The begin marker may have matched while its line was still partial; the
  // output starts after the line that holds it.
  std::vector<ConsoleLine> lines = console_->LinesSince(out_start);
  size_t first = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (MatchesLine(end_line, lines[i].text)) break;
    if (MatchesLine(begin_line, lines[i].text)) first = i + 1;
  }
  for (size_t i = first; i < lines.size(); ++i) {
    if (MatchesLine(end_line, lines[i].text)) break;
    if (r.stdout_text.size() + lines[i].text.size() + 1 > max_output_bytes) {
      r.truncated = true;
      break;
    }
    r.stdout_text += lines[i].text + "\n";
  }
  r.duration_s = ToSeconds(clock_->Now() - start);
  return r;
}

}  // namespace bootgate
