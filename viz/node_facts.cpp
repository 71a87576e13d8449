// viz/node_facts.cpp — per-node facts of a graph and its partition (see node_facts.h).
#include "viz/node_facts.h"

#include <string_view>
#include <unordered_map>

#include "viz/content_digest.h"

namespace aotviz::viz {

std::shared_ptr<const NodeFacts> nodeFacts(const ir::Graph& g, const partition::PartitionResult* partition,
                                           bool with_scopes) {
  auto f = std::make_shared<NodeFacts>();
  const size_t N = g.nodes.size();
  f->placement.assign(N, -1);
  f->saved_bytes.assign(N, 0);
  std::unordered_map<std::string_view, int32_t> scope_index;  // keys point into g
  if (with_scopes) f->scope.assign(N, 0);
  for (size_t i = 0; with_scopes && i < N; ++i) {
    auto [it, fresh] = scope_index.try_emplace(g.nodes[i].prov.scope, static_cast<int32_t>(f->scopes.size()));
    if (fresh) f->scopes.push_back(g.nodes[i].prov.scope);
    f->scope[i] = it->second;
  }
  if (partition) {
    // The partition lists its joint graph's nodes mostly in that graph's order (the nodes CSE merged come last), so
    // one merge by name finds most; the rest are matched through a map of only them.
    const auto& decided = partition->nodes;
    size_t j = 0;
    for (size_t i = 0; i < N && j < decided.size(); ++i)
      if (decided[j].name == g.nodes[i].name) f->placement[i] = static_cast<int8_t>(decided[j++].placement);
    if (j < decided.size()) {
      std::unordered_map<std::string_view, partition::Placement> rest;
      for (size_t k = j; k < decided.size(); ++k) rest.emplace(decided[k].name, decided[k].placement);
      for (size_t i = 0; i < N; ++i) {
        auto it = f->placement[i] < 0 ? rest.find(g.nodes[i].name) : rest.end();
        if (it != rest.end()) f->placement[i] = static_cast<int8_t>(it->second);
      }
    }
    std::unordered_map<std::string_view, int64_t> saved;  // keys point into partition
    saved.reserve(partition->saved.size());
    for (const auto& s : partition->saved) saved.emplace(s.name, s.bytes);
    for (size_t i = 0; i < N; ++i)
      for (ir::ValueId v : g.nodes[i].outputs) {
        auto it = saved.find(g.value(v).name);
        if (it != saved.end()) f->saved_bytes[i] += it->second;
      }
  }
  Hasher h;
  h.add(static_cast<uint64_t>(N));
  for (int8_t p : f->placement) h.addInt(p);
  for (int64_t b : f->saved_bytes) h.addInt(b);
  h.add(static_cast<uint64_t>(f->scope.size()));
  for (int32_t s : f->scope) h.addInt(s);
  h.add(static_cast<uint64_t>(f->scopes.size()));
  for (const std::string& s : f->scopes) h.add(s);
  f->digest = h.value();
  return f;
}

std::shared_ptr<const NodeFacts> NodeFactsCache::get(
    const std::shared_ptr<const ir::Graph>& g, const std::shared_ptr<const partition::PartitionResult>& partition) {
  if (!g) return nullptr;
  const std::pair<uint64_t, uint64_t> key{digestOf(g), digestOf(partition)};
  if (auto* f = cache_.find(key)) return *f;
  return cache_.put(key, nodeFacts(*g, partition.get()));
}

}  // namespace aotviz::viz
