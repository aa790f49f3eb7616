#include "ssh/command_channel.h"

#include "util/error.h"

namespace bootgate {

std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

void FakeCommandChannel::Add(Script s) { scripts_.push_back(std::move(s)); }

void FakeCommandChannel::OnExact(const std::string& command,
                                 ExecResult result) {
  Script s;
  s.key = command;
  s.result = std::move(result);
  Add(std::move(s));
}

void FakeCommandChannel::OnRegex(const std::string& pattern,
                                 ExecResult result) {
  Script s;
  s.exact = false;
  s.key = pattern;
  s.re.emplace(pattern, "FakeCommandChannel pattern");
  s.result = std::move(result);
  Add(std::move(s));
}

void FakeCommandChannel::FailExact(const std::string& command,
                                   std::string error_message) {
  Script s;
  s.key = command;
  s.fail = true;
  s.error_message = std::move(error_message);
  Add(std::move(s));
}

void FakeCommandChannel::FailRegex(const std::string& pattern,
                                   std::string error_message) {
  Script s;
  s.exact = false;
  s.key = pattern;
  s.re.emplace(pattern, "FakeCommandChannel pattern");
  s.fail = true;
  s.error_message = std::move(error_message);
  Add(std::move(s));
}

ExecResult FakeCommandChannel::Exec(const std::string& command,
                                    Duration timeout,
                                    size_t max_output_bytes) {
  calls_.push_back({command, timeout, max_output_bytes});
  const Script* found = nullptr;
  for (const Script& s : scripts_) {
    if (s.exact && s.key == command) {
      found = &s;
      break;
    }
  }
  if (!found) {
    for (const Script& s : scripts_) {
      if (!s.exact && s.re->Search(command)) {
        found = &s;
        break;
      }
    }
  }
  if (!found) {
    throw Error(name_ + " (fake)",
                "no scripted response for command '" + command + "'");
  }
  if (found->fail) throw Error(found->error_message);
  ExecResult r = found->result;
  for (std::string* text : {&r.stdout_text, &r.stderr_text}) {
    if (text->size() > max_output_bytes) {
      text->resize(max_output_bytes);
      r.truncated = true;
    }
  }
  return r;
}

}  // namespace bootgate
