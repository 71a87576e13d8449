// core/models/pt_archive.h — integrity check of a TorchScript or torch.export archive before LibTorch loads it.
//
// A .pt file is a zip archive whose central directory records a CRC-32 of every record (code, pickles, tensor
// data). LibTorch 1.13's reader does not check them, so a flipped bit in a weight loads silently and gives wrong
// numbers. aotviz checks every record's CRC-32 against its data (read through LibTorch's own archive reader).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>

namespace aotviz::models {

/// What an archive is, for errors: "cannot load it as <what>: …" and what to do about a damaged one.
struct ArchiveKind {
  std::string what;
  std::string save_hint;
};
inline const ArchiveKind kTorchScriptArchive{"a TorchScript module", "save it again with torch.jit.save"};

/// Throws AotError (stage "inputs", naming the file and the first damaged record) when `pt_path` is not a zip
/// archive, its central directory is damaged, or a record's data does not match its CRC-32. Files larger than
/// `max_bytes` are refused.
void verifyArchive(const std::string& pt_path, uint64_t max_bytes = uint64_t(16) << 30,
                   const ArchiveKind& kind = kTorchScriptArchive);

/// Runs `f`; LibTorch's errors (c10::Error, std::exception) leave it as AotError (stage "inputs") "cannot load it
/// as a TorchScript module: …" naming `pt_path`, without LibTorch's C++ backtrace, with `hint`. AotErrors pass.
void asLoadError(const std::string& pt_path, const std::string& hint, const std::function<void()>& f);

/// The same check on an archive of `size` bytes in `in`; `origin` names it in errors (the fuzz target uses this).
void verifyArchive(std::istream& in, uint64_t size, const std::string& origin, const ArchiveKind& kind = kTorchScriptArchive);

}  // namespace aotviz::models
