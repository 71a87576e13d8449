// core/util/digest.h — content digests (SHA-1, Boost's) for cache keys and for files that check themselves.
#pragma once

#include <string>

namespace aotviz::util {

/// Lower-case hex SHA-1 of `bytes` (40 characters).
std::string sha1Hex(const std::string& bytes);

}  // namespace aotviz::util
