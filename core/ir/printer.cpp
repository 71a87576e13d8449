// core/ir/printer.cpp — FX-style printing of the graph IR.
#include "core/ir/printer.h"

#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "core/ir/op_registry.h"

namespace aotviz::ir {

namespace {

const char* shortDtype(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::Float: return "f32";
    case c10::ScalarType::Double: return "f64";
    case c10::ScalarType::Half: return "f16";
    case c10::ScalarType::BFloat16: return "bf16";
    case c10::ScalarType::Long: return "i64";
    case c10::ScalarType::Int: return "i32";
    case c10::ScalarType::Short: return "i16";
    case c10::ScalarType::Char: return "i8";
    case c10::ScalarType::Byte: return "u8";
    case c10::ScalarType::Bool: return "b8";
    case c10::ScalarType::ComplexFloat: return "c64";
    case c10::ScalarType::ComplexDouble: return "c128";
    default: return "?";
  }
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
    if (std::stod(t.str()) == d) {
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
  if (name == "dtype" || name == "out_dtype") return "torch." + dtypeName(static_cast<c10::ScalarType>(v));
  if (name == "layout") return v == 0 ? "torch.strided" : "torch.layout(" + std::to_string(v) + ")";
  if (name == "memory_format") {
    static const char* names[] = {"torch.contiguous_format", "torch.preserve_format", "torch.channels_last",
                                  "torch.channels_last_3d"};
    if (v >= 0 && v < 4) return names[v];
  }
  return std::to_string(v);
}

}  // namespace

std::string metaString(const TensorMeta& m) {
  return std::string(shortDtype(m.dtype)) + listString(m.sizes, [](int64_t x) { return std::to_string(x); });
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
    case Arg::Kind::String: return "'" + a.s + "'";
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
    return opts.show_meta ? ": \"" + metaString(g.value(v).meta) + "\"" : std::string();
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
