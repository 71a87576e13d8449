// viz/node_facts.h — what a layout reads of each node that does not depend on the collapsed scopes (its placement by
// the partition, the bytes it saves, its module scope), computed once per graph and partition and handed to every
// layout while modules open and close; and a small cache of them keyed by content digests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/ir/graph.h"
#include "core/partition/partition.h"
#include "viz/lru_cache.h"

namespace aotviz::viz {

struct NodeFacts {
  std::vector<int8_t> placement;     // per node: its partition::Placement, -1 when the partition has none
  std::vector<int64_t> saved_bytes;  // per node: bytes of its outputs the partition saves
  std::vector<int32_t> scope;        // per node: index into scopes
  std::vector<std::string> scopes;   // the distinct module scopes
  uint64_t digest = 0;               // of the fields above (nodeFacts sets it): what layout caches key on
};

/// `with_scopes` false leaves scope and scopes empty (a layout that collapses nothing never reads them).
std::shared_ptr<const NodeFacts> nodeFacts(const ir::Graph& g, const partition::PartitionResult* partition,
                                           bool with_scopes = true);

/// nodeFacts of a graph and a partition (may be null), kept for the last few pairs by their content digests: the
/// Graph panel asks every frame while modules open and close, and gets the same facts until the graph or the
/// partition changes.
class NodeFactsCache {
 public:
  explicit NodeFactsCache(size_t capacity = 4) : cache_(capacity) {}
  std::shared_ptr<const NodeFacts> get(const std::shared_ptr<const ir::Graph>& g,
                                       const std::shared_ptr<const partition::PartitionResult>& partition);

 private:
  LruCache<std::pair<uint64_t, uint64_t>, std::shared_ptr<const NodeFacts>> cache_;
};

}  // namespace aotviz::viz
