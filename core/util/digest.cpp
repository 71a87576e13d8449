// core/util/digest.cpp — see digest.h.
#include "core/util/digest.h"

#include <boost/uuid/detail/sha1.hpp>

#include <cstdio>

namespace aotviz::util {

std::string sha1Hex(const std::string& bytes) {
  boost::uuids::detail::sha1 h;
  h.process_bytes(bytes.data(), bytes.size());
  boost::uuids::detail::sha1::digest_type d;
  h.get_digest(d);
  // digest_type is unsigned int[5] in Boost ≤ 1.85 and unsigned char[20] later; print its elements either way.
  std::string out;
  char buf[16];
  for (auto word : d) {
    std::snprintf(buf, sizeof buf, sizeof(word) == 1 ? "%02x" : "%08x", static_cast<unsigned>(word));
    out += buf;
  }
  return out;
}

}  // namespace aotviz::util
