// core/ir/parse.cpp — the text form of the IR read back (parse.h).
//
// Why a hand-written tokenizer and no library: the text is the small, closed subset of Python that printGraph
// writes (one assignment per line, calls, lists, literals), so a tokenizer and a recursive-descent reader of a
// few hundred lines cover it, report errors by line and column, and keep core/ir on ATen's core headers.
// core/trace/fx_graph.cpp reads PyTorch's own printed graphs with the TorchScript frontend (torch::jit::Parser),
// which PyTorch's open-ended output needs; this form does not, and its reader must never crash on any input.
#include "core/ir/parse.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/Layout.h>
#include <c10/core/MemoryFormat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/ir/op_registry.h"
#include "core/ir/printer.h"
#include "core/ir/verify.h"
#include "core/util/build_info.h"
#include "core/util/diagnostic.h"

namespace aotviz::ir {

namespace {

constexpr const char* kStage = "parse";
constexpr int kMaxNesting = 16;  // brackets and nested lists: deeper input is refused, not recursed into

[[noreturn]] void bad(size_t line, const std::string& message, const std::string& hint = {}) {
  fail(kStage, "line " + std::to_string(line), message,
       hint.empty() ? "graphs are read in the form printGraph writes (core/ir/parse.h)" : hint);
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool identChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// ============================================================================================ tokens

enum class Tok { Ident, Int, Float, String, Punct, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // identifier, number as written, string contents (unescaped), punctuation character
  size_t line = 0, col = 0;
};

/// One logical line: its tokens (a line continues while brackets are open, as in Python) and the comment that
/// ends it, if any.
struct Line {
  std::vector<Token> toks;
  std::string comment;
  size_t line = 0;
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::Ident: return "'" + t.text + "'";
    case Tok::Int:
    case Tok::Float: return "the number " + t.text;
    case Tok::String: return "a string";
    case Tok::Punct: return "'" + t.text + "'";
    case Tok::End: break;
  }
  return "the end of the line";
}

std::vector<Line> tokenize(const std::string& text) {
  std::vector<Line> lines;
  Line cur;
  std::vector<std::pair<char, size_t>> open;  // bracket, line
  size_t line = 1, col_base = 0;
  auto here = [&](size_t i) { return std::to_string(line) + ", column " + std::to_string(i - col_base + 1); };
  auto flush = [&]() {
    if (!cur.toks.empty() || !cur.comment.empty()) lines.push_back(std::move(cur));
    cur = Line{};
  };
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\n') {
      if (open.empty()) flush();
      ++line;
      col_base = ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {  // explicit line continuation
      i += 2;
      ++line;
      col_base = i;
      continue;
    }
    Token t;
    t.line = line;
    t.col = i - col_base + 1;
    if (cur.toks.empty() && cur.comment.empty()) cur.line = line;
    if (c == '#') {
      size_t e = text.find('\n', i);
      if (e == std::string::npos) e = text.size();
      if (open.empty()) cur.comment = trim(text.substr(i + 1, e - i - 1));  // inside brackets: ignored
      i = e;
      continue;
    }
    if (identStart(c)) {
      size_t e = i;
      while (e < text.size() && identChar(text[e])) ++e;
      t.kind = Tok::Ident;
      t.text = text.substr(i, e - i);
      i = e;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t e = i;
      bool is_float = false;
      while (e < text.size() && std::isdigit(static_cast<unsigned char>(text[e]))) ++e;
      if (e < text.size() && text[e] == '.') {
        is_float = true;
        ++e;
        while (e < text.size() && std::isdigit(static_cast<unsigned char>(text[e]))) ++e;
      }
      if (e < text.size() && (text[e] == 'e' || text[e] == 'E')) {
        size_t x = e + 1;
        if (x < text.size() && (text[x] == '+' || text[x] == '-')) ++x;
        if (x >= text.size() || !std::isdigit(static_cast<unsigned char>(text[x])))
          fail(kStage, "line " + here(e), "the number '" + text.substr(i, x - i) + "' has no exponent digits");
        while (x < text.size() && std::isdigit(static_cast<unsigned char>(text[x]))) ++x;
        is_float = true;
        e = x;
      }
      if (e < text.size() && identChar(text[e]))
        fail(kStage, "line " + here(i), "'" + text.substr(i, e - i + 1) + "…' is not a number");
      t.kind = is_float ? Tok::Float : Tok::Int;
      t.text = text.substr(i, e - i);
      i = e;
    } else if (c == '\'' || c == '"') {
      std::string s;
      size_t e = i + 1;
      for (;; ++e) {
        if (e >= text.size() || text[e] == '\n') fail(kStage, "line " + here(i), "the string is not closed on its line");
        if (text[e] == c) break;
        if (text[e] == '\\') {
          if (e + 1 >= text.size()) fail(kStage, "line " + here(e), "the string is not closed on its line");
          const char x = text[++e];
          if (x == 'n') s += '\n';
          else if (x == 't') s += '\t';
          else if (x == '\\' || x == '\'' || x == '"') s += x;
          else fail(kStage, "line " + here(e - 1), std::string("unknown escape '\\") + x + "' in a string");
          continue;
        }
        s += text[e];
      }
      t.kind = Tok::String;
      t.text = std::move(s);
      i = e + 1;
    } else if (std::string("()[],:=.;-").find(c) != std::string::npos) {
      t.kind = Tok::Punct;
      t.text = std::string(1, c);
      if (c == '(' || c == '[') {
        if (open.size() >= static_cast<size_t>(kMaxNesting))
          fail(kStage, "line " + here(i), "brackets are nested more than " + std::to_string(kMaxNesting) + " deep");
        open.emplace_back(c, line);
      } else if (c == ')' || c == ']') {
        const char want = c == ')' ? '(' : '[';
        if (open.empty() || open.back().first != want)
          fail(kStage, "line " + here(i), std::string("'") + c + "' does not close any open '" + want + "'");
        open.pop_back();
      }
      ++i;
    } else {
      const unsigned char u = static_cast<unsigned char>(c);
      std::string shown = u >= 0x20 && u < 0x7f ? std::string("'") + c + "'" : "byte " + std::to_string(u);
      fail(kStage, "line " + here(i), "unexpected character " + shown);
    }
    cur.toks.push_back(std::move(t));
  }
  if (!open.empty())
    bad(open.back().second, std::string("the '") + open.back().first + "' opened on this line is never closed");
  flush();
  return lines;
}

// ============================================================================================ literals

/// `torch.NAME` constants: dtypes, layouts and memory formats, each with the enum value the schema's int holds.
struct EnumValue {
  enum class Of { Dtype, Layout, MemoryFormat } of;
  int64_t value;
};

const std::unordered_map<std::string, EnumValue>& enumTable() {
  static const std::unordered_map<std::string, EnumValue> table = [] {
    std::unordered_map<std::string, EnumValue> t;
    using Of = EnumValue::Of;
    for (int i = 0; i < static_cast<int>(c10::ScalarType::NumOptions); ++i)
      t.emplace(dtypeName(static_cast<c10::ScalarType>(i)), EnumValue{Of::Dtype, i});  // what the printer writes
    const std::pair<const char*, c10::ScalarType> aliases[] = {
        {"float", c10::kFloat}, {"double", c10::kDouble}, {"half", c10::kHalf}, {"long", c10::kLong},
        {"int", c10::kInt},     {"short", c10::kShort},   {"cfloat", c10::kComplexFloat}, {"cdouble", c10::kComplexDouble}};
    for (const auto& [name, st] : aliases) t.emplace(name, EnumValue{Of::Dtype, static_cast<int64_t>(st)});
    t.emplace("strided", EnumValue{Of::Layout, static_cast<int64_t>(c10::kStrided)});
    t.emplace("sparse_coo", EnumValue{Of::Layout, static_cast<int64_t>(c10::kSparse)});
    t.emplace("contiguous_format", EnumValue{Of::MemoryFormat, static_cast<int64_t>(c10::MemoryFormat::Contiguous)});
    t.emplace("preserve_format", EnumValue{Of::MemoryFormat, static_cast<int64_t>(c10::MemoryFormat::Preserve)});
    t.emplace("channels_last", EnumValue{Of::MemoryFormat, static_cast<int64_t>(c10::MemoryFormat::ChannelsLast)});
    t.emplace("channels_last_3d", EnumValue{Of::MemoryFormat, static_cast<int64_t>(c10::MemoryFormat::ChannelsLast3d)});
    return t;
  }();
  return table;
}

/// An argument as written, before the schema says what it is.
struct Lit {
  enum class K { None, Bool, Int, Double, String, Name, List, Enum, Device, Tensor } k = K::None;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;  // String, Name, Device ("cuda:0"), Enum (as written: "torch.float32")
  EnumValue::Of of = EnumValue::Of::Dtype;
  std::vector<Lit> items;
  ConstTensor tensor;
  size_t line = 0, col = 0;
};

std::string describe(const Lit& l) {
  switch (l.k) {
    case Lit::K::None: return "None";
    case Lit::K::Bool: return l.b ? "True" : "False";
    case Lit::K::Int: return "the integer " + std::to_string(l.i);
    case Lit::K::Double: return "a floating-point number";
    case Lit::K::String: return "a string";
    case Lit::K::Name: return "the value '" + l.s + "'";
    case Lit::K::List: return "a list";
    case Lit::K::Enum: return l.s;
    case Lit::K::Device: return "a device";
    case Lit::K::Tensor: return "a constant tensor";
  }
  return "?";
}

// ============================================================================================ statements

struct CallStmt {
  std::string name, annotation, ns, op, overload;
  bool has_annotation = false;
  std::vector<Lit> positional;
  std::vector<std::pair<std::string, Lit>> keywords;
  std::string comment;
  size_t line = 0;
};

struct GetitemStmt {
  std::string name, annotation, base;
  bool has_annotation = false;
  int64_t index = 0;
  size_t line = 0;
};

struct Param {
  std::string name, annotation;
  size_t line = 0;
};

struct Stmt {
  enum class K { Call, Getitem, Return } k = K::Call;
  CallStmt call;
  GetitemStmt getitem;
  std::vector<Lit> returns;
  size_t line = 0;
};

/// Reads the tokens of one logical line.
class Reader {
 public:
  explicit Reader(const Line& l) : l_(l) {}

  const Token& peek(size_t ahead = 0) const {
    static const Token end;
    return pos_ + ahead < l_.toks.size() ? l_.toks[pos_ + ahead] : end;
  }
  bool atEnd() const { return pos_ >= l_.toks.size(); }
  bool isPunct(const char* p, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::Punct && t.text == p;
  }
  bool isIdent(const char* name = nullptr) const {
    return peek().kind == Tok::Ident && (!name || peek().text == name);
  }
  Token next() {
    Token t = peek();
    if (!atEnd()) ++pos_;
    return t;
  }
  [[noreturn]] void error(const std::string& expected) const {
    const Token& t = peek();
    const size_t line = atEnd() ? (l_.toks.empty() ? l_.line : l_.toks.back().line) : t.line;
    std::string where = "line " + std::to_string(line);
    if (!atEnd()) where += ", column " + std::to_string(t.col);
    fail(kStage, where, "expected " + expected + ", found " + describe(t),
         "graphs are read in the form printGraph writes (core/ir/parse.h)");
  }
  void expect(const char* p, const std::string& what = {}) {
    if (!isPunct(p)) error(what.empty() ? std::string("'") + p + "'" : what);
    ++pos_;
  }
  std::string ident(const std::string& what) {
    if (!isIdent()) error(what);
    return next().text;
  }
  void expectEnd() {
    if (!atEnd()) error("the end of the line");
  }

  /// A value name, number, string, None/True/False, inf/nan, list or tuple, torch.NAME, torch.layout(N),
  /// device(type=…, index=…), or torch.tensor(…, dtype=…)[.reshape([…])].
  Lit literal(int depth = 0) {
    if (depth > kMaxNesting) error("a shallower list");
    Lit l;
    l.line = peek().line;
    l.col = peek().col;
    if (isPunct("-")) {
      next();
      const Token& t = peek();
      if (t.kind == Tok::Int || t.kind == Tok::Float || (t.kind == Tok::Ident && (t.text == "inf" || t.text == "nan"))) {
        l = number("-");
        return l;
      }
      error("a number after '-'");
    }
    const Token& t = peek();
    if (t.kind == Tok::Int || t.kind == Tok::Float) return number("");
    if (t.kind == Tok::String) {
      l.k = Lit::K::String;
      l.s = next().text;
      return l;
    }
    if (isPunct("[") || isPunct("(")) {
      const char* close = isPunct("[") ? "]" : ")";
      next();
      l.k = Lit::K::List;
      while (!isPunct(close)) {
        l.items.push_back(literal(depth + 1));
        if (!isPunct(",")) break;
        next();
      }
      expect(close, std::string("',' or '") + close + "'");
      return l;
    }
    if (t.kind != Tok::Ident) error("an argument");
    const std::string name = next().text;
    if (name == "None") return l;
    if (name == "True" || name == "False") {
      l.k = Lit::K::Bool;
      l.b = name == "True";
      return l;
    }
    if (name == "inf" || name == "nan") {
      --pos_;
      return number("");
    }
    if (name == "device" && isPunct("(")) return device(l);
    if (name == "torch" && isPunct(".")) {
      next();
      const std::string member = ident("a name after 'torch.'");
      if (member == "tensor" && isPunct("(")) return tensor(l);
      if (member == "layout" && isPunct("(")) {  // torch.layout(N): a layout the printer has no name for
        next();
        Lit n = literal(depth + 1);
        if (n.k != Lit::K::Int) error("a layout number");
        expect(")");
        l.k = Lit::K::Enum;
        l.of = EnumValue::Of::Layout;
        l.i = n.i;
        l.s = "torch.layout(" + std::to_string(n.i) + ")";
        return l;
      }
      auto it = enumTable().find(member);
      if (it == enumTable().end())
        fail(kStage, "line " + std::to_string(l.line) + ", column " + std::to_string(l.col),
             "'torch." + member + "' is not a dtype, layout or memory format",
             "write dtypes as torch.float32, layouts as torch.strided, memory formats as torch.contiguous_format");
      l.k = Lit::K::Enum;
      l.of = it->second.of;
      l.i = it->second.value;
      l.s = "torch." + member;
      return l;
    }
    l.k = Lit::K::Name;
    l.s = name;
    return l;
  }

  /// A call's argument list after the '(' : positional arguments, then `name = value` keywords.
  void arguments(CallStmt& c) {
    while (!isPunct(")")) {
      if (isIdent() && isPunct("=", 1)) {
        std::string name = next().text;
        next();
        for (const auto& kw : c.keywords)
          if (kw.first == name) error("a keyword other than '" + name + "', which is given twice");
        c.keywords.emplace_back(std::move(name), literal());
      } else {
        if (!c.keywords.empty()) error("a keyword argument (positional arguments come first)");
        c.positional.push_back(literal());
      }
      if (!isPunct(",")) break;
      next();
    }
    expect(")", "',' or ')'");
  }

 private:
  Lit number(const std::string& sign) {
    Lit l;
    const Token t = next();
    l.line = t.line;
    l.col = t.col;
    if (t.kind == Tok::Ident) {
      l.k = Lit::K::Double;
      l.d = t.text == "inf" ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
      if (!sign.empty()) l.d = -l.d;
      return l;
    }
    const std::string s = sign + t.text;
    errno = 0;
    char* end = nullptr;
    if (t.kind == Tok::Int) {
      const long long v = std::strtoll(s.c_str(), &end, 10);
      if (errno == ERANGE)
        fail(kStage, "line " + std::to_string(t.line) + ", column " + std::to_string(t.col),
             "the integer " + s + " does not fit in 64 bits");
      l.k = Lit::K::Int;
      l.i = v;
    } else {
      l.k = Lit::K::Double;
      l.d = std::strtod(s.c_str(), &end);  // subnormals set ERANGE but are exact; overflow gives ±inf
    }
    return l;
  }

  Lit device(Lit l) {
    next();  // (
    std::string type;
    std::optional<int64_t> index;
    while (!isPunct(")")) {
      const std::string key = ident("'type' or 'index'");
      expect("=");
      Lit v = literal(1);
      if (key == "type" && v.k == Lit::K::String) type = v.s;
      else if (key == "index" && v.k == Lit::K::Int) index = v.i;
      else error("device(type='cpu') or device(type='cuda', index=0)");
      if (!isPunct(",")) break;
      next();
    }
    expect(")", "',' or ')'");
    if (type.empty()) error("device(type='cpu') or device(type='cuda', index=0)");
    l.k = Lit::K::Device;
    l.s = index ? type + ":" + std::to_string(*index) : type;
    return l;
  }

  /// torch.tensor(DATA, dtype=torch.X) with an optional .reshape([SIZES]).
  Lit tensor(Lit l) {
    next();  // (
    Lit data = literal(1);
    expect(",", "', dtype=torch.…'");
    if (ident("'dtype'") != "dtype") error("'dtype'");
    expect("=");
    Lit dt = literal(1);
    if (dt.k != Lit::K::Enum || dt.of != EnumValue::Of::Dtype) error("a dtype such as torch.float32");
    expect(")");
    l.k = Lit::K::Tensor;
    ConstTensor& c = l.tensor;
    c.dtype = static_cast<c10::ScalarType>(dt.i);
    const bool integral = c10::isIntegralType(c.dtype, /*includeBool=*/false);
    const bool boolean = c.dtype == c10::ScalarType::Bool;
    auto element = [&](const Lit& e) {
      if (boolean && e.k == Lit::K::Bool) return e.b ? 1.0 : 0.0;
      if (!boolean && e.k == Lit::K::Int) return static_cast<double>(e.i);
      if (!boolean && !integral && e.k == Lit::K::Double) return e.d;
      fail(kStage, "line " + std::to_string(e.line) + ", column " + std::to_string(e.col),
           describe(e) + " is not an element of a torch." + dtypeName(c.dtype) + " tensor");
    };
    if (data.k == Lit::K::List) {
      for (const Lit& e : data.items) c.data.push_back(element(e));
      c.sizes = {static_cast<int64_t>(c.data.size())};
    } else {
      c.data = {element(data)};
    }
    if (isPunct(".")) {
      next();
      if (ident("'reshape'") != "reshape") error("'reshape'");
      expect("(");
      Lit sizes = literal(1);
      expect(")");
      if (sizes.k != Lit::K::List) error("a list of sizes");
      c.sizes.clear();
      const int64_t have = static_cast<int64_t>(c.data.size());
      int64_t n = 1;
      bool zero = false, over = false;
      for (const Lit& e : sizes.items) {
        if (e.k != Lit::K::Int || e.i < 0) error("sizes that are integers of at least 0");
        c.sizes.push_back(e.i);
        zero = zero || e.i == 0;
        if (!zero && !over && n > have / e.i) over = true;  // more elements than written: no need to count on
        if (!zero && !over) n *= e.i;
      }
      if (zero ? have != 0 : (over || n != have))
        fail(kStage, "line " + std::to_string(l.line) + ", column " + std::to_string(l.col),
             "the constant tensor has " + std::to_string(c.data.size()) + " elements, which do not fill its shape");
    }
    return l;
  }

  const Line& l_;
  size_t pos_ = 0;
};

// ============================================================================================ annotations

/// `"f32[4, 8]"`, `"f32[4, 8][8, 1]"`, `"f32[4, 8]cpu"` or `"f32[4, 8][8, 1]cuda:0"`.
TensorMeta parseAnnotation(const std::string& ann, size_t line) {
  const auto badAnn = [&](const std::string& why) -> TensorMeta {
    bad(line, "the type \"" + ann + "\" " + why,
        "write types as print_readable does: \"f32[4, 8]\", with strides and device \"f32[4, 8][8, 1]cpu\"");
  };
  size_t pos = 0;
  while (pos < ann.size() && std::isalnum(static_cast<unsigned char>(ann[pos]))) ++pos;
  const auto dtype = parseShortDtypeName(ann.substr(0, pos));
  if (!dtype) return badAnn("does not start with a dtype such as f32, i64 or b8");
  auto dims = [&](const char* what) {
    std::vector<int64_t> out;
    ++pos;  // [
    for (;;) {
      while (pos < ann.size() && ann[pos] == ' ') ++pos;
      if (pos < ann.size() && ann[pos] == ']' && out.empty()) break;
      size_t e = pos;
      while (e < ann.size() && std::isdigit(static_cast<unsigned char>(ann[e]))) ++e;
      if (e == pos || e - pos > 18) badAnn(std::string("has ") + what + " that are not integers of at least 0");
      out.push_back(std::strtoll(ann.substr(pos, e - pos).c_str(), nullptr, 10));
      pos = e;
      while (pos < ann.size() && ann[pos] == ' ') ++pos;
      if (pos < ann.size() && ann[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < ann.size() && ann[pos] == ']') break;
      badAnn(std::string("has ") + what + " that are not a list of integers");
    }
    ++pos;  // ]
    return out;
  };
  if (pos >= ann.size() || ann[pos] != '[') return badAnn("has no sizes");
  TensorMeta m;
  m.dtype = *dtype;
  m.sizes = dims("sizes");
  int64_t extent = 1;  // the product of the sizes (zeros counted as 1): bounds every contiguous stride
  for (int64_t s : m.sizes) {
    if (s > 1 && extent > (int64_t(1) << 62) / s) badAnn("is too large");
    extent *= std::max<int64_t>(s, 1);
  }
  if (pos < ann.size() && ann[pos] == '[') {
    m.strides = dims("strides");
    if (m.strides.size() != m.sizes.size()) badAnn("has " + std::to_string(m.sizes.size()) + " sizes but " +
                                                   std::to_string(m.strides.size()) + " strides");
  } else {
    m.strides.assign(m.sizes.size(), 1);  // contiguous, as at::empty makes it
    for (size_t i = m.sizes.size(); i-- > 1;) m.strides[i - 1] = m.strides[i] * std::max<int64_t>(m.sizes[i], 1);
  }
  const std::string device = ann.substr(pos);
  if (!device.empty()) {
    const bool plausible = std::isalpha(static_cast<unsigned char>(device[0])) &&
                           device.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789:") == std::string::npos;
    try {
      if (!plausible) throw std::invalid_argument(device);
      m.device = c10::Device(device);
    } catch (const std::exception&) {
      badAnn("ends in '" + device + "', which is not a device (cpu, cuda:0, meta)");
    }
  }
  return m;
}

// ============================================================================================ lines → statements

std::vector<Param> header(Reader& r) {
  if (!r.isIdent("def")) r.error("'def forward(self, …):' on the first line");
  r.next();
  r.ident("the function's name");
  r.expect("(");
  std::vector<Param> params;
  bool first = true;
  while (!r.isPunct(")")) {
    const Token name = r.peek();
    std::string n = r.ident("a graph input");
    if (first && n == "self" && (r.isPunct(",") || r.isPunct(")"))) {
      first = false;
      if (r.isPunct(",")) r.next();
      continue;
    }
    first = false;
    r.expect(":", "':' and the input's type (\"f32[4, 8]\")");
    if (r.peek().kind != Tok::String) r.error("the input's type as a string (\"f32[4, 8]\")");
    params.push_back(Param{n, r.next().text, name.line});
    if (!r.isPunct(",")) break;
    r.next();
  }
  r.expect(")", "',' or ')'");
  r.expect(":");
  r.expectEnd();
  return params;
}

Stmt statement(const Line& l) {
  Reader r(l);
  Stmt s;
  s.line = l.line;
  if (r.isIdent("return")) {
    r.next();
    s.k = Stmt::K::Return;
    if (!r.isPunct("[") && !r.isPunct("(")) r.error("the list of outputs after 'return' ([a, b])");
    Lit outs = r.literal();
    r.expectEnd();
    s.returns = std::move(outs.items);
    return s;
  }
  const std::string name = r.ident("a statement 'name: \"type\" = …' or 'return […]'");
  if (name == "def") r.error("one 'def' (a graph is one function)");
  std::string annotation;
  bool has_annotation = false;
  if (r.isPunct(":")) {
    r.next();
    if (r.peek().kind != Tok::String) r.error("the value's type as a string (\"f32[4, 8]\")");
    annotation = r.next().text;
    has_annotation = true;
  }
  r.expect("=", "'='");
  const Token head = r.peek();
  const std::string first = r.ident("a call 'torch.ops.aten.NAME.OVERLOAD(…)' or a getitem 'node[k]'");
  if (r.isPunct("[")) {  // name = node[k]
    r.next();
    if (r.peek().kind != Tok::Int || r.peek().text.size() > 6) r.error("an output index (0 to 999999)");
    s.k = Stmt::K::Getitem;
    s.getitem = GetitemStmt{name, annotation, first, has_annotation, std::strtoll(r.next().text.c_str(), nullptr, 10), l.line};
    r.expect("]");
  } else {
    std::vector<std::string> path = {first};
    while (r.isPunct(".")) {
      r.next();
      path.push_back(r.ident("a name after '.'"));
    }
    if (path.size() != 5 || path[0] != "torch" || path[1] != "ops") {
      std::string dotted;
      for (const auto& x : path) dotted += (dotted.empty() ? "" : ".") + x;
      fail(kStage, "line " + std::to_string(head.line) + ", column " + std::to_string(head.col),
           "expected an operator 'torch.ops.NAMESPACE.NAME.OVERLOAD' (torch.ops.aten.mm.default), found '" + dotted +
               "'",
           "graphs are read in the form printGraph writes (core/ir/parse.h)");
    }
    s.k = Stmt::K::Call;
    s.call.name = name;
    s.call.annotation = annotation;
    s.call.has_annotation = has_annotation;
    s.call.ns = path[2];
    s.call.op = path[3];
    s.call.overload = path[4] == "default" ? "" : path[4];
    s.call.comment = l.comment;
    s.call.line = l.line;
    r.expect("(");
    r.arguments(s.call);
  }
  // PyTorch's `;  a = b = None` (dropping references) after a statement: accepted and ignored.
  while (r.isPunct(";")) {
    r.next();
    r.ident("a name after ';'");
    r.expect("=");
    while (r.isIdent() && !r.isIdent("None") && r.isPunct("=", 1)) {
      r.next();
      r.next();
    }
    if (!r.isIdent("None")) r.error("'None'");
    r.next();
  }
  r.expectEnd();
  return s;
}

// ============================================================================================ building the graph

/// `fw|bw [scope=S] [at SOURCE] [from GradFn]`, as printGraph's show_provenance writes it; false when the comment
/// is some other comment.
bool provenanceComment(const std::string& c, Provenance& p, size_t line) {
  if (!(startsWith(c, "fw") || startsWith(c, "bw")) || (c.size() > 2 && c[2] != ' ')) return false;
  p.phase = startsWith(c, "bw") ? Phase::Backward : Phase::Forward;
  std::string rest = c.substr(2);
  auto cut = [&rest](const std::string& key, std::initializer_list<const char*> next) -> std::optional<std::string> {
    if (!startsWith(rest, key)) return std::nullopt;
    size_t end = rest.size();
    for (const char* n : next) end = std::min(end, rest.find(n, key.size()));
    std::string v = rest.substr(key.size(), end - key.size());
    rest = rest.substr(end);
    return v;
  };
  if (auto v = cut(" scope=", {" at ", " from "})) p.scope = *v;
  if (auto v = cut(" at ", {})) {
    const size_t from = v->rfind(" from ");
    if (from != std::string::npos) {
      rest = v->substr(from);
      v = v->substr(0, from);
    }
    p.source = *v;
  }
  if (auto v = cut(" from ", {})) p.grad_fn = *v;
  const bool empty_field = (startsWith(c.substr(2), " scope=") && p.scope.empty()) ||
                           p.grad_fn.find(' ') != std::string::npos;
  if (!rest.empty() || empty_field)
    bad(line, "the comment '# " + c + "' is not a provenance comment '# fw|bw [scope=S] [at FILE:LINE] [from GradFn]'",
        "give other comments their own line, or start them with something other than fw or bw");
  return true;
}

class Builder {
 public:
  explicit Builder(const ParseOptions& opts) : opts_(opts) {}

  void placeholder(const Param& p) {
    define(p.name, p.line);
    InputRole role = InputRole::Arg;
    if (isNumbered(p.name, "tangents_")) role = InputRole::Tangent;
    else if (opts_.backward_graph) role = InputRole::Saved;
    else if (isNumbered(p.name, "primals_")) role = InputRole::Primal;
    Provenance prov;
    prov.stage = opts_.stage;
    ValueId v = g_.addPlaceholder(p.name, role, parseAnnotation(p.annotation, p.line), prov);
    env_[p.name] = v;
    lines_.push_back(p.line);
  }

  void call(const CallStmt& c, const std::map<int64_t, const GetitemStmt*>* items) {
    define(c.name, c.line);
    const std::string qualified = c.ns + "::" + c.op;
    const SchemaInfo* schema = lookupSchema(qualified, c.overload);
    if (!schema)
      bad(c.line,
          "unknown operator torch.ops." + c.ns + "." + c.op + "." + (c.overload.empty() ? "default" : c.overload) +
              " (" + qualified + (c.overload.empty() ? "" : "." + c.overload) + " is not in LibTorch " +
              torchVersionString() + ")",
          "check the operator's name and overload, e.g. torch.ops.aten.add.Tensor or torch.ops.aten.mm.default");
    const std::string opname = qualified + (c.overload.empty() ? "" : "." + c.overload);
    std::vector<std::string> arg_names;
    std::vector<Arg> args;
    bind(c, *schema, opname, arg_names, args);

    // Outputs: the annotation of a single-output node, or the getitem lines of a multi-output one.
    std::vector<TensorMeta> metas;
    std::vector<std::string> names;
    const bool multi = schema->returns_list || schema->num_returns > 1;
    if (items) {
      if (!multi)
        bad(items->begin()->second->line, "'" + items->begin()->second->name + "' reads " + c.name + "[" +
                                              std::to_string(items->begin()->first) + "], but " + opname +
                                              " does not return a tuple or list");
      if (c.has_annotation)
        bad(c.line, "'" + c.name + "' has a type and getitem lines; a multi-output node has only its getitems' types");
      const size_t n = schema->returns_list ? static_cast<size_t>(items->rbegin()->first) + 1 : schema->num_returns;
      for (size_t k = 0; k < n; ++k) {
        auto it = items->find(static_cast<int64_t>(k));
        if (it == items->end())
          bad(c.line, "output " + std::to_string(k) + " of '" + c.name + "' has no getitem line",
              "write one line per output: getitem_" + std::to_string(k) + ": \"f32[…]\" = " + c.name + "[" +
                  std::to_string(k) + "]");
        if (!it->second->has_annotation)
          bad(it->second->line, "'" + it->second->name + "' has no type (name: \"f32[4, 8]\" = " + c.name + "[" +
                                    std::to_string(k) + "])");
        metas.push_back(parseAnnotation(it->second->annotation, it->second->line));
        names.push_back(it->second->name);
      }
      if (static_cast<size_t>(items->rbegin()->first) >= n)
        bad(items->rbegin()->second->line, "'" + items->rbegin()->second->name + "' reads output " +
                                               std::to_string(items->rbegin()->first) + " of '" + c.name + "', which has " +
                                               std::to_string(n));
    } else if (multi) {
      bad(c.line, opname + " returns " +
                      (schema->returns_list ? "a list of tensors" : std::to_string(schema->num_returns) + " tensors") +
                      "; give '" + c.name + "' no type and read its outputs with getitem lines (getitem: \"f32[…]\" = " +
                      c.name + "[0])");
    } else if (schema->num_returns == 1) {
      if (!c.has_annotation) bad(c.line, "'" + c.name + "' has no type (" + c.name + ": \"f32[4, 8]\" = …)");
      metas.push_back(parseAnnotation(c.annotation, c.line));
      names.push_back(c.name);
    } else if (c.has_annotation) {
      bad(c.line, opname + " returns nothing; '" + c.name + "' has no type");
    }

    Provenance prov;
    const bool commented = provenanceComment(c.comment, prov, c.line);
    prov.stage = opts_.stage;
    const NodeId id = g_.addCall(qualified, c.overload, std::move(arg_names), std::move(args), std::move(metas), prov,
                                 schema->returns_list);
    Node& node = g_.node(id);
    node.name = c.name;
    node.nondeterministic_seeded = schema->handle.hasTag(at::Tag::nondeterministic_seeded);
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      g_.value(node.outputs[k]).name = names[k];
    }
    inferred_phase_.resize(g_.nodes.size(), 0);
    inferred_phase_[id.v] = !commented;
    if (items) multi_[c.name] = id;
    else if (!node.outputs.empty()) env_[c.name] = node.outputs[0];
    lines_.push_back(c.line);
  }

  void getitem(const GetitemStmt& s) {
    auto it = multi_.find(s.base);
    if (it == multi_.end()) undefined(s.base, s.line);
    define(s.name, s.line);
    env_[s.name] = g_.node(it->second).outputs.at(static_cast<size_t>(s.index));
  }

  void outputs(const std::vector<Lit>& outs, size_t line) {
    std::vector<Arg> args;
    for (const Lit& l : outs) {
      if (l.k == Lit::K::None) args.push_back(Arg::none());
      else if (l.k == Lit::K::Name) args.push_back(Arg::ofValue(value(l)));
      else bad(line, "a graph output must be a value or None, not " + describe(l));
    }
    g_.setOutputs(std::move(args));
    lines_.push_back(line);
  }

  Graph finish() {
    inferPhases();
    const std::vector<Diagnostic> problems = verify(g_);
    if (!problems.empty()) {
      const Diagnostic& d = problems.front();
      const size_t line = d.node_id >= 0 && static_cast<size_t>(d.node_id) < lines_.size() ? lines_[d.node_id] : 1;
      bad(line, (d.node.empty() ? "" : "'" + d.node + "' ") + d.message);
    }
    return std::move(g_);
  }

 private:
  /// The phase of calls without a provenance comment, as PyTorch tags a joint graph while tracing it: in a graph with
  /// tangents, a call is in the backward when it reads a tangent, or when only the backward needs it (the
  /// backward's own sin(x) of SinBackward0's grad * x.cos()); what the outputs that do not depend on tangents need,
  /// and what nothing reads, is in the forward. Graphs without tangents are all forward.
  void inferPhases() {
    inferred_phase_.resize(g_.nodes.size(), 0);
    std::vector<char> tangent(g_.values.size(), 0), needed_fw(g_.values.size(), 0), needed_bw(g_.values.size(), 0);
    bool any_tangent = false;
    auto reads = [](const Node& n, auto&& f) {
      for (const Arg& a : n.args) {
        if (a.kind == Arg::Kind::Value && a.value.valid()) f(a.value);
        for (ValueId v : a.values)
          if (v.valid()) f(v);
      }
    };
    std::vector<char> node_tangent(g_.nodes.size(), 0);
    for (const Node& n : g_.nodes) {
      bool t = n.kind == NodeKind::Placeholder && n.role == InputRole::Tangent;
      reads(n, [&](ValueId v) { t = t || tangent[v.v]; });
      node_tangent[n.id.v] = t;
      for (ValueId v : n.outputs) tangent[v.v] = t;
      any_tangent = any_tangent || t;
    }
    if (!any_tangent) {
      for (Node& n : g_.nodes)
        if (inferred_phase_[n.id.v]) n.prov.phase = Phase::Forward;
      return;
    }
    if (const Node* out = g_.outputNode())
      reads(*out, [&](ValueId v) { (tangent[v.v] ? needed_bw : needed_fw)[v.v] = 1; });
    std::vector<char> node_bw(g_.nodes.size(), 0);
    for (size_t i = g_.nodes.size(); i-- > 0;) {
      const Node& n = g_.nodes[i];
      bool fw = false, bw = node_tangent[i];
      for (ValueId v : n.outputs) {
        fw = fw || needed_fw[v.v];
        bw = bw || needed_bw[v.v];
      }
      reads(n, [&](ValueId v) {
        if (fw) needed_fw[v.v] = 1;
        if (bw) needed_bw[v.v] = 1;
      });
      node_bw[i] = node_tangent[i] || (!fw && bw);
    }
    for (Node& n : g_.nodes)
      if (n.kind == NodeKind::Call && inferred_phase_[n.id.v]) n.prov.phase = node_bw[n.id.v] ? Phase::Backward : Phase::Forward;
  }

  static bool isNumbered(const std::string& name, const std::string& prefix) {
    return startsWith(name, prefix) && name.size() > prefix.size() &&
           name.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
  }

  void define(const std::string& name, size_t line) {
    auto [it, fresh] = defined_.emplace(name, line);
    if (!fresh) bad(line, "'" + name + "' is defined twice (first on line " + std::to_string(it->second) + ")");
  }

  [[noreturn]] void undefined(const std::string& name, size_t line) const {
    auto it = defined_.find(name);
    if (multi_.count(name))
      bad(line, "'" + name + "' is a multi-output node; use its outputs (the getitem lines reading " + name + "[k])");
    if (it != defined_.end())
      bad(line, "'" + name + "' is not a multi-output node (defined on line " + std::to_string(it->second) + ")");
    bad(line, "'" + name + "' is not defined before this line");
  }

  ValueId value(const Lit& l) const {
    auto it = env_.find(l.s);
    if (it == env_.end()) undefined(l.s, l.line);
    return it->second;
  }

  [[noreturn]] void mismatch(const Lit& l, const c10::Argument& p, const std::string& opname,
                             const std::string& expected) const {
    fail(kStage, "line " + std::to_string(l.line) + ", column " + std::to_string(l.col),
         "argument '" + p.name() + "' of " + opname + " (" + p.real_type()->str() + ") must be " + expected + ", not " +
             describe(l));
  }

  /// The schema's positional and keyword arguments, converted to IR arguments; left-out ones take the default.
  void bind(const CallStmt& c, const SchemaInfo& schema, const std::string& opname, std::vector<std::string>& names,
            std::vector<Arg>& args) const {
    const auto& params = schema.handle.schema().arguments();
    std::vector<std::optional<Arg>> bound(params.size());
    if (c.positional.size() > schema.num_positional)
      bad(c.line, opname + " takes " + std::to_string(schema.num_positional) + " positional arguments, the call passes " +
                      std::to_string(c.positional.size()) +
                      (schema.num_positional < params.size() ? " (the rest are keyword-only: name = value)" : ""));
    for (size_t k = 0; k < c.positional.size(); ++k) bound[k] = convert(c.positional[k], params[k], opname);
    for (const auto& [name, lit] : c.keywords) {
      size_t j = 0;
      while (j < params.size() && params[j].name() != name) ++j;
      if (j == params.size()) {
        std::string known;
        for (const auto& p : params) known += (known.empty() ? "" : ", ") + p.name();
        bad(c.line, opname + " has no argument '" + name + "' (its arguments: " + known + ")");
      }
      if (bound[j]) bad(c.line, "argument '" + name + "' of " + opname + " is given twice");
      bound[j] = convert(lit, params[j], opname);
    }
    for (size_t j = 0; j < params.size(); ++j) {
      if (!bound[j]) {
        if (!schema.defaults[j])
          bad(c.line, "the call leaves out the argument '" + params[j].name() + "' of " + opname +
                          ", which has no default");
        bound[j] = *schema.defaults[j];
      }
      names.push_back(params[j].name());
      args.push_back(std::move(*bound[j]));
    }
  }

  Arg convert(const Lit& l, const c10::Argument& p, const std::string& opname) const {
    c10::TypePtr t = p.real_type();  // ScalarType, Layout, MemoryFormat and SymInt as declared (type() has int)
    bool optional = false;
    if (auto o = t->cast<c10::OptionalType>()) {
      t = o->getElementType();
      optional = true;
    }
    const c10::TypeKind kind = t->kind();
    if (l.k == Lit::K::None) {
      // An undefined tensor is None too (capture records it so), for optional and plain Tensor arguments alike.
      if (optional || kind == c10::TypeKind::TensorType || kind == c10::TypeKind::NoneType) return Arg::none();
      mismatch(l, p, opname, "given (it is not optional)");
    }
    switch (kind) {
      case c10::TypeKind::TensorType:
        if (l.k == Lit::K::Name) return Arg::ofValue(value(l));
        if (l.k == Lit::K::Tensor) return Arg::ofTensor(l.tensor);
        if (l.k == Lit::K::Int || l.k == Lit::K::Double || l.k == Lit::K::Bool) {
          ConstTensor c;  // a Python number where the schema takes a Tensor: a wrapped number, as in PyTorch
          c.dtype = l.k == Lit::K::Int ? c10::kLong : l.k == Lit::K::Double ? c10::kDouble : c10::kBool;
          c.data = {l.k == Lit::K::Int ? static_cast<double>(l.i) : l.k == Lit::K::Double ? l.d : (l.b ? 1.0 : 0.0)};
          c.wrapped_number = true;
          return Arg::ofTensor(std::move(c));
        }
        mismatch(l, p, opname, "a value, a number or torch.tensor(…)");
      case c10::TypeKind::ListType: {
        if (l.k != Lit::K::List) mismatch(l, p, opname, "a list");
        c10::TypePtr el = t->castRaw<c10::ListType>()->getElementType();
        bool el_optional = false;
        if (auto o = el->cast<c10::OptionalType>()) {
          el = o->getElementType();
          el_optional = true;
        }
        switch (el->kind()) {
          case c10::TypeKind::TensorType: {
            std::vector<ValueId> vs;
            for (const Lit& x : l.items) {
              if (x.k == Lit::K::None && el_optional) vs.emplace_back();
              else if (x.k == Lit::K::Name) vs.push_back(value(x));
              else mismatch(x, p, opname, el_optional ? "a list of values and None" : "a list of values");
            }
            return Arg::ofValues(std::move(vs));
          }
          case c10::TypeKind::IntType:
          case c10::TypeKind::SymIntType: {
            std::vector<int64_t> xs;
            for (const Lit& x : l.items) {
              if (x.k != Lit::K::Int) mismatch(x, p, opname, "a list of integers");
              xs.push_back(x.i);
            }
            return Arg::ofInts(std::move(xs));
          }
          case c10::TypeKind::FloatType: {
            std::vector<double> xs;
            for (const Lit& x : l.items) {
              if (x.k != Lit::K::Int && x.k != Lit::K::Double) mismatch(x, p, opname, "a list of numbers");
              xs.push_back(x.k == Lit::K::Int ? static_cast<double>(x.i) : x.d);
            }
            return Arg::ofDoubles(std::move(xs));
          }
          case c10::TypeKind::BoolType: {
            std::vector<bool> xs;
            for (const Lit& x : l.items) {
              if (x.k != Lit::K::Bool) mismatch(x, p, opname, "a list of True and False");
              xs.push_back(x.b);
            }
            return Arg::ofBools(std::move(xs));
          }
          default: break;
        }
        bad(l.line, "argument '" + p.name() + "' of " + opname + " has the type " + p.real_type()->str() +
                        ", which the text form cannot write");
      }
      case c10::TypeKind::IntType:
      case c10::TypeKind::SymIntType:
        if (l.k == Lit::K::Int || l.k == Lit::K::Enum) return Arg::ofInt(l.i);
        mismatch(l, p, opname, "an integer");
      case c10::TypeKind::ScalarTypeType:
      case c10::TypeKind::LayoutType:
      case c10::TypeKind::MemoryFormatType: {
        const EnumValue::Of of = kind == c10::TypeKind::ScalarTypeType ? EnumValue::Of::Dtype
                                 : kind == c10::TypeKind::LayoutType   ? EnumValue::Of::Layout
                                                                       : EnumValue::Of::MemoryFormat;
        if (l.k == Lit::K::Enum && l.of == of) return Arg::ofInt(l.i);
        const bool in_range = of != EnumValue::Of::Dtype || (l.i >= 0 && l.i < static_cast<int64_t>(c10::ScalarType::NumOptions));
        if (l.k == Lit::K::Int && in_range) return Arg::ofInt(l.i);
        mismatch(l, p, opname, of == EnumValue::Of::Dtype    ? "a dtype (torch.float32)"
                               : of == EnumValue::Of::Layout ? "a layout (torch.strided)"
                                                             : "a memory format (torch.contiguous_format)");
      }
      case c10::TypeKind::FloatType:
      case c10::TypeKind::SymFloatType:
        if (l.k == Lit::K::Double) return Arg::ofDouble(l.d);
        if (l.k == Lit::K::Int) return Arg::ofDouble(static_cast<double>(l.i));
        mismatch(l, p, opname, "a number");
      case c10::TypeKind::NumberType:  // Scalar: the Python number as written
        if (l.k == Lit::K::Int) return Arg::ofInt(l.i);
        if (l.k == Lit::K::Double) return Arg::ofDouble(l.d);
        if (l.k == Lit::K::Bool) return Arg::ofBool(l.b);
        mismatch(l, p, opname, "a number");
      case c10::TypeKind::BoolType:
      case c10::TypeKind::SymBoolType:
        if (l.k == Lit::K::Bool) return Arg::ofBool(l.b);
        mismatch(l, p, opname, "True or False");
      case c10::TypeKind::StringType:
        if (l.k == Lit::K::String) return Arg::ofString(l.s);
        mismatch(l, p, opname, "a string");
      case c10::TypeKind::DeviceObjType:
        if (l.k == Lit::K::Device) {
          try {
            return Arg::ofDevice(c10::Device(l.s));
          } catch (const std::exception&) {
            mismatch(l, p, opname, "a device this LibTorch knows");
          }
        }
        mismatch(l, p, opname, "a device (device(type='cpu'))");
      default: break;
    }
    bad(l.line, "argument '" + p.name() + "' of " + opname + " has the type " + p.real_type()->str() +
                    ", which the text form cannot write");
  }

  ParseOptions opts_;
  Graph g_;
  std::unordered_map<std::string, ValueId> env_;    // names of values
  std::unordered_map<std::string, NodeId> multi_;   // names of multi-output nodes
  std::unordered_map<std::string, size_t> defined_; // every name → the line defining it
  std::vector<char> inferred_phase_;                // per node: no provenance comment gave its phase
  std::vector<size_t> lines_;                       // per node: its line
};

}  // namespace

Graph parseGraph(const std::string& text, const ParseOptions& opts) {
  const std::vector<Line> lines = tokenize(text);
  size_t first = 0;
  while (first < lines.size() && lines[first].toks.empty()) ++first;  // leading comments
  if (first == lines.size()) bad(1, "the text has no graph (expected 'def forward(self, …):')");
  Reader hr(lines[first]);
  const std::vector<Param> params = header(hr);

  std::vector<Stmt> stmts;
  for (size_t i = first + 1; i < lines.size(); ++i) {
    if (lines[i].toks.empty()) continue;  // a comment on its own line
    if (!stmts.empty() && stmts.back().k == Stmt::K::Return) bad(lines[i].line, "nothing may follow 'return'");
    stmts.push_back(statement(lines[i]));
  }
  if (stmts.empty() || stmts.back().k != Stmt::K::Return)
    bad(lines.back().line, "the graph does not end with 'return [...]'");

  // Getitem lines by the node they read, so a multi-output node knows its outputs when it is built.
  std::unordered_map<std::string, std::map<int64_t, const GetitemStmt*>> items;
  for (const Stmt& s : stmts) {
    if (s.k != Stmt::K::Getitem) continue;
    auto [it, fresh] = items[s.getitem.base].emplace(s.getitem.index, &s.getitem);
    if (!fresh)
      bad(s.line, "output " + std::to_string(s.getitem.index) + " of '" + s.getitem.base + "' is read twice (first on line " +
                      std::to_string(it->second->line) + ")");
  }

  Builder b(opts);
  for (const Param& p : params) b.placeholder(p);
  for (const Stmt& s : stmts) {
    switch (s.k) {
      case Stmt::K::Call: {
        auto it = items.find(s.call.name);
        b.call(s.call, it == items.end() ? nullptr : &it->second);
        break;
      }
      case Stmt::K::Getitem: b.getitem(s.getitem); break;
      case Stmt::K::Return: b.outputs(s.returns, s.line); break;
    }
  }
  return b.finish();
}

}  // namespace aotviz::ir
