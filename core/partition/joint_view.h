// core/partition/joint_view.h — the joint graph as the partitioners see it (internal to core/partition).
//
// PyTorch partitions FX graphs, where a multi-output op is one node returning a tuple plus a getitem node per
// used output. Our IR has multi-output nodes with several values, so a JointView lists "items" that mirror FX's
// nodes one to one: a single-output call or placeholder is one item; a multi-output call is a tuple item (not a
// tensor: it can never be saved) followed by one getitem item per used output. Names are FX's names.
#pragma once

#include <string>
#include <vector>

#include "core/ir/graph.h"
#include "core/partition/partition.h"

namespace aotviz::partition::detail {

constexpr int64_t kFar = 1000000000;  // PyTorch's int(1e9) distance

struct Item {
  ir::NodeId node;
  int output = -1;        // ≥ 0: the getitem of that output of a multi-output node
  std::string name;
  std::string packet;     // operator without namespace and overload: "mm", "getitem"; "" for placeholders
  ir::ValueId value;      // the tensor; invalid for tuple items
  bool placeholder = false, primal = false, tangent = false;
  bool tuple = false;
  bool mutable_op = false;   // writes an argument
  bool backward_tag = false;  // traced during the backward (PyTorch's is_backward tag)
  std::vector<int> inputs, users;  // item indices, each once
  bool output_user = false;        // used by the graph's output node
};

class JointView {
 public:
  JointView(const ir::Graph& g, size_t num_fwd_outputs, const std::vector<size_t>& static_inputs, Rules rules);

  const ir::Graph& graph;
  Rules rules;
  std::vector<Item> items;
  std::vector<int> item_of_value;  // by ValueId
  std::vector<ir::Arg> fw_outputs, bw_outputs;
  std::vector<int> primals, tangents;  // item indices
  std::vector<char> static_input;      // per item: a parameter (static-lifetime input)

  // classify_nodes (§4.1)
  std::vector<char> required_fw, required_bw, tangents_closure;
  std::vector<int> fw_order;           // position among required-fw items, -1 otherwise
  std::vector<int64_t> dist_from_bw;
  /// Per item (Current rules): PyTorch's joint graph gives this value an aten.detach user that the backward reads
  /// through, because autograd saved it as its op's output. See Note [Saved outputs are detached].
  std::vector<char> detached_by_autograd;

  int itemOf(const ir::Arg& a) const { return a.kind == ir::Arg::Kind::Value ? item_of_value.at(a.value.v) : -1; }
  int64_t bytes(int item) const;  // tensor bytes; sum of outputs for tuple items
  bool mustBeInForward(int i) const { return items[i].mutable_op && !items[i].backward_tag; }
  bool mustBeInBackward(int i) const { return items[i].mutable_op && items[i].backward_tag; }
  /// True when the item's value aliases a primal's storage (the primal itself, or a view chain of one).
  bool aliasesInput(int item) const;
  std::string describe(int item) const;  // "mm (aten::mm)"
};

enum class Side { Forward, Backward };

/// PyTorch's _extract_graph_with_inputs_outputs: a new graph whose placeholders are `inputs` (names kept), with
/// every joint node computable from them (except those forced to the other side), DCE'd, returning `outputs`.
/// Throws an internal error when an output is not computable.
ir::Graph extract(const JointView& v, const std::vector<int>& inputs, const std::vector<ir::InputRole>& roles,
                  const std::vector<ir::Arg>& outputs, Side side);

/// Items saved by a partitioner → (forward graph, backward graph, saved items actually used by the backward).
struct Extracted {
  ir::Graph forward, backward;
  std::vector<int> saved;
};
Extracted extractForwardBackward(const JointView& v, std::vector<int> saved);

}  // namespace aotviz::partition::detail
