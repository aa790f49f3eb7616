#include "scenario/reader.h"

namespace bootgate::scenario_internal {

void ParseAccess(Reader& r, const json& a, const std::string& base,
                 bool check_files, AccessSpec* out) {
  if (!r.Object(a, "/access",
                {"method", "user", "key_file", "password", "seed", "guest_port",
                 "connect_timeout_s", "ready_timeout_s", "shell_prompt"}))
    return;
  r.String(a, "/access", "method", &out->method);
  r.OneOf("/access/method", out->method, {"ssh", "serial", "auto", "none"});
  r.String(a, "/access", "user", &out->user);
  r.String(a, "/access", "key_file", &out->key_file);
  out->key_file = Resolve(base, out->key_file);
  if (check_files && !out->key_file.empty() && !FileReadable(out->key_file))
    r.Issue("/access/key_file", "key file '" + out->key_file +
                                    "' does not exist or is not readable.");
  r.String(a, "/access", "password", &out->password);
  r.String(a, "/access", "seed", &out->seed);
  r.OneOf("/access/seed", out->seed, {"nocloud", "kernel-arg", "none"});
  r.Int(a, "/access", "guest_port", 1, 65535, &out->guest_port);
  r.Number(a, "/access", "connect_timeout_s", 0.1, 600,
           &out->connect_timeout_s);
  r.Number(a, "/access", "ready_timeout_s", 0, 86400, &out->ready_timeout_s);
  r.String(a, "/access", "shell_prompt", &out->shell_prompt);
  r.Regex("/access/shell_prompt", out->shell_prompt);
  if (out->method == "serial" && out->password.empty())
    r.Issue("/access/password",
            "the serial method logs in on the console "
            "and needs the user's password.");
}

}  // namespace bootgate::scenario_internal
