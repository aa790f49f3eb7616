#include <cstdio>

#include "backend/qemu/qemu_backend.h"
#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/doctor.h"
#include "cli/style.h"
#include "util/fs.h"
#include "util/paths.h"
#include "util/process.h"

namespace bootgate {

int DoctorMain(const std::string& probe_kernel, bool no_color) {
  PosixProcessLauncher launcher;
  DoctorOptions o;
  o.qemu_binary = QemuBinary();
  o.state_dir = DefaultStateDir();
  o.cache_dir = DefaultCacheDir();
  o.image_cache_dir = DefaultImageCacheDir();
  fs::path profiles = DefaultProfileDir("");
  std::error_code ec;
  if (fs::is_directory(profiles, ec))
    o.source_dir = profiles.parent_path().parent_path().string();
  // The directory `bootgate run` writes to by default: reports/ of the
  // checkout for the quick start, the XDG state dir when installed.
  std::string reports = DefaultReportsRoot();
  o.report_dir = reports == "reports" && !o.source_dir.empty()
                     ? o.source_dir + "/reports"
                     : reports;
  KvmProber prober(&launcher, o.qemu_binary, o.cache_dir,
                   FindProbeKernel(probe_kernel));
  std::fprintf(stderr,
               "bootgate doctor: looking at this host (the KVM probe takes a "
               "few seconds)...\n");
  auto lines = CollectDoctorFacts(launcher, prober, o);
  std::fputs(RenderDoctor(lines, UseColorFor(stdout, no_color)).c_str(),
             stdout);
  return DoctorExitCode(lines);
}

}  // namespace bootgate
