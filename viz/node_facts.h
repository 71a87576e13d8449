// viz/node_facts.h — what a layout reads of each node that does not depend on the collapsed scopes (its placement by
// the partition, the bytes it saves, its module scope), computed once per graph and partition and handed to every
// layout while modules open and close.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/ir/graph.h"
#include "core/partition/partition.h"

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

}  // namespace aotviz::viz
