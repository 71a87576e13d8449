// core/trace/fx_graph.cpp — printed FX graphs to graph IR (Note [Reading printed FX graphs] in fx_graph.h).
#include "core/trace/fx_graph.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/empty_strided.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/frontend/parser.h>

#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/ir/op_registry.h"
#include "core/util/diagnostic.h"

namespace aotviz::trace {

namespace {

namespace jit = torch::jit;
constexpr const char* kStage = "trace";

// ------------------------------------------------------------------------------------------ text helpers

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

bool isIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// The end of `s`'s code part: the position of a `#` comment or a `;` statement separator outside strings and
/// brackets (or s.size()).
size_t codeEnd(const std::string& s, bool stop_at_semicolon) {
  char quote = 0;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == '(' || c == '[' || c == '{') ++depth;
    else if (c == ')' || c == ']' || c == '}') --depth;
    else if (c == '#' || (stop_at_semicolon && c == ';' && depth == 0)) return i;
  }
  return s.size();
}

/// The comment of a line ("PlainAOTInput(idx=0)" for `primals_1: "f32[…]cpu",  # PlainAOTInput(idx=0)`), or "".
std::string commentOf(const std::string& line) {
  const size_t h = codeEnd(line, false);
  return h < line.size() ? trim(line.substr(h + 1)) : "";
}

// ------------------------------------------------------------------------------------------ annotations

std::optional<c10::ScalarType> dtypeOfAbbr(const std::string& a) {
  // torch/utils/_dtype_abbrs.py.
  static const std::unordered_map<std::string, c10::ScalarType> table = {
      {"bf16", c10::kBFloat16}, {"f64", c10::kDouble}, {"f32", c10::kFloat}, {"f16", c10::kHalf},
      {"f8e4m3fn", c10::kFloat8_e4m3fn}, {"f8e5m2", c10::kFloat8_e5m2}, {"f8e4m3fnuz", c10::kFloat8_e4m3fnuz},
      {"f8e5m2fnuz", c10::kFloat8_e5m2fnuz}, {"c32", c10::kComplexHalf}, {"c64", c10::kComplexFloat},
      {"c128", c10::kComplexDouble}, {"i8", c10::kChar}, {"i16", c10::kShort}, {"i32", c10::kInt},
      {"i64", c10::kLong}, {"b8", c10::kBool}, {"u8", c10::kByte}, {"u16", c10::kUInt16},
      {"u32", c10::kUInt32}, {"u64", c10::kUInt64}};
  auto it = table.find(a);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

struct Where {
  const std::string& file;
  size_t line;
  std::string at() const { return file + ":" + std::to_string(line); }
};

[[noreturn]] void bad(const Where& w, const std::string& message, const std::string& hint = {}) {
  fail(kStage, w.at(), message, hint.empty() ? "the log may be damaged; compile again with TORCH_TRACE set" : hint);
}

/// `[8, 128]` at `pos` → the numbers; advances `pos` past the `]`.
std::vector<int64_t> dims(const std::string& s, size_t& pos, const Where& w, const std::string& ann) {
  if (pos >= s.size() || s[pos] != '[') bad(w, "the type annotation \"" + ann + "\" has no shape");
  const size_t close = s.find(']', pos);
  if (close == std::string::npos) bad(w, "the type annotation \"" + ann + "\" is cut short");
  std::vector<int64_t> out;
  const std::string body = s.substr(pos + 1, close - pos - 1);
  size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && (body[i] == ' ' || body[i] == ',')) ++i;
    if (i >= body.size()) break;
    size_t j = i;
    while (j < body.size() && body[j] != ',') ++j;
    const std::string item = trim(body.substr(i, j - i));
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != 0)
      bad(w, "the type annotation \"" + ann + "\" has the symbolic size '" + item + "'",
          "aotviz reads graphs with static shapes only; compile with dynamic=False to get them");
    out.push_back(v);
    i = j;
  }
  pos = close + 1;
  return out;
}

/// "f32[8, 128][128, 1]cpu" → TensorMeta; nullopt for annotations of other values ("Sym(s0)").
std::optional<ir::TensorMeta> parseAnnotation(const std::string& ann, const Where& w) {
  size_t pos = 0;
  while (pos < ann.size() && std::isalnum(static_cast<unsigned char>(ann[pos]))) ++pos;
  if (pos == ann.size() || ann[pos] != '[') return std::nullopt;
  const auto dtype = dtypeOfAbbr(ann.substr(0, pos));
  if (!dtype) bad(w, "the type annotation \"" + ann + "\" names an unknown dtype '" + ann.substr(0, pos) + "'");
  ir::TensorMeta m;
  m.dtype = *dtype;
  m.sizes = dims(ann, pos, w, ann);
  m.strides = dims(ann, pos, w, ann);
  if (m.strides.size() != m.sizes.size()) bad(w, "the type annotation \"" + ann + "\" has sizes and strides of different ranks");
  const std::string device = ann.substr(pos);
  try {
    m.device = c10::Device(device);
  } catch (const c10::Error&) {
    bad(w, "the type annotation \"" + ann + "\" names an unknown device '" + device + "'");
  }
  return m;
}

// ------------------------------------------------------------------------------------------ statements

/// One line of the body: `name: "ann" = rhs`, or a declaration `name: "ann"` (the joint graph's placeholders).
struct Stmt {
  size_t line = 0;
  std::string name, ann, rhs, desc, source;
  bool declaration = false;
};

/// Splits `name: "ann" = rhs;  x = None` (the annotation is optional); false when the line is not of that form.
bool splitStatement(const std::string& t, Stmt& s) {
  size_t i = 0;
  while (i < t.size() && isIdentChar(t[i])) ++i;
  if (i == 0) return false;
  s.name = t.substr(0, i);
  if (i < t.size() && t[i] == ':') {
    const size_t q = t.find('"', i);
    const size_t q2 = q == std::string::npos ? q : t.find('"', q + 1);
    if (q == std::string::npos || q2 == std::string::npos) return false;
    s.ann = t.substr(q + 1, q2 - q - 1);
    i = q2 + 1;
  }
  const std::string rest = trim(t.substr(i));
  if (rest.empty() || rest[0] == '#' || rest[0] == ',') {
    s.declaration = !s.ann.empty();
    s.desc = commentOf(t);
    return s.declaration;
  }
  if (rest[0] != '=' || (rest.size() > 1 && rest[1] == '=')) return false;
  const std::string rhs = trim(rest.substr(1));
  s.rhs = trim(rhs.substr(0, codeEnd(rhs, true)));
  return !s.rhs.empty();
}

/// `base[3]` → (base, 3).
std::optional<std::pair<std::string, int64_t>> asGetitem(const std::string& rhs) {
  const size_t open = rhs.find('[');
  if (open == std::string::npos || open == 0 || rhs.back() != ']') return std::nullopt;
  for (size_t i = 0; i < open; ++i)
    if (!isIdentChar(rhs[i])) return std::nullopt;
  const std::string idx = rhs.substr(open + 1, rhs.size() - open - 2);
  if (idx.empty() || idx.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::make_pair(rhs.substr(0, open), std::stoll(idx));
}

/// "a.b.c" of a Select/Var chain, or "" when `e` is something else.
std::string dotted(const jit::Expr& e) {
  if (e.kind() == jit::TK_VAR) return jit::Var(e).name().name();
  if (e.kind() == '.') {
    const jit::Select s(e);
    const std::string base = dotted(s.value());
    return base.empty() ? "" : base + "." + s.selector().name();
  }
  return "";
}

// ------------------------------------------------------------------------------------------ the builder

class Builder {
 public:
  Builder(GraphKind kind, const std::string& file) : kind_(kind), file_(file) {}

  void placeholder(const Stmt& s) {
    const Where w{file_, s.line};
    if (env_.count(s.name)) bad(w, "the graph input '" + s.name + "' is declared twice");
    const auto meta = parseAnnotation(s.ann, w);
    if (!meta) bad(w, "the graph input '" + s.name + "' is not a tensor (\"" + s.ann + "\")",
                   "aotviz reads graphs whose inputs are tensors; compile with dynamic=False");
    ir::InputRole role = ir::InputRole::Arg;
    if (startsWith(s.name, "tangents_")) role = ir::InputRole::Tangent;
    else if (kind_ == GraphKind::Backward) role = ir::InputRole::Saved;
    else if (startsWith(s.name, "primals_")) role = ir::InputRole::Primal;
    ir::Provenance prov;
    prov.stage = kStage;
    const ir::ValueId v = out_.graph.addPlaceholder(s.name, role, *meta, prov);
    env_[s.name] = v;
    backward_.push_back(role == ir::InputRole::Tangent);
    out_.input_descs.push_back(s.desc);
  }

  /// The body's statements in order; getitems are resolved against the multi-output node they read.
  void body(const std::vector<Stmt>& stmts) {
    std::unordered_map<std::string, std::map<int64_t, const Stmt*>> items;  // base → index → getitem
    for (const Stmt& s : stmts)
      if (auto g = asGetitem(s.rhs)) items[g->first][g->second] = &s;
    for (const Stmt& s : stmts) {
      if (auto g = asGetitem(s.rhs)) {
        getitem(s, g->first, g->second);
        continue;
      }
      auto it = items.find(s.name);
      call(s, it == items.end() ? nullptr : &it->second);
    }
  }

  void outputs(const std::vector<std::pair<std::string, std::string>>& names, size_t line) {
    std::vector<ir::Arg> args;
    for (const auto& [name, desc] : names) {
      if (name == "None") {
        args.push_back(ir::Arg::none());
      } else {
        args.push_back(ir::Arg::ofValue(value(name, Where{file_, line})));
      }
      out_.output_descs.push_back(desc);
    }
    out_.graph.setOutputs(std::move(args));
  }

  FxGraph take() { return std::move(out_); }

 private:
  ir::ValueId value(const std::string& name, const Where& w) const {
    auto it = env_.find(name);
    if (it == env_.end()) bad(w, "'" + name + "' is used before the graph defines it");
    return it->second;
  }

  void getitem(const Stmt& s, const std::string& base, int64_t index) {
    const Where w{file_, s.line};
    auto it = multi_.find(base);
    if (it == multi_.end()) bad(w, "'" + s.name + "' reads " + base + "[" + std::to_string(index) + "], which is not a multi-output node");
    if (index < 0 || static_cast<size_t>(index) >= it->second.size())
      bad(w, "'" + s.name + "' reads output " + std::to_string(index) + " of '" + base + "', which has " +
                 std::to_string(it->second.size()));
    env_[s.name] = it->second[static_cast<size_t>(index)];
  }

  void call(const Stmt& s, const std::map<int64_t, const Stmt*>* items) {
    const Where w{file_, s.line};
    if (env_.count(s.name)) bad(w, "'" + s.name + "' is defined twice");
    jit::Expr e = parse(s.rhs, w);
    std::string callee = e.kind() == jit::TK_APPLY ? dotted(jit::Apply(e).callee()) : "";
    const ir::SchemaInfo* schema = nullptr;
    std::string op, overload;
    if (startsWith(callee, "torch.ops.")) {
      const std::string path = callee.substr(10);  // aten.addmm.default
      const size_t a = path.find('.'), b = path.rfind('.');
      if (a != std::string::npos && b != a) {
        op = path.substr(0, a) + "::" + path.substr(a + 1, b - a - 1);
        overload = path.substr(b + 1);
        if (overload == "default") overload.clear();
        schema = ir::lookupSchema(op, overload);
      } else {
        op = callee;
      }
    } else {
      op = callee.empty() ? s.rhs : callee;
    }

    std::vector<std::string> arg_names;
    std::vector<ir::Arg> args;
    bool from_backward = false;
    auto note = [&](const ir::Arg& a) {
      if (a.kind == ir::Arg::Kind::Value && a.value.valid()) from_backward = from_backward || backward_[a.value.v];
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId v : a.values)
          if (v.valid()) from_backward = from_backward || backward_[v.v];
    };
    if (schema) {
      bind(jit::Apply(e), *schema, w, arg_names, args);
    } else {
      // Shown, not run: tensor arguments as values (so the graph's edges are right), the rest as text.
      if (e.kind() == jit::TK_APPLY) {
        for (const jit::Expr& x : jit::Apply(e).inputs()) args.push_back(loose(x));
        for (const jit::Attribute& at : jit::Apply(e).attributes()) {
          args.push_back(loose(at.value()));
          arg_names.push_back(at.name().name());
        }
        arg_names.insert(arg_names.begin(), args.size() - arg_names.size(), "");
      }
      out_.opaque.push_back(s.name + " = " + op);
    }
    for (const ir::Arg& a : args) note(a);

    // Outputs: the annotation, or the getitems that read them (the rest inferred on meta tensors).
    std::vector<ir::TensorMeta> metas;
    std::vector<std::string> names;
    bool list = schema && schema->returns_list;
    if (!items) {
      auto meta = s.ann.empty() ? std::nullopt : parseAnnotation(s.ann, w);
      if (!meta && schema) {
        auto inferred = infer(*schema, args, w);
        if (inferred.size() == 1) meta = inferred[0];
      }
      if (!meta) bad(w, "'" + s.name + "' has no tensor type (\"" + s.ann + "\")",
                     "aotviz reads graphs of tensor values; compile with dynamic=False");
      metas.push_back(*meta);
      names.push_back(s.name);
    } else {
      size_t n = static_cast<size_t>(items->rbegin()->first) + 1;
      if (schema && !list) n = std::max(n, schema->num_returns);
      std::vector<ir::TensorMeta> inferred;
      bool all = items->size() == n;
      if (schema && (!all || list)) inferred = infer(*schema, args, w);
      if (list) n = std::max(n, inferred.size());
      for (size_t k = 0; k < n; ++k) {
        auto it = items->find(static_cast<int64_t>(k));
        std::optional<ir::TensorMeta> m;
        if (it != items->end()) m = parseAnnotation(it->second->ann, Where{file_, it->second->line});
        if (!m && k < inferred.size()) m = inferred[k];
        if (!m) m = ir::TensorMeta{};  // an opaque node's output nobody reads: unknown
        metas.push_back(*m);
        names.push_back(it != items->end() ? it->second->name : unusedName(s.name + "_out" + std::to_string(k)));
      }
    }
    ir::Provenance prov;
    prov.stage = kStage;
    prov.source = s.source;
    prov.phase = kind_ == GraphKind::Backward || from_backward ? ir::Phase::Backward : ir::Phase::Forward;
    const ir::NodeId id = out_.graph.addCall(op, overload, std::move(arg_names), std::move(args), metas, prov,
                                             list || (items && !schema));
    ir::Node& node = out_.graph.node(id);
    node.name = s.name;
    if (schema) node.nondeterministic_seeded = schema->handle.hasTag(at::Tag::nondeterministic_seeded);
    std::vector<ir::ValueId> outs = node.outputs;
    for (size_t k = 0; k < outs.size(); ++k) {
      out_.graph.value(outs[k]).name = names[k];
      backward_.push_back(prov.phase == ir::Phase::Backward);
    }
    if (items) multi_[s.name] = outs;
    else env_[s.name] = outs[0];
  }

  static jit::Expr parse(const std::string& text, const Where& w) {
    try {
      jit::Parser p(std::make_shared<jit::Source>(std::string_view(text)));
      jit::Expr e = p.parseExp();
      return e;
    } catch (const std::exception& ex) {
      bad(w, "cannot read the expression '" + text + "': " + ex.what());
    }
  }

  /// A number, bool, None, string, list of them, a dtype / layout / memory format name, a device, or a value name.
  struct Lit {
    enum class K { None, Bool, Int, Double, String, Value, List, Device, Enum } k = K::None;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    std::string s;
    ir::ValueId v;
    std::vector<Lit> items;
  };

  Lit literal(const jit::Expr& e, const Where& w) const {
    Lit l;
    switch (e.kind()) {
      case jit::TK_NONE: return l;
      case jit::TK_TRUE: l.k = Lit::K::Bool; l.b = true; return l;
      case jit::TK_FALSE: l.k = Lit::K::Bool; l.b = false; return l;
      case jit::TK_CONST: {
        const jit::Const c(e);
        if (c.isIntegral()) {
          l.k = Lit::K::Int;
          l.i = c.asIntegral();
        } else {
          l.k = Lit::K::Double;
          l.d = c.asFloatingPoint();
        }
        return l;
      }
      case jit::TK_STRINGLITERAL: l.k = Lit::K::String; l.s = jit::StringLiteral(e).text(); return l;
      case jit::TK_UNARY_MINUS:
      case '-': {
        const auto subs = e.get()->trees();
        if (subs.size() == 1) {
          Lit x = literal(jit::Expr(subs[0]), w);
          if (x.k == Lit::K::Int) { x.i = -x.i; return x; }
          if (x.k == Lit::K::Double) { x.d = -x.d; return x; }
        }
        break;
      }
      case jit::TK_LIST_LITERAL:
      case jit::TK_TUPLE_LITERAL: {
        l.k = Lit::K::List;
        const auto inputs = e.kind() == jit::TK_LIST_LITERAL ? jit::ListLiteral(e).inputs() : jit::TupleLiteral(e).inputs();
        for (const jit::Expr& x : inputs) l.items.push_back(literal(x, w));
        return l;
      }
      case jit::TK_VAR: {
        const std::string n = jit::Var(e).name().name();
        if (n == "inf" || n == "nan") {
          l.k = Lit::K::Double;
          l.d = n == "inf" ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
          return l;
        }
        l.k = Lit::K::Value;
        l.v = value(n, w);
        return l;
      }
      case '.': {
        const std::string n = dotted(e);
        if (startsWith(n, "torch.")) {
          l.k = Lit::K::Enum;
          l.s = n.substr(6);
          return l;
        }
        break;
      }
      case jit::TK_APPLY: {
        const jit::Apply a(e);
        if (dotted(a.callee()) == "device") {  // device(type='cpu', index=0)
          std::string type;
          std::optional<int64_t> index;
          for (const jit::Attribute& at : a.attributes()) {
            const Lit x = literal(at.value(), w);
            if (at.name().name() == "type" && x.k == Lit::K::String) type = x.s;
            if (at.name().name() == "index" && x.k == Lit::K::Int) index = x.i;
          }
          l.k = Lit::K::Device;
          l.s = index ? type + ":" + std::to_string(*index) : type;
          return l;
        }
        break;
      }
      default: break;
    }
    bad(w, "cannot read the argument '" + e.range().text().str() + "'");
  }

  /// An argument of a node this LibTorch cannot run: values stay values, the rest is kept as text.
  ir::Arg loose(const jit::Expr& e) const {
    if (e.kind() == jit::TK_VAR) {
      auto it = env_.find(jit::Var(e).name().name());
      if (it != env_.end()) return ir::Arg::ofValue(it->second);
    }
    if (e.kind() == jit::TK_LIST_LITERAL) {
      std::vector<ir::ValueId> vs;
      for (const jit::Expr& x : jit::ListLiteral(e).inputs()) {
        if (x.kind() != jit::TK_VAR || !env_.count(jit::Var(x).name().name())) return ir::Arg::ofString(e.range().text().str());
        vs.push_back(env_.at(jit::Var(x).name().name()));
      }
      if (!vs.empty()) return ir::Arg::ofValues(std::move(vs));
    }
    return ir::Arg::ofString(e.range().text().str());
  }

  /// `torch.float32`, `torch.strided`, `torch.contiguous_format` (without "torch.") as the schema's int.
  static std::optional<int64_t> enumValue(const std::string& name) {
    static const std::unordered_map<std::string, int64_t> table = [] {
      std::unordered_map<std::string, int64_t> t;
      for (c10::ScalarType st : {c10::kByte, c10::kChar, c10::kShort, c10::kInt, c10::kLong, c10::kHalf, c10::kFloat,
                                 c10::kDouble, c10::kComplexHalf, c10::kComplexFloat, c10::kComplexDouble, c10::kBool,
                                 c10::kBFloat16, c10::kUInt16, c10::kUInt32, c10::kUInt64, c10::kFloat8_e4m3fn,
                                 c10::kFloat8_e5m2, c10::kFloat8_e4m3fnuz, c10::kFloat8_e5m2fnuz})
        t[ir::dtypeName(st)] = static_cast<int64_t>(st);
      t["float"] = static_cast<int64_t>(c10::kFloat);
      t["double"] = static_cast<int64_t>(c10::kDouble);
      t["half"] = static_cast<int64_t>(c10::kHalf);
      t["long"] = static_cast<int64_t>(c10::kLong);
      t["int"] = static_cast<int64_t>(c10::kInt);
      t["strided"] = static_cast<int64_t>(c10::kStrided);
      t["sparse_coo"] = static_cast<int64_t>(c10::kSparse);
      t["contiguous_format"] = static_cast<int64_t>(c10::MemoryFormat::Contiguous);
      t["preserve_format"] = static_cast<int64_t>(c10::MemoryFormat::Preserve);
      t["channels_last"] = static_cast<int64_t>(c10::MemoryFormat::ChannelsLast);
      t["channels_last_3d"] = static_cast<int64_t>(c10::MemoryFormat::ChannelsLast3d);
      return t;
    }();
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
  }

  /// A literal as the argument of schema type `type`.
  ir::Arg convert(const Lit& l, const c10::TypePtr& type, const std::string& arg, const Where& w) const {
    const auto mismatch = [&]() -> ir::Arg {
      bad(w, "the argument '" + arg + "' does not fit the operator's schema (" + type->str() + ")");
    };
    if (l.k == Lit::K::None) return ir::Arg::none();
    c10::TypePtr t = type;
    if (auto opt = t->cast<c10::OptionalType>()) t = opt->getElementType();
    switch (t->kind()) {
      case c10::TypeKind::TensorType:
        if (l.k == Lit::K::Value) return ir::Arg::ofValue(l.v);
        if (l.k == Lit::K::Int || l.k == Lit::K::Bool || l.k == Lit::K::Double) {
          ir::ConstTensor c;  // a Python number where the schema takes a Tensor: a wrapped number
          c.dtype = l.k == Lit::K::Double ? c10::kDouble : l.k == Lit::K::Bool ? c10::kBool : c10::kLong;
          c.data = {l.k == Lit::K::Double ? l.d : l.k == Lit::K::Bool ? double(l.b) : double(l.i)};
          c.wrapped_number = true;
          return ir::Arg::ofTensor(std::move(c));
        }
        return mismatch();
      case c10::TypeKind::ListType: {
        const c10::TypePtr el = t->castRaw<c10::ListType>()->getElementType();
        std::vector<Lit> items = l.k == Lit::K::List ? l.items : std::vector<Lit>{l};
        c10::TypePtr base = el;
        if (auto opt = el->cast<c10::OptionalType>()) base = opt->getElementType();
        if (base->kind() == c10::TypeKind::TensorType) {
          std::vector<ir::ValueId> vs;
          for (const Lit& x : items) {
            if (x.k == Lit::K::Value) vs.push_back(x.v);
            else if (x.k == Lit::K::None) vs.push_back(ir::ValueId{});
            else return mismatch();
          }
          return ir::Arg::ofValues(std::move(vs));
        }
        if (base->kind() == c10::TypeKind::IntType || base->kind() == c10::TypeKind::SymIntType) {
          std::vector<int64_t> v;
          for (const Lit& x : items) {
            if (x.k != Lit::K::Int) bad(w, "the argument '" + arg + "' holds a symbolic or non-integer size",
                                       "aotviz reads graphs with static shapes only; compile with dynamic=False");
            v.push_back(x.i);
          }
          return ir::Arg::ofInts(std::move(v));
        }
        if (base->kind() == c10::TypeKind::FloatType) {
          std::vector<double> v;
          for (const Lit& x : items) {
            if (x.k != Lit::K::Int && x.k != Lit::K::Double) return mismatch();
            v.push_back(x.k == Lit::K::Int ? double(x.i) : x.d);
          }
          return ir::Arg::ofDoubles(std::move(v));
        }
        if (base->kind() == c10::TypeKind::BoolType) {
          std::vector<bool> v;
          for (const Lit& x : items) {
            if (x.k != Lit::K::Bool) return mismatch();
            v.push_back(x.b);
          }
          return ir::Arg::ofBools(std::move(v));
        }
        return mismatch();
      }
      case c10::TypeKind::IntType:
      case c10::TypeKind::SymIntType:
        if (l.k == Lit::K::Int) return ir::Arg::ofInt(l.i);
        if (l.k == Lit::K::Bool) return ir::Arg::ofInt(l.b);
        if (l.k == Lit::K::Enum)
          if (auto v = enumValue(l.s)) return ir::Arg::ofInt(*v);
        if (l.k == Lit::K::Value) bad(w, "the argument '" + arg + "' is a symbolic size",
                                      "aotviz reads graphs with static shapes only; compile with dynamic=False");
        return mismatch();
      case c10::TypeKind::ScalarTypeType:
      case c10::TypeKind::LayoutType:
      case c10::TypeKind::MemoryFormatType:
        if (l.k == Lit::K::Enum)
          if (auto v = enumValue(l.s)) return ir::Arg::ofInt(*v);
        if (l.k == Lit::K::Int) return ir::Arg::ofInt(l.i);
        return mismatch();
      case c10::TypeKind::FloatType:
      case c10::TypeKind::SymFloatType:
        if (l.k == Lit::K::Int) return ir::Arg::ofDouble(double(l.i));
        if (l.k == Lit::K::Double) return ir::Arg::ofDouble(l.d);
        return mismatch();
      case c10::TypeKind::NumberType:  // Scalar: the Python number as it is
        if (l.k == Lit::K::Int) return ir::Arg::ofInt(l.i);
        if (l.k == Lit::K::Double) return ir::Arg::ofDouble(l.d);
        if (l.k == Lit::K::Bool) return ir::Arg::ofBool(l.b);
        return mismatch();
      case c10::TypeKind::BoolType:
        if (l.k == Lit::K::Bool) return ir::Arg::ofBool(l.b);
        if (l.k == Lit::K::Int) return ir::Arg::ofBool(l.i != 0);
        return mismatch();
      case c10::TypeKind::StringType:
        if (l.k == Lit::K::String) return ir::Arg::ofString(l.s);
        return mismatch();
      case c10::TypeKind::DeviceObjType:
        if (l.k == Lit::K::Device) {
          try {
            return ir::Arg::ofDevice(c10::Device(l.s));
          } catch (const c10::Error&) {
            bad(w, "the argument '" + arg + "' names an unknown device '" + l.s + "'");
          }
        }
        return mismatch();
      default:
        return mismatch();
    }
  }

  void bind(const jit::Apply& a, const ir::SchemaInfo& schema, const Where& w, std::vector<std::string>& names,
            std::vector<ir::Arg>& args) const {
    const auto& params = schema.handle.schema().arguments();
    std::vector<std::optional<ir::Arg>> bound(params.size());
    size_t k = 0;
    for (const jit::Expr& x : a.inputs()) {
      if (k >= params.size()) bad(w, "the call passes more arguments than " + schema.handle.schema().name() + " takes");
      bound[k] = convert(literal(x, w), params[k].type(), params[k].name(), w);
      ++k;
    }
    for (const jit::Attribute& at : a.attributes()) {
      const std::string n = at.name().name();
      size_t j = 0;
      while (j < params.size() && params[j].name() != n) ++j;
      if (j == params.size()) bad(w, schema.handle.schema().name() + " has no argument '" + n + "'");
      bound[j] = convert(literal(at.value(), w), params[j].type(), n, w);
    }
    for (size_t j = 0; j < params.size(); ++j) {
      if (!bound[j]) {
        if (!schema.defaults[j] && !params[j].default_value())
          bad(w, "the call leaves out the argument '" + params[j].name() + "' of " + schema.handle.schema().name());
        bound[j] = schema.defaults[j] ? *schema.defaults[j] : ir::Arg::none();
      }
      names.push_back(params[j].name());
      args.push_back(std::move(*bound[j]));
    }
  }

  /// The output metas of a call, by running its operator on meta tensors, or where it has no meta kernel in C++
  /// (native_layer_norm decomposes to native_batch_norm, whose meta function is Python's) on uninitialized CPU
  /// tensors when its inputs are small; empty with a note when neither works.
  std::vector<ir::TensorMeta> infer(const ir::SchemaInfo& schema, const std::vector<ir::Arg>& args, const Where& w) {
    std::string error;
    auto out = inferOn(c10::kMeta, schema, args, error);
    int64_t bytes = 0;
    for (const ir::Arg& a : args) {
      if (a.kind == ir::Arg::Kind::Value) bytes += out_.graph.value(a.value).meta.bytes();
      for (ir::ValueId v : a.values)
        if (v.valid()) bytes += out_.graph.value(v).meta.bytes();
    }
    if (!error.empty() && bytes <= kMaxCpuInferBytes) {
      error.clear();
      out = inferOn(c10::kCPU, schema, args, error);
    }
    if (!error.empty())
      out_.notes.push_back(w.at() + ": the types of " + schema.handle.schema().name() +
                           "'s unread outputs are unknown: running it on meta tensors failed: " + error);
    return out;
  }

  static constexpr int64_t kMaxCpuInferBytes = int64_t(64) << 20;

  std::vector<ir::TensorMeta> inferOn(c10::DeviceType where, const ir::SchemaInfo& schema,
                                      const std::vector<ir::Arg>& args, std::string& error) const {
    const auto& params = schema.handle.schema().arguments();
    auto meta = [&](ir::ValueId v) {
      const ir::TensorMeta& m = out_.graph.value(v).meta;
      return at::empty_strided(m.sizes, m.strides, at::TensorOptions().dtype(m.dtype).device(where));
    };
    std::optional<c10::Device> device;
    try {
      std::vector<c10::IValue> stack;
      for (size_t j = 0; j < args.size(); ++j) {
        const ir::Arg& a = args[j];
        if (a.kind == ir::Arg::Kind::Value) {
          if (!device) device = out_.graph.value(a.value).meta.device;
          stack.emplace_back(meta(a.value));
        } else if (a.kind == ir::Arg::Kind::ValueList) {
          const bool optional = params[j].type()->str().find('?') != std::string::npos;
          if (optional) {
            c10::List<std::optional<at::Tensor>> l;
            for (ir::ValueId v : a.values) l.push_back(v.valid() ? std::optional<at::Tensor>(meta(v)) : std::nullopt);
            stack.emplace_back(l);
          } else {
            c10::List<at::Tensor> l;
            for (ir::ValueId v : a.values) l.push_back(meta(v));
            stack.emplace_back(l);
          }
        } else if (a.kind == ir::Arg::Kind::Device) {
          stack.emplace_back(c10::Device(where));
        } else {
          stack.push_back(ir::constantArgToIValue(a));
        }
      }
      schema.handle.callBoxed(stack);
      std::vector<ir::TensorMeta> out;
      auto add = [&](const at::Tensor& t) {
        ir::TensorMeta m;
        if (t.defined()) {
          m.sizes = t.sizes().vec();
          m.strides = t.strides().vec();
          m.dtype = t.scalar_type();
        }
        if (device) m.device = *device;
        out.push_back(std::move(m));
      };
      for (const c10::IValue& v : stack) {
        if (v.isTensor()) add(v.toTensor());
        else if (v.isTensorList())
          for (const at::Tensor& t : v.toTensorVector()) add(t);
        else add(at::Tensor());
      }
      return out;
    } catch (const std::exception& e) {
      error = firstLine(e.what());
      return {};
    }
  }

  /// `base`, or `base_1`, `base_2`… : a name no statement of the graph uses (for outputs nothing reads).
  std::string unusedName(const std::string& base) {
    std::string n = base;
    for (int k = 1; taken_.count(n) || env_.count(n); ++k) n = base + "_" + std::to_string(k);
    taken_.insert(n);
    return n;
  }

 public:
  /// Every name the graph's statements define, so invented names never collide with them.
  void reserveNames(const std::vector<Stmt>& stmts) {
    for (const Stmt& s : stmts) taken_.insert(s.name);
  }

 private:
  GraphKind kind_;
  const std::string& file_;
  std::set<std::string> taken_;
  FxGraph out_;
  std::unordered_map<std::string, ir::ValueId> env_;
  std::unordered_map<std::string, std::vector<ir::ValueId>> multi_;
  std::vector<bool> backward_;  // per value: computed from a tangent
};

std::vector<std::string> splitLines(const std::string& code) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= code.size()) {
    const size_t nl = code.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(code.substr(start));
      break;
    }
    lines.push_back(code.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

/// "# File: /x/model.py:72 in forward, code: …" → "/x/model.py:72".
std::string sourceOf(const std::string& comment) {
  const std::string rest = comment.substr(std::string("# File: ").size());
  const size_t in = rest.find(" in ");
  return in == std::string::npos ? rest : rest.substr(0, in);
}

}  // namespace

FxGraph parseFxGraph(const std::string& code, GraphKind kind, const std::string& file, size_t first_line) {
  const std::vector<std::string> lines = splitLines(code);
  Builder b(kind, file);
  size_t i = 0;
  while (i < lines.size() && trim(lines[i]).rfind("def forward(", 0) != 0) ++i;
  if (i == lines.size()) fail(kStage, file + ":" + std::to_string(first_line), "the graph has no 'def forward(' line",
                              "the log may be damaged; compile again with TORCH_TRACE set");
  auto lineNo = [&](size_t k) { return first_line + k; };

  // The signature: one line (`def forward(self, a: "…", b: "…"):`) or one parameter per line.
  std::vector<Stmt> params;
  auto param = [&](const std::string& text, size_t k) {
    Stmt s;
    s.line = lineNo(k);
    if (splitStatement(trim(text), s) && s.declaration) params.push_back(s);
  };
  const std::string def = trim(lines[i]);
  if (def.size() > 2 && def.compare(def.size() - 2, 2, "):") == 0 && def != "def forward(") {
    const std::string inner = def.substr(12, def.size() - 14);
    size_t p = 0;
    while (p < inner.size()) {
      size_t q = p;
      char quote = 0;
      while (q < inner.size() && (quote || inner[q] != ',')) {
        if (inner[q] == '"') quote = quote ? 0 : '"';
        ++q;
      }
      param(inner.substr(p, q - p), i);
      p = q + 1;
    }
    ++i;
  } else {
    for (++i; i < lines.size() && trim(lines[i]) != "):"; ++i) param(lines[i], i);
    ++i;
  }
  for (const Stmt& s : params) b.placeholder(s);

  // The body, up to the return.
  std::vector<Stmt> stmts;
  std::string source;
  for (; i < lines.size(); ++i) {
    const std::string t = trim(lines[i]);
    if (t.empty()) continue;
    if (startsWith(t, "# File: ")) {
      source = sourceOf(t);
      continue;
    }
    if (t[0] == '#') continue;
    if (startsWith(t, "return")) break;
    if (t.find("fx_pytree.tree_flatten_spec(") != std::string::npos) continue;
    Stmt s;
    s.line = lineNo(i);
    s.source = source;
    if (!splitStatement(t, s))
      fail(kStage, file + ":" + std::to_string(lineNo(i)), "cannot read this line of the graph: " + t,
           "the log may be damaged; compile again with TORCH_TRACE set");
    if (s.declaration) {
      b.placeholder(s);
      continue;
    }
    stmts.push_back(std::move(s));
  }
  b.reserveNames(params);
  b.reserveNames(stmts);
  b.body(stmts);
  if (i == lines.size())
    fail(kStage, file + ":" + std::to_string(lineNo(lines.size() - 1)), "the graph ends before its return statement",
         "the log was cut short; compile again with TORCH_TRACE set");

  // The return: `return (a, b)`, `return x`, or one output per line with its descriptor.
  std::vector<std::pair<std::string, std::string>> outs;
  const size_t ret_line = i;
  std::string first = trim(lines[i].substr(lines[i].find("return") + 6));
  first = trim(first.substr(0, codeEnd(first, false)));
  auto names = [&](const std::string& text, const std::string& desc) {
    std::string t = text;
    size_t p = 0;
    while (p < t.size()) {
      size_t q = t.find(',', p);
      if (q == std::string::npos) q = t.size();
      const std::string n = trim(t.substr(p, q - p));
      if (!n.empty()) outs.emplace_back(n, desc);
      p = q + 1;
    }
  };
  const bool multi = first == "(" || first == "pytree.tree_unflatten([";
  if (multi) {
    for (++i; i < lines.size(); ++i) {
      const std::string t = trim(lines[i]);
      const std::string code_part = trim(t.substr(0, codeEnd(t, false)));
      if (startsWith(code_part, ")") || startsWith(code_part, "]")) break;
      names(code_part, commentOf(t));
    }
    if (i == lines.size())
      fail(kStage, file + ":" + std::to_string(lineNo(ret_line)), "the graph's return statement is cut short",
           "the log was cut short; compile again with TORCH_TRACE set");
  } else {
    std::string t = first;
    if (!t.empty() && t.front() == '(' && t.back() == ')') t = t.substr(1, t.size() - 2);
    if (startsWith(t, "pytree.tree_unflatten([")) t = t.substr(23, t.find(']') - 23);
    names(t, "");
  }
  b.outputs(outs, lineNo(ret_line));
  return b.take();
}

}  // namespace aotviz::trace
