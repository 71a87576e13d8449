// viz/content_digest.h — 64-bit content digests for the keys of viz's caches (layouts, node facts, the canvas's
// colours). Equal content gives equal digests, so two equal graphs share cache entries, and an object created at the
// address of a freed one never finds the freed one's entries (keys never hold addresses).
//
// A digest covers what viz derives from the object: a graph's nodes (kind, role, phase, name, operator, scope, the
// values they read and define) and values (name, producer); a partition's decisions (node name, placement) and saved
// values (name, bytes); anchors (name, column, x). Reading another field of these objects into a cached result means
// adding it here.
//
// digestOf() computes an object's digest once: it remembers the digests of the last objects it saw by their identity
// (the shared_ptr's owner and pointer), and holds a weak_ptr to each, which keeps its control block, and so that
// identity, from being reused while it is remembered. Thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/ir/graph.h"
#include "core/partition/partition.h"
#include "viz/layout.h"

namespace aotviz::viz {

/// A streaming 64-bit hash (xxHash64's round over 8-byte words, murmur's finaliser); not cryptographic.
class Hasher {
 public:
  Hasher& add(uint64_t v) {
    h_ = rotl(h_ + v * kP2, 31) * kP1;
    return *this;
  }
  Hasher& add(std::string_view s) {
    add(static_cast<uint64_t>(s.size()));
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      add(w);
    }
    if (i < s.size()) {
      uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      add(w);
    }
    return *this;
  }
  Hasher& addInt(int64_t v) { return add(static_cast<uint64_t>(v)); }
  Hasher& addFloat(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return add(static_cast<uint64_t>(bits));
  }
  uint64_t value() const {
    uint64_t x = h_;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
  }

 private:
  static constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull, kP2 = 0xC2B2AE3D27D4EB4Full;
  static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  uint64_t h_ = 0x27D4EB2F165667C5ull;
};

uint64_t graphDigest(const ir::Graph& g);
uint64_t partitionDigest(const partition::PartitionResult& p);
/// Independent of the map's iteration order.
uint64_t anchorsDigest(const Anchors& a);

/// The digest of the object, computed on the first call for it and remembered; 0 for nullptr.
uint64_t digestOf(const std::shared_ptr<const ir::Graph>& g);
uint64_t digestOf(const std::shared_ptr<const partition::PartitionResult>& p);
uint64_t digestOf(const std::shared_ptr<const Anchors>& a);

}  // namespace aotviz::viz
