// Errors: "could not measure". A broken budget is never an Error; it is a
// Verdict in the result. Every Error carries a sentence-style message and the
// context it happened in (file, JSON path, phase, command...).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace bootgate {

/// An error that stops bootgate from measuring. `what()` is a sentence fit for
/// a user: what went wrong, where, and when possible what to do about it.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  Error(const std::string& context, const std::string& message)
      : std::runtime_error(context.empty() ? message
                                           : context + ": " + message),
        context_(context) {}

  /// Where the error happened (a file path, a phase...); may be empty.
  const std::string& context() const { return context_; }

 private:
  std::string context_;
};

/// The run was interrupted by a signal (SIGINT, SIGTERM, SIGHUP).
class Interrupted : public Error {
 public:
  explicit Interrupted(const std::string& signal_name)
      : Error("interrupted by " + signal_name), signal_name_(signal_name) {}
  const std::string& signal_name() const { return signal_name_; }

 private:
  std::string signal_name_;
};

/// Formats errno as "<what>: <strerror>" for Error messages.
std::string ErrnoMessage(const std::string& what, int err);

}  // namespace bootgate
