// core/util/digest.cpp — see digest.h.
#include "core/util/digest.h"

#include <boost/uuid/detail/md5.hpp>
#include <boost/uuid/detail/sha1.hpp>

#include <cstdio>

namespace aotviz::util {

namespace {

/// Boost's digest of `bytes` in hex. digest_type is unsigned int[N] in Boost ≤ 1.85, each word holding four digest
/// bytes most significant first (for MD5 too: get_digest swaps them for the name-based UUID generator), and
/// unsigned char[] later: printing its elements in order gives the digest either way.
template <class Hash>
std::string hexDigest(const std::string& bytes) {
  Hash h;
  h.process_bytes(bytes.data(), bytes.size());
  typename Hash::digest_type d;
  h.get_digest(d);
  std::string out;
  char buf[16];
  for (auto word : d) {
    std::snprintf(buf, sizeof buf, sizeof(word) == 1 ? "%02x" : "%08x", static_cast<unsigned>(word));
    out += buf;
  }
  return out;
}

}  // namespace

std::string sha1Hex(const std::string& bytes) { return hexDigest<boost::uuids::detail::sha1>(bytes); }

std::string md5Hex(const std::string& bytes) { return hexDigest<boost::uuids::detail::md5>(bytes); }

}  // namespace aotviz::util
