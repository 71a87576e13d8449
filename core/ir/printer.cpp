// core/ir/printer.cpp — FX-style printing of the graph IR.
#include "core/ir/printer.h"

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "core/ir/op_registry.h"

namespace aotviz::ir {

namespace {

// torch/utils/_dtype_abbrs.py, the names PyTorch's graphs use.
const std::pair<c10::ScalarType, const char*> kShortDtypes[] = {
    {c10::ScalarType::BFloat16, "bf16"},      {c10::ScalarType::Double, "f64"},
    {c10::ScalarType::Float, "f32"},          {c10::ScalarType::Half, "f16"},
    {c10::ScalarType::Float8_e4m3fn, "f8e4m3fn"}, {c10::ScalarType::Float8_e5m2, "f8e5m2"},
    {c10::ScalarType::Float8_e4m3fnuz, "f8e4m3fnuz"}, {c10::ScalarType::Float8_e5m2fnuz, "f8e5m2fnuz"},
    {c10::ScalarType::Float8_e8m0fnu, "f8e8m0fnu"}, {c10::ScalarType::Float4_e2m1fn_x2, "f4e2m1fnx2"},
    {c10::ScalarType::ComplexHalf, "c32"},    {c10::ScalarType::ComplexFloat, "c64"},
    {c10::ScalarType::ComplexDouble, "c128"}, {c10::ScalarType::Char, "i8"},
    {c10::ScalarType::Short, "i16"},          {c10::ScalarType::Int, "i32"},
    {c10::ScalarType::Long, "i64"},           {c10::ScalarType::Bool, "b8"},
    {c10::ScalarType::Byte, "u8"},            {c10::ScalarType::UInt16, "u16"},
    {c10::ScalarType::UInt32, "u32"},         {c10::ScalarType::UInt64, "u64"},
    {c10::ScalarType::Bits16, "b16"},         {c10::ScalarType::Bits1x8, "b1x8"},
};

/// A string literal as Python's repr writes it: single quotes, with backslashes and quotes escaped.
std::string pyString(const std::string& s) {
  std::string r = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') r += '\\';
    if (c == '\n') {
      r += "\\n";
      continue;
    }
    r += c;
  }
  return r + "'";
}

std::string pyDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (std::isnan(d)) return "nan";
  std::ostringstream os;
  os << std::setprecision(17) << d;
  std::string s = os.str();
  // Shortest form that round-trips, as Python's repr does.
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream t;
    t << std::setprecision(p) << d;
    if (std::strtod(t.str().c_str(), nullptr) == d) {  // strtod: std::stod throws on subnormals (ERANGE)
      s = t.str();
      break;
    }
  }
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

template <class T, class F>
std::string listString(const std::vector<T>& xs, F f) {
  std::string s = "[";
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i) s += ", ";
    s += f(xs[i]);
  }
  return s + "]";
}

std::string deviceString(const std::string& d) {
  auto colon = d.find(':');
  if (colon == std::string::npos) return "device(type='" + d + "')";
  return "device(type='" + d.substr(0, colon) + "', index=" + d.substr(colon + 1) + ")";
}

std::string enumByName(const std::string& name, int64_t v) {
  // dtype, out_dtype, input_dtype (_softmax_backward_data), as PyTorch prints them.
  const bool dtype = name == "dtype" || (name.size() > 6 && name.compare(name.size() - 6, 6, "_dtype") == 0);
  if (dtype) return "torch." + dtypeName(static_cast<c10::ScalarType>(v));
  if (name == "layout") return v == 0 ? "torch.strided" : "torch.layout(" + std::to_string(v) + ")";
  if (name == "memory_format") {
    static const char* names[] = {"torch.contiguous_format", "torch.preserve_format", "torch.channels_last",
                                  "torch.channels_last_3d"};
    if (v >= 0 && v < 4) return names[v];
  }
  return std::to_string(v);
}

}  // namespace

const char* shortDtypeName(c10::ScalarType t) {
  for (const auto& [k, v] : kShortDtypes)
    if (k == t) return v;
  return "?";
}

std::optional<c10::ScalarType> parseShortDtypeName(const std::string& name) {
  for (const auto& [k, v] : kShortDtypes)
    if (name == v) return k;
  return std::nullopt;
}

std::string metaString(const TensorMeta& m, bool strides, bool device) {
  auto dims = [](const std::vector<int64_t>& xs) { return listString(xs, [](int64_t x) { return std::to_string(x); }); };
  std::string s = std::string(shortDtypeName(m.dtype)) + dims(m.sizes);
  if (strides) s += dims(m.strides);
  if (device) s += m.device.str();
  return s;
}

std::string argString(const Graph& g, const Arg& a, const std::string& arg_name) {
  switch (a.kind) {
    case Arg::Kind::Value: return a.value.valid() ? g.value(a.value).name : "None";
    case Arg::Kind::ValueList:
      return listString(a.values, [&g](ValueId v) { return v.valid() ? g.value(v).name : std::string("None"); });
    case Arg::Kind::None: return "None";
    case Arg::Kind::Bool: return a.b ? "True" : "False";
    case Arg::Kind::Int: return enumByName(arg_name, a.i);
    case Arg::Kind::Double: return pyDouble(a.d);
    case Arg::Kind::String: return pyString(a.s);
    case Arg::Kind::IntList: return listString(a.ints, [](int64_t x) { return std::to_string(x); });
    case Arg::Kind::DoubleList: return listString(a.doubles, pyDouble);
    case Arg::Kind::BoolList: return listString(a.bools, [](bool x) { return std::string(x ? "True" : "False"); });
    case Arg::Kind::Device: return deviceString(a.s);
    case Arg::Kind::Tensor: {
      const ConstTensor& c = *a.tensor;
      bool integral = c10::isIntegralType(c.dtype, /*includeBool=*/true);
      auto elem = [integral, &c](double x) {
        if (c.dtype == c10::ScalarType::Bool) return std::string(x != 0 ? "True" : "False");
        return integral ? std::to_string(static_cast<int64_t>(x)) : pyDouble(x);
      };
      if (c.sizes.empty() && c.data.size() == 1) {
        // Wrapped numbers print as the Python number they stand for, as in PyTorch's graphs.
        if (c.wrapped_number) return elem(c.data[0]);
        return "torch.tensor(" + elem(c.data[0]) + ", dtype=torch." + dtypeName(c.dtype) + ")";
      }
      return "torch.tensor(" + listString(c.data, elem) + ", dtype=torch." + dtypeName(c.dtype) + ").reshape(" +
             listString(c.sizes, [](int64_t x) { return std::to_string(x); }) + ")";
    }
  }
  return "?";
}

void printGraph(std::ostream& os, const Graph& g, const PrintOptions& opts) {
  auto annot = [&](ValueId v) {
    return opts.show_meta ? ": \"" + metaString(g.value(v).meta, opts.show_strides, opts.show_device) + "\""
                          : std::string();
  };
  os << "def " << opts.function_name << "(self";
  for (const Node& n : g.nodes)
    if (n.kind == NodeKind::Placeholder) os << ", " << n.name << annot(n.outputs.at(0));
  os << "):\n";
  for (const Node& n : g.nodes) {
    if (n.kind == NodeKind::Call) {
      const SchemaInfo* schema = lookupSchema(n.op, n.overload);
      // Drop trailing arguments equal to their schema defaults; keyword-only ones print as name=value.
      size_t num_positional = schema ? std::min(schema->num_positional, n.args.size()) : n.args.size();
      auto isDefault = [&](size_t i) {
        return schema && i < schema->defaults.size() && schema->defaults[i] && *schema->defaults[i] == n.args[i];
      };
      size_t last_pos = num_positional;
      while (last_pos > 0 && isDefault(last_pos - 1)) --last_pos;
      std::string call = "torch.ops." + n.op.substr(0, n.op.find("::")) + "." + n.opShortName() + "." +
                         (n.overload.empty() ? "default" : n.overload) + "(";
      bool first = true;
      for (size_t i = 0; i < n.args.size(); ++i) {
        if (i < num_positional ? i >= last_pos : isDefault(i)) continue;
        const std::string& an = i < n.arg_names.size() ? n.arg_names[i] : std::string();
        if (!first) call += ", ";
        first = false;
        if (i >= num_positional) call += an + " = ";
        call += argString(g, n.args[i], an);
      }
      call += ")";
      std::string comment;
      if (opts.show_provenance) {
        comment = "  # ";
        comment += n.prov.phase == Phase::Backward ? "bw" : "fw";
        if (!n.prov.scope.empty()) comment += " scope=" + n.prov.scope;
        if (!n.prov.source.empty()) comment += " at " + n.prov.source;
        if (!n.prov.grad_fn.empty()) comment += " from " + n.prov.grad_fn;
      }
      if (n.outputs.size() == 1 && !n.list_output) {
        os << "    " << n.name << annot(n.outputs[0]) << " = " << call << comment << "\n";
      } else {
        os << "    " << n.name << " = " << call << comment << "\n";
        for (size_t k = 0; k < n.outputs.size(); ++k)
          os << "    " << g.value(n.outputs[k]).name << annot(n.outputs[k]) << " = " << n.name << "[" << k << "]\n";
      }
    } else if (n.kind == NodeKind::Output) {
      os << "    return [";
      for (size_t i = 0; i < n.args.size(); ++i) os << (i ? ", " : "") << argString(g, n.args[i], "");
      os << "]\n";
    }
  }
}

std::string printGraph(const Graph& g, const PrintOptions& opts) {
  std::ostringstream os;
  printGraph(os, g, opts);
  return os.str();
}

}  // namespace aotviz::ir
