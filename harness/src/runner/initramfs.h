// Part of the install stage: reading an installer's initramfs (the initrd
// bootgate already extracts from the ISO) without unpacking it to disk, so
// the installer can be told by the code it boots. Handles newc cpio
// archives one after another (early microcode + main), each plain or
// compressed with gzip, xz, lzma, zstd, lz4 or bzip2.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "util/process.h"

namespace bootgate {

/// What an initramfs holds: every member's path (normalised: no leading
/// "/" or "./") and the text of the members the caller asked for.
struct InitramfsContents {
  std::vector<std::string> paths;
  std::map<std::string, std::string> texts;
};

/// Chooses the members whose text is kept (by normalised path).
using WantMember = std::function<bool(const std::string& path)>;

/// Walks the newc ("070701"/"070702") archives in `data` from `offset`, one
/// after another with the NUL padding between them, adding their members to
/// `out`. Returns the offset where it stopped: data.size(), or the start of
/// a segment that is not cpio (a compressed one). Throws Error naming
/// `where` and the offset on a malformed or truncated archive. Pure.
size_t ScanNewcArchives(const std::string& data, size_t offset,
                        const WantMember& want, InitramfsContents* out,
                        const std::string& where);

/// The compression whose magic starts `data` at `offset`: "gzip", "xz",
/// "lzma", "zstd", "lz4", "bzip2", or "" if none is recognised. Pure.
std::string CompressionAt(const std::string& data, size_t offset);

/// Reads the initramfs at `path`: plain cpio segments are parsed here, a
/// compressed segment is decompressed by its Debian tool (gzip, xz, zstd,
/// lz4, bzip2) through `launcher` and walked in turn. Throws Error naming
/// the file when it is no initramfs or a tool fails with no output;
/// `warnings` notes tools that complained but gave an archive.
InitramfsContents ReadInitramfs(ProcessLauncher& launcher,
                                const std::string& path, const WantMember& want,
                                std::vector<std::string>* warnings);

}  // namespace bootgate
