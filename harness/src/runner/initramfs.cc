#include "runner/initramfs.h"

#include <cstdint>

#include "util/error.h"
#include "util/fs.h"

namespace bootgate {

namespace {

constexpr size_t kNewcHeader = 110;  // "070701" + 13 eight-digit hex fields
constexpr char kTrailer[] = "TRAILER!!!";
// The decompressed initramfs of a real installer is a few hundred MiB.
constexpr size_t kMaxDecompressedBytes = size_t{2} << 30;

size_t Align4(size_t n) { return (n + 3) & ~size_t{3}; }

uint32_t HexField(const std::string& data, size_t at,
                  const std::string& where) {
  uint32_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    char c = data[at + i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      throw Error(where, "malformed cpio header at byte " + std::to_string(at) +
                             " (not a hex digit)");
    v = v * 16 + static_cast<uint32_t>(d);
  }
  return v;
}

bool IsNewcMagic(const std::string& data, size_t at) {
  return data.compare(at, 6, "070701") == 0 ||
         data.compare(at, 6, "070702") == 0;
}

std::string Normalise(std::string path) {
  while (path.rfind("./", 0) == 0) path.erase(0, 2);
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  return path;
}

// Debian tool that decompresses `kind` to stdout.
std::vector<std::string> Decompressor(const std::string& kind,
                                      const std::string& file) {
  if (kind == "gzip") return {"gzip", "-dc", file};
  if (kind == "xz") return {"xz", "-dc", file};
  if (kind == "lzma") return {"xz", "--format=lzma", "-dc", file};
  if (kind == "zstd") return {"zstd", "-dcq", file};
  if (kind == "lz4") return {"lz4", "-dc", file};
  return {"bzip2", "-dc", file};
}

void Walk(ProcessLauncher& launcher, const std::string& data,
          const WantMember& want, InitramfsContents* out,
          const std::string& where, std::vector<std::string>* warnings,
          int depth) {
  size_t at = ScanNewcArchives(data, 0, want, out, where);
  if (at >= data.size()) return;
  std::string kind = CompressionAt(data, at);
  if (kind.empty())
    throw Error(where, "byte " + std::to_string(at) +
                           " starts neither a cpio archive nor a known "
                           "compression (gzip, xz, lzma, zstd, lz4, bzip2)");
  if (depth > 4)
    throw Error(where, "compressed segments nested more than 4 deep");
  TempDir tmp(fs::temp_directory_path(), "bootgate-initrd-");
  std::string part = (tmp.path() / "segment").string();
  WriteFileAtomic(part, std::string_view(data).substr(at));
  std::vector<std::string> argv = Decompressor(kind, part);
  CommandOutput o = RunCommand(launcher, argv, std::chrono::seconds(300),
                               kMaxDecompressedBytes);
  if (o.stdout_text.empty())
    throw Error(where, "cannot decompress its " + kind + " segment at byte " +
                           std::to_string(at) + " with " + argv[0] + " (" +
                           o.status.Describe() +
                           "): " + o.stderr_text.substr(0, 300));
  if (o.stdout_text.size() >= kMaxDecompressedBytes)
    throw Error(where, "its " + kind + " segment decompresses to more than " +
                           std::to_string(kMaxDecompressedBytes >> 20) +
                           " MiB");
  // gzip exits 2 on the NUL padding after the last member ("trailing
  // garbage ignored"); the archive itself says whether it is whole.
  if (!o.status.ok() && warnings &&
      !(kind == "gzip" && o.status.exited && o.status.code == 2))
    warnings->push_back(
        where + ": " + argv[0] + " complained (" + o.status.Describe() +
        ") but gave an archive: " + o.stderr_text.substr(0, 200));
  Walk(launcher, o.stdout_text, want, out, where + " (" + kind + " segment)",
       warnings, depth + 1);
}

}  // namespace

size_t ScanNewcArchives(const std::string& data, size_t offset,
                        const WantMember& want, InitramfsContents* out,
                        const std::string& where) {
  size_t at = offset;
  bool in_archive = false;
  while (at < data.size()) {
    if (!in_archive) {
      // Between archives: NUL padding, then another archive or the end.
      while (at < data.size() && data[at] == '\0') ++at;
      if (at >= data.size() || !IsNewcMagic(data, at)) return at;
      in_archive = true;
    }
    if (data.size() - at < kNewcHeader)
      throw Error(where, "truncated cpio header at byte " + std::to_string(at));
    if (!IsNewcMagic(data, at))
      throw Error(where,
                  "expected a newc cpio header at byte " + std::to_string(at));
    uint32_t mode = HexField(data, at + 14, where);
    uint32_t file_size = HexField(data, at + 54, where);
    uint32_t name_size = HexField(data, at + 94, where);
    size_t name_at = at + kNewcHeader;
    size_t data_at = Align4(name_at + name_size);
    if (name_size == 0 || data_at > data.size() ||
        file_size > data.size() - data_at)
      throw Error(where, "cpio member at byte " + std::to_string(at) +
                             " runs past the end of the archive");
    std::string name(data, name_at, name_size - 1);  // without its NUL
    at = Align4(data_at + file_size);
    if (name == kTrailer) {
      in_archive = false;
      continue;
    }
    std::string path = Normalise(name);
    if (path.empty() || path == ".") continue;
    out->paths.push_back(path);
    // Regular files only (S_IFREG), not symlinks whose data is a target.
    if ((mode & 0170000) == 0100000 && want && want(path))
      out->texts[path] = data.substr(data_at, file_size);
  }
  return at > data.size() ? data.size() : at;
}

std::string CompressionAt(const std::string& data, size_t offset) {
  auto starts = [&](std::string_view magic) {
    return data.size() - offset >= magic.size() &&
           data.compare(offset, magic.size(), magic) == 0;
  };
  if (offset >= data.size()) return "";
  if (starts("\x1f\x8b")) return "gzip";
  if (starts(std::string_view("\xfd"
                              "7zXZ\0",
                              6)))
    return "xz";
  if (starts(std::string_view("\x28\xb5\x2f\xfd", 4))) return "zstd";
  if (starts(std::string_view("\x02\x21\x4c\x18", 4)) ||
      starts(std::string_view("\x04\x22\x4d\x18", 4)))
    return "lz4";
  if (starts("BZh")) return "bzip2";
  if (starts(std::string_view("\x5d\x00\x00", 3))) return "lzma";
  return "";
}

InitramfsContents ReadInitramfs(ProcessLauncher& launcher,
                                const std::string& path, const WantMember& want,
                                std::vector<std::string>* warnings) {
  InitramfsContents out;
  Walk(launcher, ReadFile(path), want, &out, path, warnings, 0);
  if (out.paths.empty())
    throw Error(path, "is an empty initramfs (no cpio members)");
  return out;
}

}  // namespace bootgate
