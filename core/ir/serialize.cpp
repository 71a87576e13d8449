// core/ir/serialize.cpp — JSON writer and validating reader for the graph IR.
#include "core/ir/serialize.h"

#include <nlohmann/json.hpp>

#include "core/ir/verify.h"
#include "core/util/diagnostic.h"
#include "core/util/json_read.h"

namespace aotviz::ir {

using nlohmann::json;

namespace {

const util::JsonReader kReader{"load", "the file is not an aotviz graph of this version, or it is damaged"};

[[noreturn]] void bad(const std::string& path, const std::string& what) { kReader.bad(path, what); }
const json& field(const json& j, const char* key, const std::string& path) { return kReader.field(j, key, path); }
int64_t getInt(const json& j, const std::string& path) { return kReader.getInt(j, path); }
std::string getString(const json& j, const std::string& path) { return kReader.getString(j, path); }
bool getBool(const json& j, const std::string& path) { return kReader.getBool(j, path); }
double doubleFromJson(const json& j, const std::string& path) { return kReader.getDouble(j, path); }
std::vector<int64_t> intsFromJson(const json& j, const std::string& path) { return kReader.getInts(j, path); }
using util::doubleToJson;

const char* roleName(InputRole r) {
  switch (r) {
    case InputRole::Primal: return "primal";
    case InputRole::Tangent: return "tangent";
    case InputRole::Arg: return "arg";
    case InputRole::Saved: return "saved";
    case InputRole::None: break;
  }
  return "none";
}

InputRole roleFromName(const std::string& s, const std::string& path) {
  if (s == "primal") return InputRole::Primal;
  if (s == "tangent") return InputRole::Tangent;
  if (s == "arg") return InputRole::Arg;
  if (s == "saved") return InputRole::Saved;
  if (s == "none") return InputRole::None;
  bad(path, "unknown input role '" + s + "' (expected primal, tangent, arg, saved or none)");
}

json argToJson(const Arg& a) {
  switch (a.kind) {
    case Arg::Kind::Value: return {{"v", a.value.v}};
    case Arg::Kind::ValueList: {
      json vs = json::array();
      for (ValueId v : a.values) vs.push_back(v.valid() ? json(v.v) : json(nullptr));
      return {{"vs", vs}};
    }
    case Arg::Kind::None: return nullptr;
    case Arg::Kind::Bool: return {{"b", a.b}};
    case Arg::Kind::Int: return {{"i", a.i}};
    case Arg::Kind::Double: return {{"d", doubleToJson(a.d)}};
    case Arg::Kind::String: return {{"s", a.s}};
    case Arg::Kind::IntList: return {{"ints", a.ints}};
    case Arg::Kind::DoubleList: {
      json ds = json::array();
      for (double d : a.doubles) ds.push_back(doubleToJson(d));
      return {{"doubles", ds}};
    }
    case Arg::Kind::BoolList: {
      json bs = json::array();
      for (bool b : a.bools) bs.push_back(b);
      return {{"bools", bs}};
    }
    case Arg::Kind::Device: return {{"device", a.s}};
    case Arg::Kind::Tensor: {
      json data = json::array();
      for (double d : a.tensor->data) data.push_back(doubleToJson(d));
      return {{"tensor",
               {{"dtype", dtypeName(a.tensor->dtype)},
                {"sizes", a.tensor->sizes},
                {"data", data},
                {"wrapped_number", a.tensor->wrapped_number}}}};
    }
  }
  return nullptr;
}

Arg argFromJson(const json& j, const std::string& path, size_t num_values) {
  auto checkValue = [&](int64_t v, const std::string& p) {
    if (v < 0 || static_cast<size_t>(v) >= num_values)
      bad(p, "value id " + std::to_string(v) + " is out of range (graph has " + std::to_string(num_values) +
                 " values)");
    return ValueId(static_cast<int32_t>(v));
  };
  if (j.is_null()) return Arg::none();
  if (!j.is_object() || j.size() != 1) bad(path, "expected null or an object with exactly one key");
  const std::string key = j.begin().key();
  const json& x = j.begin().value();
  const std::string p = path + "." + key;
  if (key == "v") return Arg::ofValue(checkValue(getInt(x, p), p));
  if (key == "vs") {
    if (!x.is_array()) bad(p, "expected an array of value ids or nulls");
    std::vector<ValueId> vs;
    for (size_t i = 0; i < x.size(); ++i) {
      std::string pi = p + "[" + std::to_string(i) + "]";
      vs.push_back(x[i].is_null() ? ValueId() : checkValue(getInt(x[i], pi), pi));
    }
    return Arg::ofValues(std::move(vs));
  }
  if (key == "b") return Arg::ofBool(getBool(x, p));
  if (key == "i") return Arg::ofInt(getInt(x, p));
  if (key == "d") return Arg::ofDouble(doubleFromJson(x, p));
  if (key == "s") return Arg::ofString(getString(x, p));
  if (key == "ints") return Arg::ofInts(intsFromJson(x, p));
  if (key == "doubles") {
    if (!x.is_array()) bad(p, "expected an array of numbers");
    std::vector<double> ds;
    for (size_t i = 0; i < x.size(); ++i) ds.push_back(doubleFromJson(x[i], p + "[" + std::to_string(i) + "]"));
    return Arg::ofDoubles(std::move(ds));
  }
  if (key == "bools") {
    if (!x.is_array()) bad(p, "expected an array of booleans");
    std::vector<bool> bs;
    for (size_t i = 0; i < x.size(); ++i) bs.push_back(getBool(x[i], p + "[" + std::to_string(i) + "]"));
    return Arg::ofBools(std::move(bs));
  }
  if (key == "device") {
    std::string d = getString(x, p);
    try {
      (void)c10::Device(d);
    } catch (const std::exception&) {
      bad(p, "'" + d + "' is not a device");
    }
    return Arg::ofDevice(c10::Device(d));
  }
  if (key == "tensor") {
    ConstTensor c;
    std::string dt = getString(field(x, "dtype", p), p + ".dtype");
    auto parsed = parseDtype(dt);
    if (!parsed) bad(p + ".dtype", "unknown dtype '" + dt + "'");
    c.dtype = *parsed;
    c.sizes = intsFromJson(field(x, "sizes", p), p + ".sizes");
    const json& data = field(x, "data", p);
    if (!data.is_array()) bad(p + ".data", "expected an array of numbers");
    for (size_t i = 0; i < data.size(); ++i)
      c.data.push_back(doubleFromJson(data[i], p + ".data[" + std::to_string(i) + "]"));
    int64_t n = 1;
    for (int64_t s : c.sizes) {
      if (s < 0) bad(p + ".sizes", "negative size");
      n *= s;
    }
    if (static_cast<int64_t>(c.data.size()) != n)
      bad(p + ".data", "has " + std::to_string(c.data.size()) + " elements but sizes give " + std::to_string(n));
    c.wrapped_number = getBool(field(x, "wrapped_number", p), p + ".wrapped_number");
    return Arg::ofTensor(std::move(c));
  }
  bad(p, "unknown argument kind '" + key + "'");
}

json provToJson(const Provenance& p) {
  json j = {{"phase", p.phase == Phase::Backward ? "bw" : "fw"}};
  if (!p.scope.empty()) j["scope"] = p.scope;
  if (!p.source.empty()) j["source"] = p.source;
  if (!p.stage.empty()) j["stage"] = p.stage;
  if (!p.grad_fn.empty()) j["grad_fn"] = p.grad_fn;
  return j;
}

Provenance provFromJson(const json& j, const std::string& path) {
  Provenance p;
  if (!j.is_object()) bad(path, "expected an object");
  std::string phase = getString(field(j, "phase", path), path + ".phase");
  if (phase != "fw" && phase != "bw") bad(path + ".phase", "expected \"fw\" or \"bw\"");
  p.phase = phase == "bw" ? Phase::Backward : Phase::Forward;
  if (j.contains("scope")) p.scope = getString(j["scope"], path + ".scope");
  if (j.contains("source")) p.source = getString(j["source"], path + ".source");
  if (j.contains("stage")) p.stage = getString(j["stage"], path + ".stage");
  if (j.contains("grad_fn")) p.grad_fn = getString(j["grad_fn"], path + ".grad_fn");
  return p;
}

}  // namespace

json metaToJson(const TensorMeta& m) {
  return {{"sizes", m.sizes},
          {"strides", m.strides},
          {"offset", m.storage_offset},
          {"dtype", dtypeName(m.dtype)},
          {"device", m.device.str()},
          {"requires_grad", m.requires_grad}};
}

TensorMeta metaFromJson(const json& j, const std::string& path) {
  TensorMeta m;
  m.sizes = intsFromJson(field(j, "sizes", path), path + ".sizes");
  m.strides = intsFromJson(field(j, "strides", path), path + ".strides");
  if (m.sizes.size() != m.strides.size()) bad(path + ".strides", "must have as many entries as sizes");
  for (int64_t s : m.sizes)
    if (s < 0) bad(path + ".sizes", "negative size");
  m.storage_offset = getInt(field(j, "offset", path), path + ".offset");
  std::string dt = getString(field(j, "dtype", path), path + ".dtype");
  auto parsed = parseDtype(dt);
  if (!parsed) bad(path + ".dtype", "unknown dtype '" + dt + "'");
  m.dtype = *parsed;
  std::string dev = getString(field(j, "device", path), path + ".device");
  try {
    m.device = c10::Device(dev);
  } catch (const std::exception&) {
    bad(path + ".device", "'" + dev + "' is not a device");
  }
  m.requires_grad = getBool(field(j, "requires_grad", path), path + ".requires_grad");
  return m;
}

json graphToJson(const Graph& g) {
  json values = json::array();
  for (const Value& v : g.values)
    values.push_back({{"name", v.name}, {"producer", v.producer.v}, {"index", v.output_index}, {"meta", metaToJson(v.meta)}});
  json nodes = json::array();
  for (const Node& n : g.nodes) {
    json jn;
    json outs = json::array();
    for (ValueId v : n.outputs) outs.push_back(v.v);
    json args = json::array();
    for (const Arg& a : n.args) args.push_back(argToJson(a));
    switch (n.kind) {
      case NodeKind::Placeholder:
        jn = {{"kind", "placeholder"}, {"name", n.name}, {"role", roleName(n.role)}, {"outputs", outs}};
        break;
      case NodeKind::Call:
        jn = {{"kind", "call"}, {"name", n.name}, {"op", n.op}, {"overload", n.overload}, {"arg_names", n.arg_names},
              {"args", args}, {"outputs", outs}};
        if (n.list_output) jn["list_output"] = true;
        if (n.nondeterministic_seeded) jn["nondeterministic_seeded"] = true;
        break;
      case NodeKind::Output: jn = {{"kind", "output"}, {"name", n.name}, {"args", args}}; break;
    }
    jn["prov"] = provToJson(n.prov);
    nodes.push_back(std::move(jn));
  }
  return {{"format", "aotviz.graph"}, {"schema_version", kGraphSchemaVersion}, {"values", values}, {"nodes", nodes}};
}

Graph graphFromJson(const json& j) {
  if (!j.is_object()) bad("$", "expected a JSON object");
  if (!j.contains("format") || j["format"] != "aotviz.graph") bad("$.format", "expected \"aotviz.graph\"");
  int64_t version = getInt(field(j, "schema_version", "$"), "$.schema_version");
  if (version != kGraphSchemaVersion)
    fail("load", "",
         "$.schema_version: graph format version " + std::to_string(version) + " is not supported (this aotviz reads " +
             std::to_string(kGraphSchemaVersion) + ")",
         "re-export the graph with this version of aotviz");
  const json& jv = field(j, "values", "$");
  const json& jn = field(j, "nodes", "$");
  if (!jv.is_array()) bad("$.values", "expected an array");
  if (!jn.is_array()) bad("$.nodes", "expected an array");
  Graph g;
  for (size_t i = 0; i < jv.size(); ++i) {
    std::string p = "$.values[" + std::to_string(i) + "]";
    Value v;
    v.id = ValueId(static_cast<int32_t>(i));
    v.name = getString(field(jv[i], "name", p), p + ".name");
    int64_t prod = getInt(field(jv[i], "producer", p), p + ".producer");
    if (prod < 0 || static_cast<size_t>(prod) >= jn.size()) bad(p + ".producer", "node id out of range");
    v.producer = NodeId(static_cast<int32_t>(prod));
    v.output_index = static_cast<int32_t>(getInt(field(jv[i], "index", p), p + ".index"));
    v.meta = metaFromJson(field(jv[i], "meta", p), p + ".meta");
    g.values.push_back(std::move(v));
  }
  for (size_t i = 0; i < jn.size(); ++i) {
    std::string p = "$.nodes[" + std::to_string(i) + "]";
    const json& x = jn[i];
    Node n;
    n.id = NodeId(static_cast<int32_t>(i));
    std::string kind = getString(field(x, "kind", p), p + ".kind");
    n.name = getString(field(x, "name", p), p + ".name");
    if (kind == "placeholder") {
      n.kind = NodeKind::Placeholder;
      n.role = roleFromName(getString(field(x, "role", p), p + ".role"), p + ".role");
    } else if (kind == "call") {
      n.kind = NodeKind::Call;
      n.op = getString(field(x, "op", p), p + ".op");
      n.overload = getString(field(x, "overload", p), p + ".overload");
      const json& names = field(x, "arg_names", p);
      if (!names.is_array()) bad(p + ".arg_names", "expected an array of strings");
      for (size_t k = 0; k < names.size(); ++k)
        n.arg_names.push_back(getString(names[k], p + ".arg_names[" + std::to_string(k) + "]"));
      n.list_output = x.contains("list_output") && getBool(x["list_output"], p + ".list_output");
      n.nondeterministic_seeded =
          x.contains("nondeterministic_seeded") && getBool(x["nondeterministic_seeded"], p + ".nondeterministic_seeded");
    } else if (kind == "output") {
      n.kind = NodeKind::Output;
    } else {
      bad(p + ".kind", "unknown node kind '" + kind + "' (expected placeholder, call or output)");
    }
    if (n.kind != NodeKind::Placeholder) {
      const json& args = field(x, "args", p);
      if (!args.is_array()) bad(p + ".args", "expected an array");
      for (size_t k = 0; k < args.size(); ++k)
        n.args.push_back(argFromJson(args[k], p + ".args[" + std::to_string(k) + "]", g.values.size()));
      if (n.kind == NodeKind::Call && n.arg_names.size() != n.args.size())
        bad(p + ".arg_names", "must have one name per argument");
    }
    if (n.kind != NodeKind::Output) {
      const json& outs = field(x, "outputs", p);
      if (!outs.is_array()) bad(p + ".outputs", "expected an array of value ids");
      for (size_t k = 0; k < outs.size(); ++k) {
        std::string pk = p + ".outputs[" + std::to_string(k) + "]";
        int64_t v = getInt(outs[k], pk);
        if (v < 0 || static_cast<size_t>(v) >= g.values.size()) bad(pk, "value id out of range");
        if (g.values[static_cast<size_t>(v)].producer.v != static_cast<int32_t>(i))
          bad(pk, "value " + std::to_string(v) + " names another node as its producer");
        n.outputs.push_back(ValueId(static_cast<int32_t>(v)));
      }
      if (n.kind == NodeKind::Placeholder && n.outputs.size() != 1) bad(p + ".outputs", "a placeholder defines one value");
    }
    n.prov = provFromJson(field(x, "prov", p), p + ".prov");
    g.nodes.push_back(std::move(n));
  }
  // Well-formed field by field is not enough: a graph whose values are used before they are defined, defined
  // twice, or that has no output node is refused here, so no later stage or view ever sees one. Operators are
  // not checked against this LibTorch: a graph from another version can be displayed; what runs checks them.
  VerifyOptions structure;
  structure.check_schemas = false;
  auto problems = verify(g, structure);
  if (!problems.empty()) {
    const Diagnostic& d = problems.front();
    bad(d.node_id >= 0 ? "$.nodes[" + std::to_string(d.node_id) + "]" : "$",
        (d.node.empty() ? "" : d.node + ": ") + d.message + " (the graph fails the IR verifier)");
  }
  return g;
}

std::string graphToJsonString(const Graph& g) { return graphToJson(g).dump(1); }

Graph graphFromJsonString(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers that overflow
    fail("load", "", std::string("not valid JSON: ") + e.what(), "the file is truncated or is not an aotviz graph");
  }
  return graphFromJson(j);
}

}  // namespace aotviz::ir
