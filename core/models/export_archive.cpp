// core/models/export_archive.cpp — reading a torch.export archive (export_archive.h; Note [Replaying an exported
// program] in exported_program.h).
#include "core/models/export_archive.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/export/pt2_archive_constants.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/csrc/utils/generated_serialization_types.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <unordered_map>

#include "core/ir/graph.h"
#include "core/models/pt_archive.h"
#include "core/util/diagnostic.h"

namespace aotviz::models::pt2 {

namespace se = torch::_export;
namespace spec_names = torch::_export::archive_spec;

namespace {

constexpr const char* kStage = "inputs";
constexpr const char* kSaveHint = "save it again with torch.export.save from PyTorch 2.11 (scripts/export_pt2.py)";
/// The export schema major version of the generated serialization types (torch/_export/serde/schema.py).
constexpr int64_t kSchemaMajor = 8;
const ArchiveKind kArchiveKind{"a torch.export archive", "save it again with torch.export.save"};

std::string format(std::string_view pattern, const std::string& name) {
  std::string s(pattern);
  const size_t at = s.find("{}");
  return at == std::string::npos ? s : s.replace(at, 2, name);
}

// ------------------------------------------------------------------------------------------ the archive

/// The archive's records, read through LibTorch's reader; every error names the file and the part.
class Reader {
 public:
  /// An archive in memory.
  Reader(std::string bytes, std::string origin) : bytes_(std::move(bytes)), origin_(std::move(origin)) {
    std::istringstream check(bytes_);
    verifyArchive(check, bytes_.size(), origin_, kArchiveKind);
    stream_ = std::make_unique<std::istringstream>(bytes_);
    guarded("the zip archive", [&] { reader_ = std::make_unique<caffe2::serialize::PyTorchStreamReader>(stream_.get()); });
  }

  /// An archive file, read record by record (a 100 MB archive is never copied whole).
  explicit Reader(std::string path) : origin_(std::move(path)) {
    verifyArchive(origin_, uint64_t(64) << 30, kArchiveKind);
    guarded("the zip archive", [&] { reader_ = std::make_unique<caffe2::serialize::PyTorchStreamReader>(origin_); });
  }

  const std::string& origin() const { return origin_; }

  bool has(std::string_view record) {
    bool r = false;
    guarded(std::string(record), [&] { r = reader_->hasRecord(std::string(record)); });
    return r;
  }

  std::vector<std::string> records() {
    std::vector<std::string> r;
    guarded("the zip archive", [&] { r = reader_->getAllRecords(); });
    return r;
  }

  /// The record's bytes; a missing record is an error saying what it was for.
  std::pair<at::DataPtr, size_t> read(const std::string& record, const std::string& what) {
    if (!has(record))
      fail(kStage, origin_, "the archive has no " + record + " (" + what + ")", "the archive is incomplete; " + std::string(kSaveHint));
    std::pair<at::DataPtr, size_t> r;
    guarded(record, [&] {
      auto [ptr, n] = reader_->getRecord(record);
      r = {std::move(ptr), n};
    });
    return r;
  }

  std::string readText(const std::string& record, const std::string& what) {
    auto [ptr, n] = read(record, what);
    return std::string(static_cast<const char*>(ptr.get()), n);
  }

  /// A torch.save'd record, read with LibTorch's pickle_load; `hint` says what to do when it is empty.
  c10::IValue readPickle(const std::string& record, const std::string& what, const std::string& hint) {
    const std::pair<at::DataPtr, size_t> bytes = read(record, what);
    const char* p = static_cast<const char*>(bytes.first.get());
    const size_t n = bytes.second;
    if (n == 0) fail(kStage, origin_, record + " (" + what + ") is empty", hint);
    c10::IValue v;
    guarded(record + " (" + what + ")", [&] { v = torch::jit::pickle_load(std::vector<char>(p, p + n)); });
    return v;
  }

  /// A JSON record as one of the generated serialization types.
  template <typename T>
  T readJson(const std::string& record, const std::string& what) {
    const std::string text = readText(record, what);
    T value;
    try {
      value = nlohmann::json::parse(text).get<T>();
    } catch (const std::exception& e) {
      fail(kStage, origin_, record + " (" + what + ") is not what torch.export.save writes: " + e.what(),
           "the archive is damaged or from another PyTorch; " + std::string(kSaveHint));
    }
    return value;
  }

  /// Runs `f`; LibTorch's and the standard library's exceptions become AotErrors naming `part`.
  void guarded(const std::string& part, const std::function<void()>& f) {
    try {
      f();
    } catch (const AotError&) {
      throw;
    } catch (const c10::Error& e) {
      fail(kStage, origin_, "cannot read " + part + ": " + e.what_without_backtrace(), kSaveHint);
    } catch (const std::exception& e) {
      fail(kStage, origin_, "cannot read " + part + ": " + e.what(), kSaveHint);
    }
  }

 private:
  std::string bytes_;
  std::string origin_;
  std::unique_ptr<std::istringstream> stream_;
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader_;
};

// ------------------------------------------------------------------------------------------ enums

std::optional<c10::ScalarType> scalarType(se::ScalarType t) {
  using S = se::ScalarType;
  switch (t) {
    case S::BYTE: return c10::kByte;
    case S::CHAR: return c10::kChar;
    case S::SHORT: return c10::kShort;
    case S::INT: return c10::kInt;
    case S::LONG: return c10::kLong;
    case S::HALF: return c10::kHalf;
    case S::FLOAT: return c10::kFloat;
    case S::DOUBLE: return c10::kDouble;
    case S::COMPLEXHALF: return c10::kComplexHalf;
    case S::COMPLEXFLOAT: return c10::kComplexFloat;
    case S::COMPLEXDOUBLE: return c10::kComplexDouble;
    case S::BOOL: return c10::kBool;
    case S::BFLOAT16: return c10::kBFloat16;
    case S::UINT16: return c10::kUInt16;
    case S::FLOAT8E4M3FN: return c10::kFloat8_e4m3fn;
    case S::FLOAT8E5M2: return c10::kFloat8_e5m2;
    case S::FLOAT8E4M3FNUZ: return c10::kFloat8_e4m3fnuz;
    case S::FLOAT8E5M2FNUZ: return c10::kFloat8_e5m2fnuz;
    default: return std::nullopt;
  }
}

std::optional<c10::Layout> layout(se::Layout l) {
  switch (l) {
    case se::Layout::Strided: return c10::kStrided;
    case se::Layout::SparseCoo: return c10::kSparse;
    case se::Layout::SparseCsr: return c10::kSparseCsr;
    case se::Layout::SparseCsc: return c10::kSparseCsc;
    case se::Layout::SparseBsr: return c10::kSparseBsr;
    case se::Layout::SparseBsc: return c10::kSparseBsc;
    case se::Layout::_mkldnn: return c10::kMkldnn;
    default: return std::nullopt;
  }
}

std::optional<c10::MemoryFormat> memoryFormat(se::MemoryFormat f) {
  switch (f) {
    case se::MemoryFormat::ContiguousFormat: return c10::MemoryFormat::Contiguous;
    case se::MemoryFormat::ChannelsLast: return c10::MemoryFormat::ChannelsLast;
    case se::MemoryFormat::ChannelsLast3d: return c10::MemoryFormat::ChannelsLast3d;
    case se::MemoryFormat::PreserveFormat: return c10::MemoryFormat::Preserve;
    default: return std::nullopt;
  }
}

std::optional<c10::Device> device(const se::Device& d) {
  std::string text = d.get_type();
  if (d.get_index()) text += ":" + std::to_string(*d.get_index());
  try {
    return c10::Device(text);
  } catch (const c10::Error&) {
    return std::nullopt;
  }
}

std::string shapeText(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// ------------------------------------------------------------------------------------------ weights

/// A static size, stride or offset of a tensor's metadata; symbolic ones are an error naming `what`.
int64_t staticInt(const se::SymInt& s, const std::string& origin, const std::string& what) {
  if (s.tag() == se::SymInt::Tag::AS_INT) return s.get_as_int();
  fail(kStage, origin, what + " has a symbolic size (" + s.get_as_expr().get_expr_str() + ")",
       "weights and constants must have static shapes; export with static shapes for them");
}

std::vector<int64_t> staticInts(const std::vector<se::SymInt>& v, const std::string& origin, const std::string& what) {
  std::vector<int64_t> r;
  for (const auto& s : v) r.push_back(staticInt(s, origin, what));
  return r;
}

/// The weights or constants of one payload config (PyTorch's _load_state_dict / _load_constants): raw records are
/// a tensor's whole untyped storage, re-strided per entry, so entries sharing a record share storage (tied
/// weights stay tied); pickled records are torch.save'd tensors.
std::unordered_map<std::string, at::Tensor> loadPayloads(Reader& a, const std::string& config_record,
                                                         std::string_view dir, const std::string& what) {
  std::unordered_map<std::string, at::Tensor> out;
  if (!a.has(config_record)) return out;
  const auto config = a.readJson<se::PayloadConfig>(config_record, what + " config");
  std::unordered_map<std::string, at::Tensor> flat;  // record → its storage as a flat byte tensor
  for (const auto& [fqn, payload] : config.get_config()) {
    const std::string record = std::string(dir) + payload.get_path_name();
    const std::string entry = what + " '" + fqn + "'";
    if (payload.get_use_pickle()) {
      const c10::IValue v = a.readPickle(record, entry, kSaveHint);
      if (!v.isTensor()) fail(kStage, a.origin(), record + " (" + entry + ") holds a " + v.tagKind() + ", not a tensor", kSaveHint);
      out[fqn] = v.toTensor().detach();
      continue;
    }
    if (!payload.get_tensor_meta())
      fail(kStage, a.origin(), config_record + ": " + entry + " has no tensor_meta", kSaveHint);
    const se::TensorMeta& meta = *payload.get_tensor_meta();
    const auto dtype = scalarType(meta.get_dtype());
    if (!dtype) fail(kStage, a.origin(), entry + " has a dtype this build does not know", kSaveHint);
    const std::vector<int64_t> sizes = staticInts(meta.get_sizes(), a.origin(), entry);
    const std::vector<int64_t> strides = staticInts(meta.get_strides(), a.origin(), entry);
    const int64_t offset = staticInt(meta.get_storage_offset(), a.origin(), entry);
    if (sizes.size() != strides.size())
      fail(kStage, a.origin(), entry + " has " + std::to_string(sizes.size()) + " sizes but " +
                                   std::to_string(strides.size()) + " strides", kSaveHint);
    auto it = flat.find(record);
    if (it == flat.end()) {
      auto [ptr, n] = a.read(record, entry);
      auto owner = std::make_shared<at::DataPtr>(std::move(ptr));
      void* data = owner->get();
      at::Tensor bytes = at::from_blob(data, {static_cast<int64_t>(n)}, [owner](void*) {},
                                       at::TensorOptions().dtype(c10::kByte));
      it = flat.emplace(record, bytes).first;
    }
    // The elements the strided view reaches must lie inside the record.
    const int64_t elem = static_cast<int64_t>(c10::elementSize(*dtype));
    int64_t extent = offset + 1;
    bool empty = false;
    for (size_t d = 0; d < sizes.size(); ++d) {
      if (sizes[d] < 0 || strides[d] < 0 || offset < 0)
        fail(kStage, a.origin(), entry + " has a negative size, stride or offset", kSaveHint);
      if (sizes[d] == 0) empty = true;
      extent += (sizes[d] - 1) * strides[d];
    }
    const int64_t have = it->second.numel() / elem;
    if (!empty && extent > have)
      fail(kStage, a.origin(),
           record + " holds " + std::to_string(it->second.numel()) + " bytes but " + entry + " (" + ir::dtypeName(*dtype) +
               " " + shapeText(sizes) + ") needs " + std::to_string(extent * elem),
           "the archive is damaged; " + std::string(kSaveHint));
    at::Tensor typed = it->second.narrow(0, 0, have * elem).view(*dtype);
    out[fqn] = empty ? at::empty(sizes, at::TensorOptions().dtype(*dtype)) : typed.as_strided(sizes, strides, offset);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ provenance

/// The module path of the innermost entry of nn_module_stack ("key,path,type;key,path,type"; PyTorch's
/// metadata_split keeps commas inside brackets).
std::string moduleScope(const std::string& stack) {
  if (stack.empty()) return {};
  const std::string last = stack.substr(stack.rfind(';') == std::string::npos ? 0 : stack.rfind(';') + 1);
  std::vector<std::string> parts(1);
  int depth = 0;
  for (char c : last) {
    if (c == '[' || c == '(') ++depth;
    if (c == ']' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts.size() == 3 ? parts[1] : std::string();
}

/// "file.py:LINE" of the innermost frame of a stack_trace ("File \"/x/model.py\", line 12, in forward\n  …").
std::string sourceLine(const std::string& trace) {
  const size_t file = trace.rfind("File \"");
  if (file == std::string::npos) return {};
  const size_t end = trace.find("\", line ", file);
  if (end == std::string::npos) return {};
  std::string lineno;
  for (size_t i = end + 8; i < trace.size() && std::isdigit(static_cast<unsigned char>(trace[i])); ++i) lineno += trace[i];
  const std::string name = std::filesystem::path(trace.substr(file + 6, end - file - 6)).filename().string();
  return lineno.empty() ? name : name + ":" + lineno;
}

std::optional<SymOp> symOp(const std::string& target) {
  auto ints = [](auto f) -> SymOp {
    return [f](const std::vector<c10::IValue>& a) { return c10::IValue(f(a.at(0).toInt(), a.at(1).toInt())); };
  };
  static const std::map<std::string, SymOp> ops = {
      {"_operator.add", ints([](int64_t x, int64_t y) { return x + y; })},
      {"_operator.sub", ints([](int64_t x, int64_t y) { return x - y; })},
      {"_operator.mul", ints([](int64_t x, int64_t y) { return x * y; })},
      {"_operator.floordiv", ints([](int64_t x, int64_t y) {
         const int64_t q = x / y;
         return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
       })},
      {"_operator.mod", ints([](int64_t x, int64_t y) {
         const int64_t r = x % y;
         return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
       })},
      {"_operator.eq", ints([](int64_t x, int64_t y) { return x == y; })},
      {"_operator.ne", ints([](int64_t x, int64_t y) { return x != y; })},
      {"_operator.lt", ints([](int64_t x, int64_t y) { return x < y; })},
      {"_operator.le", ints([](int64_t x, int64_t y) { return x <= y; })},
      {"_operator.gt", ints([](int64_t x, int64_t y) { return x > y; })},
      {"_operator.ge", ints([](int64_t x, int64_t y) { return x >= y; })},
      {"_operator.neg", [](const std::vector<c10::IValue>& a) { return c10::IValue(-a.at(0).toInt()); }},
  };
  auto it = ops.find(target);
  if (it == ops.end()) return std::nullopt;
  return it->second;
}

class GraphReader {
 public:
  explicit GraphReader(std::string origin) : origin_(std::move(origin)) {}

  /// A graph value as a ValueRef; `type` is the schema argument's type (nullptr for outputs and SymOps).
  ValueRef value(const se::Argument& a, const std::string& where) const {
    using T = se::Argument::Tag;
    ValueRef r;
    auto name = [&](std::string n) {
      r.kind = ValueRef::Kind::Name;
      r.name = std::move(n);
    };
    auto symInt = [&](const se::SymIntArgument& s, std::optional<std::string>& n, int64_t& v) {
      if (s.tag() == se::SymIntArgument::Tag::AS_NAME) n = s.get_as_name();
      else v = s.get_as_int();
    };
    switch (a.tag()) {
      case T::AS_NONE: r.constant = c10::IValue(); break;
      case T::AS_TENSOR: name(a.get_as_tensor().get_name()); break;
      case T::AS_OPTIONAL_TENSOR:
        if (a.get_as_optional_tensor().tag() == se::OptionalTensorArgument::Tag::AS_TENSOR)
          name(a.get_as_optional_tensor().get_as_tensor().get_name());
        break;
      case T::AS_TENSORS:
        r.kind = ValueRef::Kind::Names;
        for (const auto& t : a.get_as_tensors()) r.names.emplace_back(t.get_name());
        break;
      case T::AS_OPTIONAL_TENSORS:
        r.kind = ValueRef::Kind::OptionalNames;
        for (const auto& t : a.get_as_optional_tensors())
          r.names.push_back(t.tag() == se::OptionalTensorArgument::Tag::AS_TENSOR
                                ? std::optional<std::string>(t.get_as_tensor().get_name())
                                : std::nullopt);
        break;
      case T::AS_INT: r.constant = c10::IValue(a.get_as_int()); break;
      case T::AS_INTS: r.constant = c10::IValue(a.get_as_ints()); break;
      case T::AS_FLOAT: r.constant = c10::IValue(a.get_as_float().get()); break;
      case T::AS_FLOATS: {
        std::vector<double> v;
        for (const auto& f : a.get_as_floats()) v.push_back(f.get());
        r.constant = c10::IValue(v);
        break;
      }
      case T::AS_STRING: r.constant = c10::IValue(a.get_as_string()); break;
      case T::AS_STRINGS: r.constant = c10::IValue(c10::List<std::string>(a.get_as_strings())); break;
      case T::AS_BOOL: r.constant = c10::IValue(a.get_as_bool()); break;
      case T::AS_BOOLS: {
        c10::List<bool> v;
        for (bool b : a.get_as_bools()) v.push_back(b);
        r.constant = c10::IValue(v);
        break;
      }
      case T::AS_SYM_INT: {
        std::optional<std::string> n;
        int64_t v = 0;
        symInt(a.get_as_sym_int(), n, v);
        if (n) name(*n);
        else r.constant = c10::IValue(v);
        break;
      }
      case T::AS_SYM_INTS: {
        r.kind = ValueRef::Kind::Names;
        r.int_list = true;
        for (const auto& s : a.get_as_sym_ints()) {
          std::optional<std::string> n;
          int64_t v = 0;
          symInt(s, n, v);
          r.names.push_back(n);
          r.ints.push_back(v);
        }
        break;
      }
      case T::AS_SYM_BOOL:
        if (a.get_as_sym_bool().tag() == se::SymBoolArgument::Tag::AS_NAME) name(a.get_as_sym_bool().get_as_name());
        else r.constant = c10::IValue(a.get_as_sym_bool().get_as_bool());
        break;
      case T::AS_SYM_FLOAT:
        if (a.get_as_sym_float().tag() == se::SymFloatArgument::Tag::AS_NAME) name(a.get_as_sym_float().get_as_name());
        else r.constant = c10::IValue(a.get_as_sym_float().get_as_float().get());
        break;
      case T::AS_SCALAR_TYPE: {
        const auto t = scalarType(a.get_as_scalar_type());
        if (!t) unsupported(where, "a dtype this build does not know");
        r.constant = c10::IValue(static_cast<int64_t>(*t));
        break;
      }
      case T::AS_LAYOUT: {
        const auto l = layout(a.get_as_layout());
        if (!l) unsupported(where, "an unknown layout");
        r.constant = c10::IValue(static_cast<int64_t>(*l));
        break;
      }
      case T::AS_MEMORY_FORMAT: {
        const auto f = memoryFormat(a.get_as_memory_format());
        if (!f) unsupported(where, "an unknown memory format");
        r.constant = c10::IValue(static_cast<int64_t>(*f));
        break;
      }
      case T::AS_DEVICE: {
        const auto d = device(a.get_as_device());
        if (!d) unsupported(where, "the device '" + a.get_as_device().get_type() + "'");
        r.constant = c10::IValue(*d);
        break;
      }
      case T::AS_COMPLEX:
        r.constant = c10::IValue(c10::complex<double>(a.get_as_complex().get_real().get(), a.get_as_complex().get_imag().get()));
        break;
      case T::AS_GRAPH: unsupported(where, "a subgraph (a higher-order op's body)");
      case T::AS_CUSTOM_OBJ: unsupported(where, "a custom class object (torch.classes)");
      case T::AS_OPERATOR: unsupported(where, "an operator as an argument");
      default: unsupported(where, "an argument kind this importer does not read");
    }
    return r;
  }

  [[noreturn]] void unsupported(const std::string& where, const std::string& what) const {
    fail(kStage, origin_, where + " takes " + what + ", which aotviz's importer does not support",
         "export a model without it, or decompose it first (ep.run_decompositions())");
  }

  Step step(const se::Node& n) const {
    Step s;
    s.name = n.get_name().value_or(n.get_target());
    s.target = n.get_target();
    const std::string where = "node '" + s.name + "' (" + s.target + ")";
    auto meta = [&](const char* key) {
      auto it = n.get_metadata().find(key);
      return it == n.get_metadata().end() ? std::string() : it->second;
    };
    s.scope = moduleScope(meta("nn_module_stack"));
    s.source = sourceLine(meta("stack_trace"));
    if (auto sym = symOp(s.target)) {
      s.sym = *sym;
      for (const auto& in : n.get_inputs()) s.args.push_back(value(in.get_arg(), where));
      bindOutputs(s, n, 1, where);
      return s;
    }
    const std::string prefix = "torch.ops.";
    if (s.target.rfind("torch.ops.higher_order.", 0) == 0)
      fail(kStage, origin_,
           where + " is a higher-order op (torch.cond, torch.no_grad regions, activation checkpointing, "
                   "auto_functionalized …), which aotviz's importer does not replay",
           "export without it (move torch.no_grad or torch.cond out of the model), or decompose it first");
    if (s.target.rfind(prefix, 0) != 0)
      fail(kStage, origin_, where + " calls a Python function, not an operator", "export with strict=False from PyTorch 2.11");
    const std::string qualified = s.target.substr(prefix.size());  // aten.add_.Tensor
    const size_t dot1 = qualified.find('.');
    const size_t dot2 = dot1 == std::string::npos ? std::string::npos : qualified.find('.', dot1 + 1);
    if (dot2 == std::string::npos)
      fail(kStage, origin_, where + ": the target is not torch.ops.NAMESPACE.OP.OVERLOAD", kSaveHint);
    const std::string ns = qualified.substr(0, dot1);
    const std::string op = qualified.substr(dot1 + 1, dot2 - dot1 - 1);
    std::string overload = qualified.substr(dot2 + 1);
    if (overload == "default") overload.clear();
    auto handle = c10::Dispatcher::singleton().findSchema({ns + "::" + op, overload});
    if (!handle) {
      bool known = false;
      for (const auto& name : c10::Dispatcher::singleton().getAllOpNames()) known = known || name.name == ns + "::" + op;
      if (ns != "aten" && ns != "prims")
        fail(kStage, origin_, where + " calls the custom operator " + ns + "::" + op + ", which this LibTorch does not have",
             "register it in C++ (TORCH_LIBRARY) and link it into aotviz, or export a model without it");
      fail(kStage, origin_,
           where + " calls " + ns + "::" + op + (overload.empty() ? "" : "." + overload) + ", which LibTorch 2.11 " +
               (known ? "has only under other overloads" : "does not have"),
           "export with PyTorch 2.11, which aotviz is built against");
    }
    s.op = *handle;
    const c10::FunctionSchema& schema = handle->schema();
    std::unordered_map<std::string, const se::NamedArgument*> by_name;
    for (const auto& in : n.get_inputs()) {
      if (by_name.count(in.get_name()))
        fail(kStage, origin_, where + " passes '" + in.get_name() + "' twice", kSaveHint);
      by_name[in.get_name()] = &in;
    }
    for (const c10::Argument& arg : schema.arguments()) {
      auto it = by_name.find(arg.name());
      if (it != by_name.end()) {
        ValueRef v = value(it->second->get_arg(), where + " argument '" + arg.name() + "'");
        const c10::IValue& c = v.constant;
        v.wrap_number = v.kind == ValueRef::Kind::Constant && (c.isInt() || c.isDouble() || c.isBool()) &&
                        arg.type()->kind() == c10::TypeKind::TensorType;
        s.args.push_back(std::move(v));
        by_name.erase(it);
      } else if (arg.default_value()) {
        ValueRef d;
        d.constant = *arg.default_value();
        s.args.push_back(std::move(d));
      } else {
        fail(kStage, origin_, where + " does not pass '" + arg.name() + "', which " + schema.operator_name().name + " requires",
             kSaveHint);
      }
    }
    if (!by_name.empty())
      fail(kStage, origin_,
           where + " passes '" + by_name.begin()->first + "', which " + (schema.name() + (schema.overload_name().empty() ? "" : "." + schema.overload_name())) +
               " in LibTorch 2.11 does not take",
           "export with PyTorch 2.11, which aotviz is built against");
    bindOutputs(s, n, schema.returns().size(), where);
    return s;
  }

  /// One binding per operator return (PyTorch's serialize_outputs: a Tensor[] return is one as_tensors).
  void bindOutputs(Step& s, const se::Node& n, size_t returns, const std::string& where) const {
    using T = se::Argument::Tag;
    for (const auto& o : n.get_outputs()) {
      Binding b;
      switch (o.tag()) {
        case T::AS_TENSOR: b.name = o.get_as_tensor().get_name(); break;
        case T::AS_TENSORS:
          b.is_list = true;
          for (const auto& t : o.get_as_tensors()) b.list.push_back(t.get_name());
          break;
        case T::AS_OPTIONAL_TENSOR:
          if (o.get_as_optional_tensor().tag() == se::OptionalTensorArgument::Tag::AS_TENSOR)
            b.name = o.get_as_optional_tensor().get_as_tensor().get_name();
          break;
        case T::AS_SYM_INT:
          if (o.get_as_sym_int().tag() == se::SymIntArgument::Tag::AS_NAME) b.name = o.get_as_sym_int().get_as_name();
          break;
        case T::AS_SYM_BOOL:
          if (o.get_as_sym_bool().tag() == se::SymBoolArgument::Tag::AS_NAME) b.name = o.get_as_sym_bool().get_as_name();
          break;
        case T::AS_SYM_FLOAT:
          if (o.get_as_sym_float().tag() == se::SymFloatArgument::Tag::AS_NAME) b.name = o.get_as_sym_float().get_as_name();
          break;
        default: break;  // None, or a result nothing reads
      }
      s.outputs.push_back(std::move(b));
    }
    if (s.outputs.size() > returns)
      fail(kStage, origin_,
           where + " has " + std::to_string(s.outputs.size()) + " outputs but its operator returns " + std::to_string(returns),
           kSaveHint);
  }

 private:
  std::string origin_;
};

// ------------------------------------------------------------------------------------------ inputs

/// The leaves of (args, kwargs) as torch.utils._pytree flattens them: tuples and lists in order, dict values in
/// insertion order.
void flattenLeaves(const c10::IValue& v, std::vector<c10::IValue>& out) {
  if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flattenLeaves(e, out);
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) flattenLeaves(e, out);
  } else if (v.isGenericDict()) {
    for (const auto& kv : v.toGenericDict()) flattenLeaves(kv.value(), out);
  } else {
    out.push_back(v);
  }
}

/// A tensor's static sizes and the names of its symbolic ones, from the graph's tensor_values.
struct InputMeta {
  std::vector<std::optional<int64_t>> sizes;  // nullopt: symbolic
  std::vector<std::string> symbols;
  std::optional<c10::ScalarType> dtype;
};

/// A sympy expression as PyTorch serializes it ("Symbol('s77', positive=True, integer=True)") by its name ("s77");
/// any other expression as written.
std::string symbolName(const std::string& expr) {
  const std::string prefix = "Symbol('";
  if (expr.rfind(prefix, 0) != 0) return expr;
  const size_t end = expr.find('\'', prefix.size());
  return end == std::string::npos ? expr : expr.substr(prefix.size(), end - prefix.size());
}

InputMeta inputMeta(const se::Graph& g, const std::string& name) {
  InputMeta m;
  auto it = g.get_tensor_values().find(name);
  if (it == g.get_tensor_values().end()) return m;
  m.dtype = scalarType(it->second.get_dtype());
  for (const auto& s : it->second.get_sizes()) {
    if (s.tag() == se::SymInt::Tag::AS_INT) {
      m.sizes.emplace_back(s.get_as_int());
      m.symbols.emplace_back();
    } else {
      m.sizes.emplace_back(std::nullopt);
      m.symbols.push_back(symbolName(s.get_as_expr().get_expr_str()));
    }
  }
  return m;
}

std::string rangeText(const se::ExportedProgram& ep, const std::string& symbol) {
  auto it = ep.get_range_constraints().find(symbol);
  if (it == ep.get_range_constraints().end()) return {};
  auto bound = [](const std::optional<int64_t>& b, const char* inf) { return b ? std::to_string(*b) : std::string(inf); };
  return ", range [" + bound(it->second.get_min_val(), "-inf") + ", " + bound(it->second.get_max_val(), "inf") + "]";
}

/// Checks a user input against what the graph was exported with; notes each specialized symbolic dimension.
void checkUserInput(const se::ExportedProgram& ep, const std::string& name, const at::Tensor& t, const std::string& origin,
                    std::vector<std::string>& notes) {
  const InputMeta m = inputMeta(ep.get_graph_module().get_graph(), name);
  if (m.sizes.empty() && !m.dtype) return;
  if (m.dtype && *m.dtype != t.scalar_type())
    fail(kStage, origin,
         "user input '" + name + "' was exported as " + ir::dtypeName(*m.dtype) + " but the example input is " +
             ir::dtypeName(t.scalar_type()),
         "give it the dtype it was exported with");
  bool ok = m.sizes.size() == static_cast<size_t>(t.dim());
  for (size_t d = 0; ok && d < m.sizes.size(); ++d) ok = !m.sizes[d] || *m.sizes[d] == t.size(static_cast<int64_t>(d));
  if (!ok) {
    std::string exported = "[";
    for (size_t d = 0; d < m.sizes.size(); ++d)
      exported += (d ? ", " : "") + (m.sizes[d] ? std::to_string(*m.sizes[d]) : m.symbols[d]);
    exported += "]";
    fail(kStage, origin,
         "user input '" + name + "' was exported with shape " + exported + " but the example input has " +
             shapeText(t.sizes().vec()),
         "static dimensions cannot change; export with dynamic shapes (torch.export.Dim) for the ones that do");
  }
  for (size_t d = 0; d < m.sizes.size(); ++d)
    if (!m.sizes[d])
      notes.push_back("symbolic dimension " + m.symbols[d] + rangeText(ep, m.symbols[d]) + " (" + name + ".size(" +
                      std::to_string(d) + ")) specialized to " + std::to_string(t.size(static_cast<int64_t>(d))) +
                      " from the example inputs");
}

c10::IValue constantValue(const se::ConstantValue& c) {
  using T = se::ConstantValue::Tag;
  switch (c.tag()) {
    case T::AS_INT: return c10::IValue(c.get_as_int());
    case T::AS_FLOAT: return c10::IValue(c.get_as_float().get());
    case T::AS_STRING: return c10::IValue(c.get_as_string());
    case T::AS_BOOL: return c10::IValue(c.get_as_bool());
    default: return c10::IValue();
  }
}

// ------------------------------------------------------------------------------------------ loading

Archive load(Reader& a, const InputSpec* spec, uint64_t seed) {
  const std::string& origin = a.origin();
  // Archive format and version (pt2_archive_constants.h).
  const std::string format_record(spec_names::ARCHIVE_FORMAT_PATH);
  if (!a.has(format_record)) {
    const bool torchscript = a.has("data.pkl") || a.has("constants.pkl");
    fail(kStage, origin, "not a torch.export archive: it has no " + format_record + " record",
         torchscript ? "this looks like a TorchScript or torch.save file; open TorchScript as .pt"
                     : "write it with torch.export.save (scripts/export_pt2.py)");
  }
  const std::string fmt = a.readText(format_record, "the archive format");
  if (fmt != spec_names::ARCHIVE_FORMAT_VALUE)
    fail(kStage, origin, "archive_format is '" + fmt + "', not '" + std::string(spec_names::ARCHIVE_FORMAT_VALUE) + "'",
         "write it with torch.export.save (scripts/export_pt2.py)");
  const std::string version_record(spec_names::ARCHIVE_VERSION_PATH);
  const std::string version = a.has(version_record) ? a.readText(version_record, "the archive version") : "0";
  if (version != spec_names::ARCHIVE_VERSION_VALUE)
    fail(kStage, origin,
         "archive_version is '" + version + "'; this build reads version " + std::string(spec_names::ARCHIVE_VERSION_VALUE) +
             " (PyTorch 2.11's PT2 archive spec)",
         "save it with torch.export.save from PyTorch 2.11");

  // The model: models/model.json, or the only models/*.json.
  std::vector<std::string> models;
  const std::string dir(spec_names::MODELS_DIR);
  for (const auto& r : a.records())
    if (r.rfind(dir, 0) == 0 && r.size() > dir.size() + 5 && r.compare(r.size() - 5, 5, ".json") == 0)
      models.push_back(r.substr(dir.size(), r.size() - dir.size() - 5));
  if (models.empty())
    fail(kStage, origin, "the archive has no " + dir + "*.json (no exported program)",
         "it may hold only AOTInductor artifacts; save the ExportedProgram with torch.export.save");
  std::string model_name = models.front();
  for (const auto& m : models)
    if (m == "model") model_name = m;
  const std::string model_record = format(spec_names::MODELS_FILENAME_FORMAT, model_name);
  const auto ep = a.readJson<se::ExportedProgram>(model_record, "the exported program");
  if (ep.get_schema_version().get_major() != kSchemaMajor)
    fail(kStage, origin,
         model_record + " has export schema version " + std::to_string(ep.get_schema_version().get_major()) + "." +
             std::to_string(ep.get_schema_version().get_minor()) + "; this build reads " + std::to_string(kSchemaMajor) + ".x",
         "save it with torch.export.save from PyTorch 2.11");
  const se::Graph& graph = ep.get_graph_module().get_graph();
  const se::GraphSignature& sig = ep.get_graph_module().get_signature();

  Archive m;
  m.name = std::filesystem::path(origin).stem().string();
  m.description = "torch.export program " + origin + " (" + std::to_string(graph.get_nodes().size()) + " nodes, torch " +
                  ep.get_torch_version() + ")";
  if (models.size() > 1) m.notes.push_back("the archive holds " + std::to_string(models.size()) + " programs; opened '" + model_name + "'");

  // Weights and constants.
  auto weights = loadPayloads(a, format(spec_names::WEIGHTS_CONFIG_FILENAME_FORMAT, model_name), spec_names::WEIGHTS_DIR, "weight");
  auto constants = loadPayloads(a, format(spec_names::CONSTANTS_CONFIG_FILENAME_FORMAT, model_name), spec_names::CONSTANTS_DIR, "constant");
  auto tensorFor = [&](const std::string& fqn, const char* what) -> at::Tensor {
    if (auto it = weights.find(fqn); it != weights.end()) return it->second;
    if (auto it = constants.find(fqn); it != constants.end()) return it->second;
    fail(kStage, origin, "the archive has no data for the " + std::string(what) + " '" + fqn + "'",
         "the archive is incomplete; " + std::string(kSaveHint));
  };

  // The graph signature → inputs.
  auto program = std::make_shared<Program>();
  const auto& specs = sig.get_input_specs();
  if (specs.size() != graph.get_inputs().size())
    fail(kStage, origin, model_record + ": the graph has " + std::to_string(graph.get_inputs().size()) + " inputs but its signature " +
                             std::to_string(specs.size()), kSaveHint);
  struct UserSlot {
    std::string name;
    bool tensor = false;
  };
  std::vector<UserSlot> user;
  std::vector<size_t> user_index;  // per user slot: the graph input
  std::unordered_map<std::string, size_t> flat_of_input;  // graph input name → flat input (for mutations)
  using IT = se::InputSpec::Tag;
  for (size_t i = 0; i < specs.size(); ++i) {
    const se::InputSpec& s = specs[i];
    auto addTensor = [&](const std::string& arg, std::string name, capture::InputKind kind, at::Tensor t, bool grad) {
      // Note [Tied parameters] (torchscript.h) for exported programs: torch.export lifts a tied weight once per
      // name (embed_tokens.weight, lm_head.weight), both read from one weight record. torch.export.load's
      // ep.module() makes two Parameters over that one storage, each with its own half of the gradient; in the
      // model that was exported they were one Parameter. One input under the first name is that model.
      for (size_t k = 0; k < m.inputs.size(); ++k) {
        const at::Tensor& e = m.inputs[k].example;
        if (m.inputs[k].kind != kind || !e.defined() || !t.defined() || !e.is_alias_of(t) || e.sizes() != t.sizes() ||
            e.strides() != t.strides() || e.storage_offset() != t.storage_offset() || e.dtype() != t.dtype())
          continue;
        flat_of_input[arg] = k;
        program->tensor_inputs.emplace_back(arg, k);
        m.notes.push_back("'" + name + "' is tied to '" + m.inputs[k].name + "' (one weight record): one input");
        return;
      }
      flat_of_input[arg] = m.inputs.size();
      program->tensor_inputs.emplace_back(arg, m.inputs.size());
      m.inputs.push_back({std::move(name), kind, t, grad});
    };
    switch (s.tag()) {
      case IT::PARAMETER: {
        const auto& p = s.get_parameter();
        at::Tensor t = tensorFor(p.get_parameter_name(), "parameter");
        addTensor(p.get_arg().get_name(), p.get_parameter_name(), capture::InputKind::Param, t,
                  t.is_floating_point() || t.is_complex());
        break;
      }
      case IT::BUFFER: {
        const auto& b = s.get_buffer();
        addTensor(b.get_arg().get_name(), b.get_buffer_name(), capture::InputKind::Buffer, tensorFor(b.get_buffer_name(), "buffer"), false);
        break;
      }
      case IT::TENSOR_CONSTANT: {
        const auto& c = s.get_tensor_constant();
        addTensor(c.get_arg().get_name(), c.get_tensor_constant_name(), capture::InputKind::Buffer,
                  tensorFor(c.get_tensor_constant_name(), "tensor constant"), false);
        m.notes.push_back("the lifted tensor constant '" + c.get_tensor_constant_name() + "' is an input, as a buffer");
        break;
      }
      case IT::USER_INPUT: {
        const se::Argument& arg = s.get_user_input().get_arg();
        const bool tensor = arg.tag() == se::Argument::Tag::AS_TENSOR;
        std::string name = tensor ? arg.get_as_tensor().get_name() : "input_" + std::to_string(user.size());
        if (!tensor) {
          const ValueRef v = GraphReader(origin).value(arg, "user input " + std::to_string(user.size()));
          if (v.kind != ValueRef::Kind::Constant)
            fail(kStage, origin, "user input " + std::to_string(user.size()) + " is not a tensor and not a constant",
                 "export with tensor inputs");
          program->constants[name] = v.constant;
        }
        user.push_back({name, tensor});
        user_index.push_back(i);
        break;
      }
      case IT::CONSTANT_INPUT: {
        const auto& c = s.get_constant_input();
        program->constants[c.get_name()] = constantValue(c.get_value());
        break;
      }
      case IT::CUSTOM_OBJ:
        fail(kStage, origin, "input " + std::to_string(i) + " is a custom class object (torch.classes), which aotviz cannot replay",
             "export a model without custom class objects");
      case IT::TOKEN:
        fail(kStage, origin, "input " + std::to_string(i) + " is an effect token (an op with side effects), which aotviz cannot replay",
             "export a model without side-effecting ops");
      default: fail(kStage, origin, "input " + std::to_string(i) + " has a kind this build does not know", kSaveHint);
    }
  }

  // User inputs: the spec's, or the archive's sample inputs.
  std::vector<capture::InputDesc> user_inputs;
  size_t tensor_users = 0;
  for (const auto& u : user) tensor_users += u.tensor;
  if (spec) {
    user_inputs = makeInputs(*spec, seed ? seed : spec->seed);
    if (user_inputs.size() != tensor_users)
      fail(kStage, origin,
           "the program takes " + std::to_string(tensor_users) + " tensor inputs but the input spec gives " +
               std::to_string(user_inputs.size()),
           "list one entry per tensor input of the exported forward, in order");
    m.grad_enabled = spec->grad_enabled;
  } else {
    const std::string record = format(spec_names::SAMPLE_INPUTS_FILENAME_FORMAT, model_name);
    if (!a.has(record))
      fail(kStage, origin, "the archive has no sample inputs (" + record + ")", "pass --inputs SPEC.json (README, \"Input specs\")");
    const c10::IValue sample = a.readPickle(record, "the sample inputs", "pass --inputs SPEC.json (README, \"Input specs\")");
    std::vector<c10::IValue> leaves;
    flattenLeaves(sample, leaves);
    if (leaves.size() != user.size())
      fail(kStage, origin,
           "the sample inputs have " + std::to_string(leaves.size()) + " leaves but the program takes " +
               std::to_string(user.size()) + " user inputs",
           "pass --inputs SPEC.json (README, \"Input specs\")");
    for (size_t k = 0; k < user.size(); ++k) {
      if (!user[k].tensor) continue;
      if (!leaves[k].isTensor())
        fail(kStage, origin, "sample input " + std::to_string(k) + " ('" + user[k].name + "') is a " + leaves[k].tagKind() + ", not a tensor",
             "pass --inputs SPEC.json (README, \"Input specs\")");
      at::Tensor t = leaves[k].toTensor();
      const bool grad = t.requires_grad();
      user_inputs.push_back({user[k].name, capture::InputKind::User, t.detach(), grad});
    }
  }
  size_t next = 0;
  for (size_t k = 0; k < user.size(); ++k) {
    if (!user[k].tensor) continue;
    capture::InputDesc& d = user_inputs[next++];
    if (!spec) d.name = user[k].name;
    checkUserInput(ep, user[k].name, d.example, origin, m.notes);
    flat_of_input[user[k].name] = m.inputs.size();
    program->tensor_inputs.emplace_back(user[k].name, m.inputs.size());
    m.inputs.push_back(d);
  }

  // The device the tensor inputs were exported on, when they share one: factory ops name it (arange(device=cpu)).
  bool one_device = true;
  for (const auto& input : program->tensor_inputs) {
    auto it = graph.get_tensor_values().find(input.first);
    const auto d = it == graph.get_tensor_values().end() ? std::nullopt : device(it->second.get_device());
    if (!d) continue;
    if (program->device && *program->device != *d) one_device = false;
    program->device = d;
  }
  if (!one_device) program->device.reset();

  // Nodes, resolved through the dispatcher now, so a missing operator is an error before anything runs.
  GraphReader reader(origin);
  for (const se::Node& n : graph.get_nodes()) program->steps.push_back(reader.step(n));

  // Outputs: user outputs are returned; mutations are copied into the inputs they mutate.
  using OT = se::OutputSpec::Tag;
  const auto& outs = sig.get_output_specs();
  if (outs.size() != graph.get_outputs().size())
    fail(kStage, origin, model_record + ": the graph has " + std::to_string(graph.get_outputs().size()) + " outputs but its signature " +
                             std::to_string(outs.size()), kSaveHint);
  for (size_t i = 0; i < outs.size(); ++i) {
    Output o;
    o.value = reader.value(graph.get_outputs()[i], "output " + std::to_string(i));
    auto copyInto = [&](const std::string& target, const std::string& input_name, const char* what) {
      std::optional<size_t> flat;
      if (auto it = flat_of_input.find(input_name); it != flat_of_input.end()) flat = it->second;
      for (size_t k = 0; !flat && k < m.inputs.size(); ++k)
        if (m.inputs[k].name == target) flat = k;
      if (!flat) fail(kStage, origin, "output " + std::to_string(i) + " mutates the " + what + " '" + target + "', which is not an input", kSaveHint);
      o.kind = Output::Kind::CopyInto;
      o.input = *flat;
    };
    switch (outs[i].tag()) {
      case OT::USER_OUTPUT:
      case OT::LOSS_OUTPUT:
        if (o.value.kind != ValueRef::Kind::Name && !(o.value.kind == ValueRef::Kind::Constant && o.value.constant.isNone()))
          fail(kStage, origin, "output " + std::to_string(i) + " is not a tensor", "return tensors from the exported forward");
        break;
      case OT::BUFFER_MUTATION: {
        const std::string& b = outs[i].get_buffer_mutation().get_buffer_name();
        std::string arg;
        for (const auto& s : specs)
          if (s.tag() == IT::BUFFER && s.get_buffer().get_buffer_name() == b) arg = s.get_buffer().get_arg().get_name();
        copyInto(b, arg, "buffer");
        break;
      }
      case OT::USER_INPUT_MUTATION: {
        const std::string& u = outs[i].get_user_input_mutation().get_user_input_name();
        copyInto(u, u, "user input");
        break;
      }
      case OT::PARAMETER_MUTATION: {
        const std::string& p = outs[i].get_parameter_mutation().get_parameter_name();
        std::string arg;
        for (const auto& s : specs)
          if (s.tag() == IT::PARAMETER && s.get_parameter().get_parameter_name() == p) arg = s.get_parameter().get_arg().get_name();
        copyInto(p, arg, "parameter");
        break;
      }
      case OT::GRADIENT_TO_PARAMETER:
      case OT::GRADIENT_TO_USER_INPUT:
        fail(kStage, origin, "this is a joint graph (it returns gradients), not a forward program",
             "export the forward only: torch.export.export(model, args)");
      case OT::TOKEN:
        fail(kStage, origin, "output " + std::to_string(i) + " is an effect token, which aotviz cannot replay",
             "export a model without side-effecting ops");
      default: fail(kStage, origin, "output " + std::to_string(i) + " has a kind this build does not know", kSaveHint);
    }
    if (o.kind == Output::Kind::CopyInto && o.value.kind != ValueRef::Kind::Name)
      fail(kStage, origin, "output " + std::to_string(i) + " (a mutation) is not a tensor", kSaveHint);
    program->outputs.push_back(std::move(o));
  }
  // The decomposed form of a training BatchNorm: its backward saved the running statistics that the copies above
  // then overwrite, which autograd refuses, in PyTorch as here.
  bool copies = false, functional_bn = false;
  for (const auto& o : program->outputs) copies = copies || o.kind == Output::Kind::CopyInto;
  for (const auto& st : program->steps)
    functional_bn = functional_bn || st.target == "torch.ops.aten._native_batch_norm_legit_functional.default";
  if (copies && functional_bn)
    m.notes.push_back(
        "this program comes from run_decompositions(): BatchNorm's running statistics are copied into their buffers "
        "after _native_batch_norm_legit_functional, whose backward saved them, so the joint graph fails with "
        "\"modified by an inplace operation\" (PyTorch 2.11's ep.module() backward fails the same way); for the "
        "training graph open the archive saved without run_decompositions(), or export in eval mode");
  m.program = std::move(program);
  return m;
}

Archive readFrom(Reader& r, const InputSpec* spec, uint64_t seed) {
  try {
    return load(r, spec, seed);
  } catch (const AotError&) {
    throw;
  } catch (const std::exception& e) {  // a field of the serialized program that is there but malformed
    fail(kStage, r.origin(), "the exported program is malformed: " + std::string(e.what()), kSaveHint);
  }
}

}  // namespace

Archive readArchive(std::string bytes, const std::string& origin, const InputSpec* spec, uint64_t seed) {
  Reader r(std::move(bytes), origin);
  return readFrom(r, spec, seed);
}

Archive readArchiveFile(const std::string& path, const InputSpec* spec, uint64_t seed) {
  Reader r(path);
  return readFrom(r, spec, seed);
}

}  // namespace aotviz::models::pt2
