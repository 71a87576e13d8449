// core/util/digest.h — content digests (Boost's SHA-1 and MD5) for cache keys, files that check themselves and
// the has_payload digests of TORCH_TRACE logs.
#pragma once

#include <string>

namespace aotviz::util {

/// Lower-case hex SHA-1 of `bytes` (40 characters).
std::string sha1Hex(const std::string& bytes);

/// Lower-case hex MD5 of `bytes` (32 characters), as Python's hashlib.md5(bytes).hexdigest() writes it.
std::string md5Hex(const std::string& bytes);

}  // namespace aotviz::util
