// core/util/atomic_file.h — crash-safe file writes: temp file in the same directory, fsync, rename.
#pragma once

#include <filesystem>
#include <string>

namespace aotviz::util {

/// Writes `contents` to `path` atomically: readers see the old file or the complete new one, never a torn
/// write. Throws AotError (stage "write") with the path and the OS error when it cannot.
void writeFileAtomic(const std::filesystem::path& path, const std::string& contents);

/// Reads a whole file. Throws AotError (stage "load") naming the path when it cannot, or when it is larger
/// than `max_bytes`.
std::string readFile(const std::filesystem::path& path, size_t max_bytes = size_t(1) << 30);

}  // namespace aotviz::util
