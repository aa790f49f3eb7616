#include "vm_test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace bootgate::testing {
namespace fs = std::filesystem;

namespace {
std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = getenv(name);
  return v ? v : fallback;
}
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

std::string SourceDir() { return Env("BOOTGATE_SOURCE_DIR", "."); }
std::string BinaryDir() { return Env("BOOTGATE_BINARY_DIR", "build"); }
std::string BootgateBin() { return Env("BOOTGATE_BIN", BinaryDir() + "/bootgate"); }
std::string ReferenceDir() {
  return Env("BOOTGATE_REFERENCE_DIR", SourceDir() + "/images/.cache/reference");
}

void EnsureReferenceImage() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::string cmd = SourceDir() + "/images/reference/build.sh >/dev/null";
    if (system(cmd.c_str()) != 0) throw std::runtime_error("images/reference/build.sh failed");
  });
}

std::string TestTempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / ("bootgate-" + prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string WriteScenario(const std::string& name, const nlohmann::json& scenario) {
  std::string dir = TestTempDir("scn");
  std::string path = dir + "/" + name + ".json";
  std::ofstream(path) << scenario.dump(2);
  return path;
}

BootgateRun RunBootgate(RunOptions o) {
  BootgateRun result;
  bool has_report_dir = false;
  for (size_t i = 0; i < o.args.size(); ++i)
    if (o.args[i] == "--report-dir" && i + 1 < o.args.size()) {
      has_report_dir = true;
      result.report_dir = o.args[i + 1];
    }
  if (!has_report_dir && !o.args.empty() && o.args[0] == "run") {
    result.report_dir = TestTempDir("report");
    o.args.push_back("--report-dir");
    o.args.push_back(result.report_dir);
  }
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe");
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    for (const auto& [k, v] : o.env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    std::string bin = BootgateBin();
    argv.push_back(bin.data());
    for (auto& a : o.args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  int to_send = o.signal == 0 ? 0 : o.repeat;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[8192];
  while (open_fds > 0) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > o.timeout_s) {
      kill(pid, SIGKILL);
      break;
    }
    if (to_send > 0) {
      bool fire = !result.signal_at_s.empty()
                      ? elapsed >= result.signal_at_s.back() + o.repeat_every_s
                  : o.trigger.empty()
                      ? elapsed >= o.signal_after_s
                      : result.stderr_text.find(o.trigger) != std::string::npos;
      if (fire) {
        kill(pid, o.signal);
        result.signal_at_s.push_back(elapsed);
        --to_send;
      }
    }
    if (poll(fds, 2, 50) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.stdout_text : result.stderr_text).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exited = WIFEXITED(status);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string report = result.report_dir + "/report.json";
  if (!result.report_dir.empty() && fs::exists(report))
    result.report = nlohmann::json::parse(Slurp(report), nullptr, false);
  return result;
}

const nlohmann::json* RunNamed(const nlohmann::json& report, const std::string& name) {
  if (!report.contains("runs")) return nullptr;
  for (const auto& r : report["runs"])
    if (r["scenario"] == name) return &r;
  return nullptr;
}

std::vector<int> ProcessesMatching(const std::string& needle) {
  std::vector<int> pids;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(e.path().string() + "/cmdline");
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    std::string stat = Slurp(e.path().string() + "/stat");
    if (stat.find(") Z ") != std::string::npos) continue;  // zombie: already dead
    if (cmdline.find(needle) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

std::vector<int> QemuProcessesMatching(const std::string& needle) {
  std::vector<int> pids;
  for (int pid : ProcessesMatching(needle))
    if (Slurp("/proc/" + std::to_string(pid) + "/cmdline").rfind("qemu-system", 0) == 0)
      pids.push_back(pid);
  return pids;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

void VmTest::SetUp() {
  EnsureReferenceImage();
  state_dir_ = TestTempDir("state");
}

void VmTest::TearDown() {
  // Whatever happened, nothing of this test may still run or be left.
  EXPECT_TRUE(QemuProcessesMatching(state_dir_).empty());
  EXPECT_TRUE(DirEntries(state_dir_).empty()) << "scratch files left in " << state_dir_;
}

RunOptions VmTest::Opts(std::vector<std::string> args) const {
  RunOptions o;
  o.args = std::move(args);
  o.env["BOOTGATE_STATE_DIR"] = state_dir_;
  return o;
}

}  // namespace bootgate::testing
