// core/ir/graph.cpp — construction, naming and renumbering of the graph IR.
#include "core/ir/graph.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace aotviz::ir {

// ---------------------------------------------------------------------------------------------- TensorMeta

int64_t TensorMeta::numel() const {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

int64_t TensorMeta::bytes() const { return numel() * static_cast<int64_t>(c10::elementSize(dtype)); }

bool TensorMeta::isContiguous() const {
  int64_t expected = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}

bool TensorMeta::operator==(const TensorMeta& o) const {
  return sizes == o.sizes && strides == o.strides && storage_offset == o.storage_offset && dtype == o.dtype &&
         device == o.device && requires_grad == o.requires_grad;
}

bool ConstTensor::operator==(const ConstTensor& o) const {
  return dtype == o.dtype && sizes == o.sizes && data == o.data && wrapped_number == o.wrapped_number;
}

// ---------------------------------------------------------------------------------------------- Arg

Arg Arg::ofValue(ValueId v) { Arg a; a.kind = Kind::Value; a.value = v; return a; }
Arg Arg::ofValues(std::vector<ValueId> v) { Arg a; a.kind = Kind::ValueList; a.values = std::move(v); return a; }
Arg Arg::none() { return Arg{}; }
Arg Arg::ofBool(bool x) { Arg a; a.kind = Kind::Bool; a.b = x; return a; }
Arg Arg::ofInt(int64_t x) { Arg a; a.kind = Kind::Int; a.i = x; return a; }
Arg Arg::ofDouble(double x) { Arg a; a.kind = Kind::Double; a.d = x; return a; }
Arg Arg::ofString(std::string x) { Arg a; a.kind = Kind::String; a.s = std::move(x); return a; }
Arg Arg::ofInts(std::vector<int64_t> x) { Arg a; a.kind = Kind::IntList; a.ints = std::move(x); return a; }
Arg Arg::ofDoubles(std::vector<double> x) { Arg a; a.kind = Kind::DoubleList; a.doubles = std::move(x); return a; }
Arg Arg::ofBools(std::vector<bool> x) { Arg a; a.kind = Kind::BoolList; a.bools = std::move(x); return a; }
Arg Arg::ofDevice(const c10::Device& d) { Arg a; a.kind = Kind::Device; a.s = d.str(); return a; }
Arg Arg::ofTensor(ConstTensor t) {
  Arg a;
  a.kind = Kind::Tensor;
  a.tensor = std::make_shared<const ConstTensor>(std::move(t));
  return a;
}

bool Arg::operator==(const Arg& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::Value: return value == o.value;
    case Kind::ValueList: return values == o.values;
    case Kind::None: return true;
    case Kind::Bool: return b == o.b;
    case Kind::Int: return i == o.i;
    case Kind::Double: return d == o.d || (d != d && o.d != o.d);
    case Kind::String:
    case Kind::Device: return s == o.s;
    case Kind::IntList: return ints == o.ints;
    case Kind::DoubleList: return doubles == o.doubles;
    case Kind::BoolList: return bools == o.bools;
    case Kind::Tensor: return tensor && o.tensor && *tensor == *o.tensor;
  }
  return false;
}

bool Provenance::operator==(const Provenance& o) const {
  return scope == o.scope && source == o.source && stage == o.stage && phase == o.phase && grad_fn == o.grad_fn;
}

// ---------------------------------------------------------------------------------------------- Node

std::string Node::qualifiedOp() const { return overload.empty() ? op : op + "." + overload; }

std::string Node::opShortName() const {
  auto pos = op.rfind("::");
  return pos == std::string::npos ? op : op.substr(pos + 2);
}

// ---------------------------------------------------------------------------------------------- Graph

ValueId Graph::addPlaceholder(std::string name, InputRole role, TensorMeta meta, Provenance prov) {
  Node n;
  n.id = NodeId(static_cast<int32_t>(nodes.size()));
  n.kind = NodeKind::Placeholder;
  n.name = name;
  n.role = role;
  n.prov = std::move(prov);
  Value v;
  v.id = ValueId(static_cast<int32_t>(values.size()));
  v.producer = n.id;
  v.name = std::move(name);
  v.meta = std::move(meta);
  n.outputs.push_back(v.id);
  values.push_back(std::move(v));
  nodes.push_back(std::move(n));
  return values.back().id;
}

NodeId Graph::addCall(std::string op, std::string overload, std::vector<std::string> arg_names, std::vector<Arg> args,
                      std::vector<TensorMeta> outs, Provenance prov, bool list_output) {
  Node n;
  n.id = NodeId(static_cast<int32_t>(nodes.size()));
  n.kind = NodeKind::Call;
  n.op = std::move(op);
  n.overload = std::move(overload);
  n.arg_names = std::move(arg_names);
  n.args = std::move(args);
  n.prov = std::move(prov);
  n.list_output = list_output;
  int32_t idx = 0;
  for (auto& m : outs) {
    Value v;
    v.id = ValueId(static_cast<int32_t>(values.size()));
    v.producer = n.id;
    v.output_index = idx++;
    v.meta = std::move(m);
    n.outputs.push_back(v.id);
    values.push_back(std::move(v));
  }
  nodes.push_back(std::move(n));
  return nodes.back().id;
}

NodeId Graph::setOutputs(std::vector<Arg> outs) {
  if (!nodes.empty() && nodes.back().kind == NodeKind::Output) nodes.pop_back();
  Node n;
  n.id = NodeId(static_cast<int32_t>(nodes.size()));
  n.kind = NodeKind::Output;
  n.name = "output";
  n.args = std::move(outs);
  nodes.push_back(std::move(n));
  return nodes.back().id;
}

const Node* Graph::outputNode() const {
  if (nodes.empty() || nodes.back().kind != NodeKind::Output) return nullptr;
  return &nodes.back();
}

std::vector<NodeId> Graph::placeholders() const {
  std::vector<NodeId> r;
  for (const auto& n : nodes)
    if (n.kind == NodeKind::Placeholder) r.push_back(n.id);
  return r;
}

size_t Graph::numCalls() const {
  return static_cast<size_t>(std::count_if(nodes.begin(), nodes.end(),
                                           [](const Node& n) { return n.kind == NodeKind::Call; }));
}

void Graph::assignNames() {
  // torch.fx names a node after its target and de-duplicates with _1, _2, … in creation order.
  std::unordered_map<std::string, int> counts;
  auto fresh = [&counts](const std::string& base) {
    int& c = counts[base];
    std::string name = c == 0 ? base : base + "_" + std::to_string(c);
    ++c;
    return name;
  };
  // Python builtins and keywords are not legal names in FX's generated code; FX starts those at _1 (sum_1).
  static const char* const kReserved[] = {"abs", "all", "any", "bool", "divmod", "float", "format", "hash", "id",
                                          "input", "int", "iter", "len", "list", "map", "max", "min", "pow",
                                          "range", "round", "set", "slice", "sum", "type", "zip", "and", "or",
                                          "not", "is", "in", "if", "else", "for", "while", "del", "pass"};
  for (const char* r : kReserved) counts[r] = 1;
  for (const auto& n : nodes)
    if (n.kind == NodeKind::Placeholder) counts[n.name] = 1;
  for (auto& n : nodes) {
    if (n.kind != NodeKind::Call) continue;
    n.name = fresh(n.opShortName());
    if (n.outputs.size() == 1 && !n.list_output) {
      values[static_cast<size_t>(n.outputs[0].v)].name = n.name;
    } else {
      for (ValueId v : n.outputs) values[static_cast<size_t>(v.v)].name = fresh("getitem");
    }
  }
  for (auto& n : nodes)
    if (n.kind == NodeKind::Placeholder) values[static_cast<size_t>(n.outputs.at(0).v)].name = n.name;
}

void Graph::compact() {
  std::vector<int32_t> value_map(values.size(), -1);
  std::vector<Value> new_values;
  new_values.reserve(values.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    n.id = NodeId(static_cast<int32_t>(i));
    for (ValueId& v : n.outputs) {
      Value nv = std::move(values.at(static_cast<size_t>(v.v)));
      value_map[static_cast<size_t>(v.v)] = static_cast<int32_t>(new_values.size());
      nv.id = ValueId(static_cast<int32_t>(new_values.size()));
      nv.producer = n.id;
      v = nv.id;
      new_values.push_back(std::move(nv));
    }
  }
  auto remap = [&](ValueId& v) {
    if (!v.valid()) return;
    int32_t m = value_map.at(static_cast<size_t>(v.v));
    if (m < 0) throw std::logic_error("internal error (aotviz bug): compact() found a use of a removed value");
    v = ValueId(m);
  };
  for (Node& n : nodes)
    for (Arg& a : n.args) {
      if (a.kind == Arg::Kind::Value) remap(a.value);
      if (a.kind == Arg::Kind::ValueList)
        for (ValueId& v : a.values) remap(v);
    }
  values = std::move(new_values);
}

std::vector<std::vector<NodeId>> Graph::users() const {
  std::vector<std::vector<NodeId>> u(values.size());
  for (const Node& n : nodes)
    for (const Arg& a : n.args) {
      if (a.kind == Arg::Kind::Value && a.value.valid()) u[static_cast<size_t>(a.value.v)].push_back(n.id);
      if (a.kind == Arg::Kind::ValueList)
        for (ValueId v : a.values)
          if (v.valid()) u[static_cast<size_t>(v.v)].push_back(n.id);
    }
  for (auto& list : u) list.erase(std::unique(list.begin(), list.end()), list.end());
  return u;
}

bool Graph::operator==(const Graph& o) const {
  if (nodes.size() != o.nodes.size() || values.size() != o.values.size()) return false;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& a = nodes[i];
    const Node& b = o.nodes[i];
    if (a.kind != b.kind || a.name != b.name || a.op != b.op || a.overload != b.overload || a.args != b.args ||
        a.arg_names != b.arg_names || a.outputs != b.outputs || a.list_output != b.list_output || a.role != b.role ||
        a.nondeterministic_seeded != b.nondeterministic_seeded || !(a.prov == b.prov))
      return false;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const Value& a = values[i];
    const Value& b = o.values[i];
    if (a.producer != b.producer || a.output_index != b.output_index || a.name != b.name || !(a.meta == b.meta))
      return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------- dtypes

namespace {
const std::vector<std::pair<c10::ScalarType, const char*>>& dtypeTable() {
  static const std::vector<std::pair<c10::ScalarType, const char*>> t = {
      {c10::ScalarType::Float, "float32"},   {c10::ScalarType::Double, "float64"},
      {c10::ScalarType::Half, "float16"},    {c10::ScalarType::BFloat16, "bfloat16"},
      {c10::ScalarType::Long, "int64"},      {c10::ScalarType::Int, "int32"},
      {c10::ScalarType::Short, "int16"},     {c10::ScalarType::Char, "int8"},
      {c10::ScalarType::Byte, "uint8"},      {c10::ScalarType::Bool, "bool"},
      {c10::ScalarType::ComplexFloat, "complex64"}, {c10::ScalarType::ComplexDouble, "complex128"},
  };
  return t;
}
}  // namespace

std::string dtypeName(c10::ScalarType t) {
  for (const auto& [k, v] : dtypeTable())
    if (k == t) return v;
  return c10::toString(t);
}

std::optional<c10::ScalarType> parseDtype(const std::string& name) {
  for (const auto& [k, v] : dtypeTable())
    if (name == v) return k;
  return std::nullopt;
}

}  // namespace aotviz::ir
