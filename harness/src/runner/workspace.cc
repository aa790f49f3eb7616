#include "runner/workspace.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "util/error.h"

namespace bootgate {

Workspace::Workspace(const std::string& state_dir, const std::string& name) {
  std::error_code ec;
  // The state dir may be /tmp/bootgate-<uid>, a name another local user can
  // take first: it must be ours and private before anything goes in.
  EnsurePrivateDirectory(state_dir);
  path_ = state_dir + "/" + name;
  if (mkdir(path_.c_str(), 0700) != 0)
    throw Error(path_, ErrnoMessage("cannot create the run's scratch directory",
                                    errno));
  lock_fd_ =
      open((path_ + "/lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    fs::remove_all(path_, ec);
    throw Error(path_,
                ErrnoMessage("cannot lock the run's scratch directory", errno));
  }
  RecordOwner(0, "", "");
}

Workspace::~Workspace() {
  std::error_code ec;
  if (!keep_) {
    fs::remove_all(path_, ec);
  } else {
    // Kept on purpose (--keep): leftover clean-up must not take it.
    try {
      WriteFileAtomic(path_ + "/kept",
                      "kept by --keep; remove with: rm -rf " + path_ + "\n");
    } catch (const Error&) {
    }
  }
  if (lock_fd_ >= 0) close(lock_fd_);
}

void Workspace::RecordOwner(int vm_pid, const std::string& domain,
                            const std::string& connect_uri) {
  nlohmann::json j = {{"bootgate_pid", getpid()},
                      {"vm_pid", vm_pid},
                      {"domain", domain},
                      {"connect", connect_uri},
                      {"dir", path_}};
  WriteFileAtomic(path_ + "/owner.json", j.dump());
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
        HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// A file a URI parameter may name: a regular file (or socket) of this user,
// reached through no symlink at its last component.
// The lstat of `path` when it is an absolute path to a regular file or
// socket of this user (no symlink followed), else nullopt.
std::optional<struct stat> OwnFileStat(const std::string& path) {
  struct stat st {};
  if (!path.empty() && path[0] == '/' && lstat(path.c_str(), &st) == 0 &&
      st.st_uid == getuid() && (S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode)))
    return st;
  return std::nullopt;
}

bool IsOwnFile(const std::string& path) {
  return OwnFileStat(path).has_value();
}

// A file read or opened by a dead bootgate's workspace: lstat first, so a
// symlink planted in our own directory is never followed.
bool ReadOwnFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = fstat(fd, &st) == 0 && st.st_uid == getuid() &&
            S_ISREG(st.st_mode) && st.st_size < (1 << 20);
  if (ok) {
    out->assign(static_cast<size_t>(st.st_size), '\0');
    ok =
        read(fd, out->data(), out->size()) == static_cast<ssize_t>(out->size());
  }
  close(fd);
  return ok;
}

}  // namespace

std::string LeftoverUriProblem(const std::string& uri) {
  if (uri.empty()) return "";
  auto scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return "is not a libvirt URI";
  std::string scheme = uri.substr(0, scheme_end);
  std::string transport;
  if (auto plus = scheme.find('+'); plus != std::string::npos)
    transport = scheme.substr(plus + 1);
  static const std::set<std::string> kTransports = {
      "", "unix", "ssh", "libssh", "libssh2", "tls", "tcp"};
  if (!kTransports.count(transport))
    return "names the '" + transport +
           "' transport, which runs a program; bootgate never writes one";
  if (scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+") !=
      std::string::npos)
    return "has a malformed scheme";
  auto q = uri.find('?');
  if (q == std::string::npos) return "";
  std::string query = uri.substr(q + 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find_first_of("&;", pos);
    std::string kv = query.substr(
        pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!kv.empty()) {
      auto eq = kv.find('=');
      std::string key = Unescape(kv.substr(0, eq));
      std::string value =
          eq == std::string::npos ? "" : Unescape(kv.substr(eq + 1));
      // command= and netcat= name programs run on either side; no_tty,
      // no_verify and the like are flags.
      static const std::set<std::string> kFiles = {"keyfile", "socket",
                                                   "known_hosts", "pkipath"};
      static const std::set<std::string> kFlags = {
          "no_verify", "no_tty", "known_hosts_verify",
          "sshauth",   "mode",   "proxy"};
      if (kFiles.count(key)) {
        if (!IsOwnFile(value) && !(key == "pkipath" && value.empty()))
          return "names " + key + "=" + value +
                 ", which is not a file of this user";
      } else if (key == "command") {
        // The ssh program libvirt runs here: bootgate writes back the URI
        // the user ran with, so a program of this user's own that nobody
        // else can change is theirs to run; anything else is refused.
        std::optional<struct stat> st = OwnFileStat(value);
        if (!st || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
          return "names command=" + value +
                 ", which is not a program of this user that only they can "
                 "change";
      } else if (!kFlags.count(key)) {
        return "has the parameter '" + key + "', which bootgate never writes";
      }
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

std::vector<Leftover> CleanLeftovers(
    const std::string& state_dir,
    const std::function<void(const std::string&, const std::string&)>&
        destroy_domain) {
  std::vector<Leftover> out;
  std::error_code ec;
  struct stat top {};
  if (lstat(state_dir.c_str(), &top) != 0) return out;
  // Nothing in a directory another user could have written is trusted: not
  // its names, not its owner records, not its URIs.
  if (std::string problem = PrivateDirectoryProblem(state_dir);
      !problem.empty()) {
    Leftover l;
    l.dir = state_dir;
    l.skipped = true;
    l.action = "skipped the state dir " + state_dir + ": it " + problem +
               " (nothing in it was read" +
               (problem.find("BOOTGATE_STATE_DIR") == std::string::npos
                    ? "; set XDG_RUNTIME_DIR or BOOTGATE_STATE_DIR)"
                    : ")");
    out.push_back(l);
    return out;
  }
  for (const auto& entry : fs::directory_iterator(state_dir, ec)) {
    std::string dir = entry.path().string();
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (st.st_uid != getuid() || (st.st_mode & 022)) {
      Leftover l;
      l.dir = dir;
      l.skipped = true;
      l.action = "skipped " + dir +
                 ": not a private directory of this user (owner uid " +
                 std::to_string(st.st_uid) + ", mode " +
                 fmt::format("{:o}", st.st_mode & 07777) + ")";
      out.push_back(l);
      continue;
    }
    if (fs::exists(dir + "/kept", ec) || fs::is_symlink(dir + "/kept", ec))
      continue;  // --keep: the user's now
    int fd = open((dir + "/lock").c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;  // not a workspace (or being created)
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);  // its bootgate is alive
      continue;
    }
    Leftover l;
    l.dir = dir;
    nlohmann::json owner;
    std::string owner_text;
    if (ReadOwnFile(dir + "/owner.json", &owner_text))
      owner = nlohmann::json::parse(owner_text, nullptr, false);
    if (owner.is_object()) {
      try {
        l.vm_pid = owner.value("vm_pid", 0);
        l.domain = owner.value("domain", "");
      } catch (const std::exception&) {
        l.vm_pid = 0;
        l.domain.clear();
      }
    }
    std::vector<std::string> actions;
    if (l.vm_pid > 0) {
      // Only a process of this user whose command line names this workspace
      // is ours.
      std::string proc = "/proc/" + std::to_string(l.vm_pid);
      struct stat pst {};
      std::string cmdline;
      try {
        if (stat(proc.c_str(), &pst) == 0 && pst.st_uid == getuid())
          cmdline = ReadFile(proc + "/cmdline");
      } catch (const Error&) {
      }
      if (!cmdline.empty() && cmdline.find(dir) != std::string::npos) {
        kill(l.vm_pid, SIGKILL);
        for (int i = 0; i < 50 && fs::exists(proc, ec); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        actions.push_back("killed VM process " + std::to_string(l.vm_pid));
      }
    }
    if (!l.domain.empty() && destroy_domain) {
      std::string uri;
      try {
        uri = owner.value("connect", "");
      } catch (const std::exception&) {
        uri = "\x01";  // not a string: refused below
      }
      if (std::string problem = LeftoverUriProblem(uri); !problem.empty()) {
        actions.push_back("did not destroy libvirt domain " + l.domain +
                          ": its recorded URI " + problem);
      } else {
        try {
          destroy_domain(uri, l.domain);
          actions.push_back("destroyed libvirt domain " + l.domain);
        } catch (const std::exception& e) {
          actions.push_back("could not destroy libvirt domain " + l.domain +
                            ": " + e.what());
        }
      }
    }
    fs::remove_all(dir, ec);
    actions.push_back("removed " + dir);
    for (const auto& a : actions)
      l.action += (l.action.empty() ? "" : "; ") + a;
    close(fd);
    out.push_back(l);
  }
  return out;
}

}  // namespace bootgate
