// viz/content_digest.cpp — content digests and their per-object memo (see content_digest.h).
#include "viz/content_digest.h"

#include <mutex>

#include "viz/lru_cache.h"

namespace aotviz::viz {

uint64_t graphDigest(const ir::Graph& g) {
  Hasher h;
  h.add(static_cast<uint64_t>(g.nodes.size())).add(static_cast<uint64_t>(g.values.size()));
  for (const ir::Node& n : g.nodes) {
    h.add(static_cast<uint64_t>(n.kind) | static_cast<uint64_t>(n.role) << 8 |
          static_cast<uint64_t>(n.prov.phase) << 16);
    h.add(n.name).add(n.op).add(n.overload).add(n.prov.scope);
    h.add(static_cast<uint64_t>(n.args.size()));
    for (const ir::Arg& a : n.args) {
      h.add(static_cast<uint64_t>(a.kind));
      if (a.kind == ir::Arg::Kind::Value) h.addInt(a.value.v);
      if (a.kind == ir::Arg::Kind::ValueList) {
        h.add(static_cast<uint64_t>(a.values.size()));
        for (ir::ValueId v : a.values) h.addInt(v.v);
      }
    }
    h.add(static_cast<uint64_t>(n.outputs.size()));
    for (ir::ValueId v : n.outputs) h.addInt(v.v);
  }
  for (const ir::Value& v : g.values) h.addInt(v.producer.v).add(v.name);
  return h.value();
}

uint64_t partitionDigest(const partition::PartitionResult& p) {
  Hasher h;
  h.add(static_cast<uint64_t>(p.nodes.size()));
  for (const auto& d : p.nodes) h.add(d.name).add(static_cast<uint64_t>(d.placement));
  h.add(static_cast<uint64_t>(p.saved.size()));
  for (const auto& s : p.saved) h.add(s.name).add(static_cast<uint64_t>(s.bytes));
  return h.value();
}

uint64_t anchorsDigest(const Anchors& a) {
  // A sum of per-entry digests: the same for every iteration order of an unordered_map.
  uint64_t sum = 0;
  for (const auto& [name, anchor] : a)
    sum += Hasher().add(name).addInt(anchor.side).addFloat(anchor.x).value();
  return Hasher().add(static_cast<uint64_t>(a.size())).add(sum).value();
}

namespace {

/// An object's identity while the memo holds `owner`: its control block cannot be freed (and so reused by another
/// object) while a weak_ptr to it lives. `ptr` and `type` tell apart the objects one owner holds (a partition and its
/// forward and backward graphs are handed out as aliasing shared_ptrs of one owner; the forward graph is at the
/// partition's own address).
struct Identity {
  std::weak_ptr<const void> owner;
  const void* ptr = nullptr;
  int type = 0;
};

struct IdentityLess {
  bool operator()(const Identity& a, const Identity& b) const {
    if (a.owner.owner_before(b.owner)) return true;
    if (b.owner.owner_before(a.owner)) return false;
    if (a.type != b.type) return a.type < b.type;
    return std::less<const void*>()(a.ptr, b.ptr);
  }
};

class DigestMemo {
 public:
  template <class T, class F>
  uint64_t get(const std::shared_ptr<const T>& p, int type, F compute) {
    if (!p) return 0;
    const Identity id{p, p.get(), type};
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (const uint64_t* d = memo_.find(id)) return *d;
    }
    const uint64_t d = compute(*p);  // outside the lock: milliseconds for a big graph
    std::lock_guard<std::mutex> lock(mu_);
    memo_.eraseIf([](const Identity& k, uint64_t) { return k.owner.expired(); });
    memo_.put(id, d);
    return d;
  }

 private:
  std::mutex mu_;
  LruCache<Identity, uint64_t, IdentityLess> memo_{64};
};

DigestMemo& memo() {
  static DigestMemo m;
  return m;
}

}  // namespace

uint64_t digestOf(const std::shared_ptr<const ir::Graph>& g) { return memo().get(g, 1, graphDigest); }
uint64_t digestOf(const std::shared_ptr<const partition::PartitionResult>& p) {
  return memo().get(p, 2, partitionDigest);
}
uint64_t digestOf(const std::shared_ptr<const Anchors>& a) { return memo().get(a, 3, anchorsDigest); }

}  // namespace aotviz::viz
