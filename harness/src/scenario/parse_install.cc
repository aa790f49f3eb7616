#include "scenario/reader.h"

namespace bootgate::scenario_internal {

namespace {

void ParseInstallConfig(Reader& r, const json& c, const std::string& base,
                        bool check_files, InstallSpec* out) {
  if (!r.Object(c, "/install/config",
                {"template", "format", "delivery", "vars"}))
    return;
  r.String(c, "/install/config", "template", &out->config_template, true);
  out->config_template = Resolve(base, out->config_template);
  if (check_files && !out->config_template.empty() &&
      !FileReadable(out->config_template))
    r.Issue("/install/config/template",
            "template '" + out->config_template +
                "' does not exist or is not readable.");
  r.String(c, "/install/config", "format", &out->config_format);
  r.OneOf("/install/config/format", out->config_format,
          {"auto", "photon-2.3", "photon-2.4", "photon-2.7", "photon-2.8", "photon-2.9", "text"});
  r.String(c, "/install/config", "delivery", &out->config_delivery);
  r.OneOf("/install/config/delivery", out->config_delivery, {"http", "cdrom"});
  if (c.contains("vars") && r.Object(c["vars"], "/install/config/vars",
                                     {"hostname", "disk", "password", "user",
                                      "linux_flavor", "bootmode", "public_key_reason",
                                      "packagelist_file"}))
    r.StringValues(c["vars"], "/install/config/vars", &out->config_vars);
}

}  // namespace

void ParseInstall(Reader& r, const json& in, const std::string& base,
                  bool check_files, InstallSpec* out) {
  out->enabled = true;
  if (!r.Object(
          in, "/install",
          {"media", "extract_kernel", "kernel_path", "initrd_path", "append",
           "disk_size_mib", "config", "complete", "complete_pattern",
           "fail_patterns", "timeout_s", "silence_s", "boots_per_install"}))
    return;
  if (in.contains("media"))
    ParseImage(r, in["media"], "/install/media", base, &out->media,
               check_files);
  else
    r.Issue("/install/media",
            "required: the installer, e.g. {\"iso\": \"installer.iso\"}.");
  r.Bool(in, "/install", "extract_kernel", &out->extract_kernel);
  r.String(in, "/install", "kernel_path", &out->iso_kernel_path);
  r.String(in, "/install", "initrd_path", &out->iso_initrd_path);
  r.String(in, "/install", "append", &out->append);
  r.Int(in, "/install", "disk_size_mib", 16, 16 * 1024 * 1024,
        &out->disk_size_mib);
  r.String(in, "/install", "complete", &out->complete);
  r.OneOf("/install/complete", out->complete, {"auto", "pattern", "poweroff", "reset"});
  r.String(in, "/install", "complete_pattern", &out->complete_pattern);
  if (out->complete == "pattern" && out->complete_pattern.empty())
    r.Issue("/install/complete_pattern",
            "required when complete is \"pattern\".");
  if (!out->complete_pattern.empty())
    r.Regex("/install/complete_pattern", out->complete_pattern);
  out->fail_patterns = DefaultFailPatterns();
  ParseFailPatterns(r, in, "/install", "fail_patterns", &out->fail_patterns);
  r.Number(in, "/install", "timeout_s", 1, 86400, &out->timeout_s, " seconds");
  r.Number(in, "/install", "silence_s", 0, 86400, &out->silence_s, " seconds");
  r.Int(in, "/install", "boots_per_install", 1, 1000, &out->boots_per_install);
  if (out->extract_kernel && out->media.iso.empty())
    r.Issue("/install/extract_kernel",
            "needs an installer \"iso\" to read the kernel from.");
  if (in.contains("config"))
    ParseInstallConfig(r, in["config"], base, check_files, out);
  // "auto" reads the installer's version out of its ISO.
  if (out->media.iso.empty() && out->complete == "auto")
    r.Issue("/install/complete", "\"auto\" needs an installer \"iso\" to read the installer "
                                 "version from; name the completion: pattern, poweroff or reset.");
  if (out->media.iso.empty() && !out->config_template.empty() && out->config_format == "auto")
    r.Issue("/install/config/format", "\"auto\" needs an installer \"iso\" to read the "
                                      "installer version from; name the format.");
}

}  // namespace bootgate::scenario_internal
