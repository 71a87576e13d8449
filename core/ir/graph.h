// core/ir/graph.h — the graph IR shared by every stage: nodes in topological order, SSA values with
// tensor metadata, constant arguments, provenance. Plain data: copyable, comparable, serializable.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aotviz::ir {

/// Strongly typed dense ids. A NodeId indexes Graph::nodes, a ValueId indexes Graph::values.
/// They do not convert into one another.
template <class Tag>
struct Id {
  int32_t v = -1;
  constexpr Id() = default;
  constexpr explicit Id(int32_t x) : v(x) {}
  constexpr bool valid() const { return v >= 0; }
  constexpr bool operator==(Id o) const { return v == o.v; }
  constexpr bool operator!=(Id o) const { return v != o.v; }
  constexpr bool operator<(Id o) const { return v < o.v; }
};
struct NodeTag {};
struct ValueTag {};
using NodeId = Id<NodeTag>;
using ValueId = Id<ValueTag>;

/// Sizes, strides and type of one tensor value. Device is the device the value lives on when the graph
/// runs (capture on meta records the device the user asked for, see capture/).
struct TensorMeta {
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  int64_t storage_offset = 0;
  c10::ScalarType dtype = c10::ScalarType::Float;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  bool requires_grad = false;

  int64_t numel() const;
  /// Bytes of the elements this view spans (numel × element size); what PyTorch's partitioner counts.
  int64_t bytes() const;
  bool isContiguous() const;
  bool operator==(const TensorMeta& o) const;
};

/// A small constant tensor baked into the graph (wrapped Python-style numbers, 0-dim scalars, tiny
/// lifted constants). Values are kept as doubles or int64 depending on dtype.
struct ConstTensor {
  c10::ScalarType dtype = c10::ScalarType::Float;
  std::vector<int64_t> sizes;
  std::vector<double> data;  // row-major, exact for every integer up to 2^53 and every float/double
  bool wrapped_number = false;
  bool operator==(const ConstTensor& o) const;
};

/// One argument of a call node: a graph value, a constant, or a list of (optional) graph values.
struct Arg {
  enum class Kind : uint8_t {
    Value,       // a tensor value of this graph
    ValueList,   // Tensor[] or Tensor?[]; missing entries are ValueId{-1}
    None,
    Bool,
    Int,
    Double,
    String,
    IntList,
    DoubleList,
    BoolList,
    Device,
    Tensor,      // ConstTensor
  };
  Kind kind = Kind::None;
  ValueId value;
  std::vector<ValueId> values;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;  // String, Device ("cpu", "cuda:0")
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<bool> bools;
  std::shared_ptr<const ConstTensor> tensor;

  static Arg ofValue(ValueId v);
  static Arg ofValues(std::vector<ValueId> v);
  static Arg none();
  static Arg ofBool(bool x);
  static Arg ofInt(int64_t x);
  static Arg ofDouble(double x);
  static Arg ofString(std::string x);
  static Arg ofInts(std::vector<int64_t> x);
  static Arg ofDoubles(std::vector<double> x);
  static Arg ofBools(std::vector<bool> x);
  static Arg ofDevice(const c10::Device& d);
  static Arg ofTensor(ConstTensor t);
  bool operator==(const Arg& o) const;
};

enum class NodeKind : uint8_t { Placeholder, Call, Output };

/// Role of a placeholder, as AOTAutograd's partitioner reads it from the placeholder name. Saved: a backward
/// graph's input that the forward graph saved for it.
enum class InputRole : uint8_t { None, Primal, Tangent, Arg, Saved };

/// Which half of the joint computation produced a node (PyTorch's partitioner_tag).
enum class Phase : uint8_t { Forward, Backward };

/// Where a node came from.
struct Provenance {
  std::string scope;   // module scope, e.g. "layers.0.attn" ("" when unknown)
  std::string source;  // source location (file:line) when known
  std::string stage;   // the pipeline stage that created the node, e.g. "capture"
  Phase phase = Phase::Forward;
  std::string grad_fn;  // backward nodes: the autograd node whose formula emitted it ("MmBackward0");
                        // "" for gradient accumulation between nodes and for forward nodes
  bool operator==(const Provenance& o) const;
};

struct Node {
  NodeId id;
  NodeKind kind = NodeKind::Call;
  std::string name;      // FX-style, unique in the graph: primals_1, mm, mul_1, output
  std::string op;        // qualified operator name, "aten::mm" (Call only)
  std::string overload;  // overload name, "" for default, "Tensor" for add.Tensor
  std::vector<std::string> arg_names;  // schema argument names, parallel to args (Call only)
  std::vector<Arg> args;               // Call: schema arguments in order; Output: one Arg per output
  std::vector<ValueId> outputs;        // values this node defines
  bool list_output = false;            // outputs came from one Tensor[] return (printed as getitem)
  InputRole role = InputRole::None;    // Placeholder only
  bool nondeterministic_seeded = false;
  Provenance prov;

  /// "aten::add.Tensor" or "aten::mm".
  std::string qualifiedOp() const;
  /// "add" for aten::add.Tensor; base of FX names.
  std::string opShortName() const;
};

struct Value {
  ValueId id;
  NodeId producer;
  int32_t output_index = 0;
  std::string name;  // FX-style name of the value (node name, or getitem_N for multi-output nodes)
  TensorMeta meta;
};

/// A graph in topological order: placeholders, calls, and one trailing output node.
/// Invariants (checked by verify()): every argument value is defined by an earlier node; ids are dense and
/// equal to positions; names are unique; exactly one output node and it is last.
class Graph {
 public:
  std::vector<Node> nodes;
  std::vector<Value> values;

  const Node& node(NodeId id) const { return nodes.at(static_cast<size_t>(id.v)); }
  Node& node(NodeId id) { return nodes.at(static_cast<size_t>(id.v)); }
  const Value& value(ValueId id) const { return values.at(static_cast<size_t>(id.v)); }
  Value& value(ValueId id) { return values.at(static_cast<size_t>(id.v)); }

  /// Appends a placeholder defining one value.
  ValueId addPlaceholder(std::string name, InputRole role, TensorMeta meta, Provenance prov = {});
  /// Appends a call node; output metas define one value each. Names are assigned later by assignNames().
  NodeId addCall(std::string op, std::string overload, std::vector<std::string> arg_names, std::vector<Arg> args,
                 std::vector<TensorMeta> outputs, Provenance prov = {}, bool list_output = false);
  /// Appends (or replaces) the output node.
  NodeId setOutputs(std::vector<Arg> outputs);

  const Node* outputNode() const;
  std::vector<NodeId> placeholders() const;
  size_t numCalls() const;

  /// Gives every call node and value an FX-style name (op base name with _1, _2… suffixes in node order;
  /// getitem, getitem_1… for multi-output nodes), as torch.fx does for make_fx graphs.
  void assignNames();

  /// Renumbers nodes and values densely after nodes were removed or reordered (nodes in vector order;
  /// values in order of definition). Argument references are rewritten.
  void compact();

  /// For each value, the nodes using it (in node order). Built on demand.
  std::vector<std::vector<NodeId>> users() const;

  bool operator==(const Graph& o) const;
};

/// Torch-style dtype names ("float32") and back; parse returns nullopt for unknown names.
std::string dtypeName(c10::ScalarType t);
std::optional<c10::ScalarType> parseDtype(const std::string& name);

}  // namespace aotviz::ir
