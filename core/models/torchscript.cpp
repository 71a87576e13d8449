// core/models/torchscript.cpp — TorchScript import (Note [TorchScript capture] in torchscript.h).
#include "core/models/torchscript.h"

#include <ATen/ScalarOps.h>
#include <ATen/core/ivalue.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/library.h>

#include <cctype>
#include <filesystem>
#include <mutex>
#include <set>
#include <unordered_map>

#include "core/capture/trace_tensor.h"
#include "core/models/exported_program.h"
#include "core/models/pt_archive.h"
#include "core/util/diagnostic.h"

namespace aotviz::models {

namespace jit = torch::jit;

namespace {

constexpr const char* kStage = "inputs";

// ------------------------------------------------------------------------------------------ provenance marker

/// The marker op inserted before the ops of each scope / source line. Outside a capture it does nothing.
void setProvenance(std::string scope, std::string source) {
  capture::TraceContext* ctx = capture::activeTrace();
  if (!ctx) return;
  std::lock_guard<std::recursive_mutex> lock(ctx->mu);
  if (ctx->phase != ir::Phase::Forward) return;
  ctx->scope_stack.assign(1, std::move(scope));
  ctx->source = std::move(source);
  ctx->markScope();
}

/// A Python number as Python's argument parser passes it to a Tensor parameter: a 0-dim wrapped-number tensor.
at::Tensor wrapNumber(const c10::Scalar& s) {
  at::Tensor t = at::scalar_to_tensor(s);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

TORCH_LIBRARY(aotviz, m) {
  // CONSERVATIVE: the op has side effects, so TorchScript never removes or reorders it.
  m.def(torch::schema("aotviz::set_provenance(str scope, str source) -> ()", c10::AliasAnalysisKind::CONSERVATIVE),
        TORCH_FN(setProvenance));
  m.def("aotviz::wrap_number(Scalar s) -> Tensor", TORCH_FN(wrapNumber));
}

// ------------------------------------------------------------------------------------------ Python's overloads

/// Note [Scalar overloads as Python calls them]: TorchScript binds `x * 0.9` to `aten::mul.Scalar`, but the
/// Python binding never calls the C++-only `.Scalar` overloads of add, sub, mul and div (native_functions.yaml:
/// "For C++ only, until we have conversion from C++ numbers to Tensor"): eager PyTorch, and so AOTAutograd, call
/// `.Tensor` with the number as a wrapped 0-dim tensor. The scripted module is the user's Python module, so its
/// graph is rewritten to the calls Python makes: the number goes through aotviz::wrap_number and the interpreter
/// then binds the `.Tensor` overload (as for mul_.Scalar → mul_.Tensor). Type promotion is unchanged: wrapped
/// numbers promote as Python scalars do.
void useTensorOverloads(jit::Graph& g, jit::Block* b) {
  static const c10::Symbol wrap = c10::Symbol::fromQualString("aotviz::wrap_number");
  static const std::set<std::string> ops = {"aten::add", "aten::add_", "aten::sub", "aten::sub_",
                                            "aten::mul", "aten::mul_", "aten::div", "aten::div_"};
  for (jit::Node* n : b->nodes()) {
    for (jit::Block* sub : n->blocks()) useTensorOverloads(g, sub);
    if (n->inputs().size() < 2 || !ops.count(n->kind().toQualString())) continue;
    if (!n->input(0)->type()->isSubtypeOf(*c10::TensorType::get())) continue;  // int/float arithmetic stays
    const c10::TypePtr& other = n->input(1)->type();
    if (other->kind() != c10::TypeKind::FloatType && other->kind() != c10::TypeKind::IntType &&
        other->kind() != c10::TypeKind::NumberType && other->kind() != c10::TypeKind::BoolType)
      continue;
    jit::WithInsertPoint guard(n);
    jit::Node* w = g.insertNode(g.create(wrap, {n->input(1)}, 1));
    w->output()->setType(c10::TensorType::get());
    n->replaceInput(1, w->output());
  }
}

// ------------------------------------------------------------------------------------------ inlining with scopes

/// The attribute path from the graph's `self` to the module value `v` ("encoder.layers.0"), or nullopt when `v`
/// is not reached through prim::GetAttr from `self`.
std::optional<std::string> attributePath(jit::Value* v, const jit::Value* self) {
  std::vector<std::string> parts;
  while (v != self) {
    jit::Node* n = v->node();
    if (n->kind() != jit::prim::GetAttr) return std::nullopt;
    parts.push_back(n->s(jit::attr::name));
    v = n->input(0);
  }
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) path += (path.empty() ? "" : ".") + *it;
  return path;
}

class ScopedInliner {
 public:
  explicit ScopedInliner(std::shared_ptr<jit::Graph> g) : g_(std::move(g)) {}

  /// Inlines every prim::CallMethod and prim::CallFunction; nodes of a method get the attribute path of the
  /// module it was called on, nodes of a function the scope of their call.
  void run() {
    std::vector<jit::Node*> work;
    collectCalls(g_->block(), work);
    while (!work.empty()) {
      jit::Node* call = work.back();
      work.pop_back();
      inlineCall(call, work);
    }
  }

  const std::string& scopeOf(jit::Node* n) const {
    static const std::string root;
    auto it = scope_.find(n);
    return it == scope_.end() ? root : it->second;
  }

 private:
  static bool isCall(jit::Node* n) { return n->kind() == jit::prim::CallMethod || n->kind() == jit::prim::CallFunction; }

  static void collectCalls(jit::Block* b, std::vector<jit::Node*>& out) {
    for (jit::Node* n : b->nodes()) {
      if (isCall(n)) out.push_back(n);
      for (jit::Block* sub : n->blocks()) collectCalls(sub, out);
    }
  }

  void assign(jit::Node* n, const std::string& scope, std::vector<jit::Node*>& work) {
    scope_[n] = scope;
    if (isCall(n)) work.push_back(n);
    for (jit::Block* sub : n->blocks())
      for (jit::Node* inner : sub->nodes()) assign(inner, scope, work);
  }

  void inlineCall(jit::Node* call, std::vector<jit::Node*>& work) {
    jit::Function* fn = nullptr;
    std::vector<jit::Value*> inputs(call->inputs().begin(), call->inputs().end());
    std::string scope = scopeOf(call);
    if (call->kind() == jit::prim::CallMethod) {
      auto cls = call->input(0)->type()->cast<c10::ClassType>();
      if (!cls) return;
      fn = &cls->getMethod(call->s(jit::attr::name));
      if (auto path = attributePath(call->input(0), g_->inputs()[0])) scope = *path;
    } else {
      auto ft = call->input(0)->type()->cast<c10::FunctionType>();
      if (!ft) return;
      fn = ft->function();
      inputs.erase(inputs.begin());
    }
    jit::GraphFunction* gf = jit::tryToGraphFunction(*fn);
    if (!gf) return;  // a builtin: the interpreter runs it as is
    jit::WithInsertPoint guard(call);
    jit::Node* before = call->prev();
    std::vector<jit::Value*> outs = jit::insertGraph(*g_, *gf->graph(), inputs);
    for (jit::Node* n = before->next(); n != call; n = n->next()) assign(n, scope, work);
    for (size_t i = 0; i < outs.size() && i < call->outputs().size(); ++i) call->output(i)->replaceAllUsesWith(outs[i]);
    call->destroy();
  }

  std::shared_ptr<jit::Graph> g_;
  std::unordered_map<jit::Node*, std::string> scope_;
};

/// "file.py:LINE" of the Python source that generated `n` when the module kept its debug info (torch.jit.save
/// does by default), else of the serialized TorchScript code.
std::string sourceOf(jit::Node* n) {
  jit::SourceRange r = n->sourceRange();
  if (!r.source()) return {};
  if (auto original = r.findSourceRangeThatGenerated()) r = *original;
  auto flc = r.file_line_col();
  if (!flc) return {};
  std::string file = std::filesystem::path(std::get<0>(*flc)).filename().string();
  if (file.empty() || file.front() == '<') return {};  // TorchScript's builtins (<string>)
  return file + ":" + std::to_string(std::get<1>(*flc));
}

/// Inserts aotviz::set_provenance before each op whose scope or source line differs from the previous op's.
void insertMarkers(jit::Graph& g, jit::Block* b, const ScopedInliner& scopes) {
  static const c10::Symbol marker = c10::Symbol::fromQualString("aotviz::set_provenance");
  std::optional<std::pair<std::string, std::string>> last;
  for (auto it = b->nodes().begin(); it != b->nodes().end(); ++it) {
    jit::Node* n = *it;
    if (!n->blocks().empty()) {
      for (jit::Block* sub : n->blocks()) insertMarkers(g, sub, scopes);
      last.reset();  // a block may or may not have run
      continue;
    }
    if (n->kind().is_prim() || n->kind() == marker) continue;  // never reaches the tracer
    std::pair<std::string, std::string> here{scopes.scopeOf(n), sourceOf(n)};
    if (last && *last == here) continue;
    jit::WithInsertPoint guard(n);
    jit::Value* scope = g.insertConstant(here.first);
    jit::Value* source = g.insertConstant(here.second);
    g.insertNode(g.create(marker, {scope, source}, 0));
    last = std::move(here);
  }
}

// ------------------------------------------------------------------------------------------ running

/// Swaps named parameters/buffers of a module for other tensors and back.
class SlotSwap {
 public:
  SlotSwap(jit::Module& root, const std::vector<std::string>& names, const std::vector<at::Tensor>& values) {
    for (size_t i = 0; i < names.size(); ++i) {
      auto [owner, leaf] = resolve(root, names[i]);
      saved_.push_back({owner, leaf, owner.attr(leaf)});
      owner._ivalue()->setAttr(leaf, values[i]);
    }
  }
  ~SlotSwap() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) it->owner._ivalue()->setAttr(it->leaf, it->value);
  }
  SlotSwap(const SlotSwap&) = delete;
  SlotSwap& operator=(const SlotSwap&) = delete;

 private:
  static std::pair<jit::Module, std::string> resolve(jit::Module m, const std::string& dotted) {
    size_t start = 0, dot;
    while ((dot = dotted.find('.', start)) != std::string::npos) {
      m = m.attr(dotted.substr(start, dot - start)).toModule();
      start = dot + 1;
    }
    return {m, dotted.substr(start)};
  }
  struct Saved {
    jit::Module owner;
    std::string leaf;
    c10::IValue value;
  };
  std::vector<Saved> saved_;
};

/// Note [Parameters in containers]: a module can reach its parameters and buffers through attributes that are
/// not themselves parameters: nn.LSTM / nn.GRU / nn.RNN pass `self._flat_weights` (a list of their weights) to
/// aten::lstm, and a user module may keep `[self.a.weight, self.b.weight]`, a tuple or a dict of them. Such an
/// attribute holds the very tensors the module registered (the same TensorImpl; torch.jit.save memoizes them), so
/// a run swaps it too: for the run, the attribute is a copy of the container (nested lists, tuples and dicts
/// included) in which each registered tensor is replaced by that parameter's or buffer's traced input, and the
/// original container is put back afterwards, so no container of the module is changed. Tensors in containers that
/// are not registered stay what they are (constants of the module). nn.ParameterList and nn.ParameterDict are
/// submodules whose entries are parameters ("pl.0", "pd.a"), so the plain swap covers them.

/// Which tensors are registered parameters/buffers: TensorImpl -> index into ScriptModel::slots.
using SlotIndex = std::unordered_map<const c10::TensorImpl*, size_t>;

/// Whether `v` holds a tensor of `index`, at any depth of lists, tuples and dicts (values, not keys).
bool holdsSlotTensor(const c10::IValue& v, const SlotIndex& index) {
  if (v.isTensor()) return v.toTensor().defined() && index.count(v.toTensor().unsafeGetTensorImpl()) > 0;
  if (v.isList()) {
    for (const c10::IValue& e : v.toListRef())
      if (holdsSlotTensor(e, index)) return true;
  } else if (v.isTuple()) {
    for (const c10::IValue& e : v.toTupleRef().elements())
      if (holdsSlotTensor(e, index)) return true;
  } else if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict())
      if (holdsSlotTensor(e.value(), index)) return true;
  }
  return false;
}

/// A copy of `v` with each tensor of `index` replaced by `values[its index]`; parts holding none are kept as they
/// are (the same objects).
c10::IValue substituteSlots(const c10::IValue& v, const SlotIndex& index, const std::vector<at::Tensor>& values) {
  if (!holdsSlotTensor(v, index)) return v;
  if (v.isTensor()) return values.at(index.at(v.toTensor().unsafeGetTensorImpl()));
  if (v.isList()) {
    c10::impl::GenericList out(v.toList().elementType());
    for (const c10::IValue& e : v.toListRef()) out.push_back(substituteSlots(e, index, values));
    return out;
  }
  if (v.isTuple()) {
    std::vector<c10::IValue> elems;
    for (const c10::IValue& e : v.toTupleRef().elements()) elems.push_back(substituteSlots(e, index, values));
    auto type = v.toTupleRef().type<c10::TupleType>();
    if (type->schema()) return c10::ivalue::Tuple::createNamed(std::move(elems), c10::TypePtr(type));  // NamedTuple
    return c10::ivalue::Tuple::create(std::move(elems));
  }
  c10::impl::GenericDict in = v.toGenericDict();  // the only other kind holdsSlotTensor looks into
  c10::impl::GenericDict out(in.keyType(), in.valueType());
  for (const auto& e : in) out.insert(e.key(), substituteSlots(e.value(), index, values));
  return out;
}

/// A module attribute (not a parameter, buffer or submodule) holding registered tensors; see Note [Parameters in
/// containers].
struct ContainerSlot {
  jit::Module owner;
  std::string attr;
  c10::IValue original;
};

/// Every ContainerSlot of `root` and its submodules.
std::vector<ContainerSlot> findContainerSlots(const jit::Module& root, const SlotIndex& index) {
  std::vector<ContainerSlot> found;
  for (const jit::Module& m : root.modules()) {
    const c10::ClassTypePtr type = m.type();
    for (size_t i = 0; i < type->numAttributes(); ++i) {
      if (type->is_parameter(i) || type->is_buffer(i)) continue;
      c10::IValue v = m._ivalue()->getSlot(i);
      if (v.isObject()) continue;  // a submodule (visited by modules()) or a scripted class instance
      if (holdsSlotTensor(v, index)) found.push_back({m, type->getAttributeName(i), v});
    }
  }
  return found;
}

/// Puts the substituted copies of `slots` in place, and the originals back on destruction.
class ContainerSwap {
 public:
  ContainerSwap(std::vector<ContainerSlot>& slots, const SlotIndex& index, const std::vector<at::Tensor>& values)
      : slots_(slots) {
    for (ContainerSlot& s : slots_) s.owner._ivalue()->setAttr(s.attr, substituteSlots(s.original, index, values));
  }
  ~ContainerSwap() {
    for (ContainerSlot& s : slots_) s.owner._ivalue()->setAttr(s.attr, s.original);
  }
  ContainerSwap(const ContainerSwap&) = delete;
  ContainerSwap& operator=(const ContainerSwap&) = delete;

 private:
  std::vector<ContainerSlot>& slots_;
};

void flattenOutput(const c10::IValue& v, const std::string& where, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isNone()) {
    out.emplace_back();
  } else if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    for (size_t i = 0; i < elems.size(); ++i) flattenOutput(elems[i], where + "[" + std::to_string(i) + "]", out);
  } else if (v.isList()) {
    auto list = v.toListRef();
    for (size_t i = 0; i < list.size(); ++i) flattenOutput(list[i], where + "[" + std::to_string(i) + "]", out);
  } else {
    fail("capture", "", "the module's output " + where + " is a " + v.tagKind() + ", not a tensor",
         "return tensors, or tuples/lists of tensors, from forward()");
  }
}

/// Splits the interpreter's error text ("The following operation failed in the TorchScript interpreter.",
/// tracebacks of the serialized and the original code, then "ValueError: …") into the error itself, the deepest
/// frames of the original code, outermost first ("at model.py:12 -> linear.py:114") and the original code's
/// traceback, so the user reads their own message first.
struct ScriptError {
  std::string error, location, traceback;
};

ScriptError splitScriptError(const std::string& what) {
  ScriptError r{what, "", ""};
  const size_t original = what.find("Traceback of TorchScript, original code");
  const size_t section = original != std::string::npos ? original : what.find("Traceback of TorchScript");
  if (section == std::string::npos) return r;
  // Frames are indented; the error starts at the first unindented line after the section's header line.
  size_t pos = what.find('\n', section);
  while (pos != std::string::npos && pos + 1 < what.size() && what[pos + 1] == ' ') {
    const size_t line_end = what.find('\n', pos + 1);
    const std::string line = what.substr(pos + 1, line_end == std::string::npos ? std::string::npos : line_end - pos - 1);
    const size_t file = line.find("File \"");
    const size_t comma = line.find("\", line ");
    if (file != std::string::npos && comma != std::string::npos && comma > file + 6) {
      std::string path = line.substr(file + 6, comma - file - 6);
      size_t n = comma + 8;
      std::string lineno;
      while (n < line.size() && std::isdigit(static_cast<unsigned char>(line[n]))) lineno += line[n++];
      r.location += (r.location.empty() ? "at " : " -> ") + std::filesystem::path(path).filename().string() + ":" + lineno;
    }
    pos = line_end;
  }
  if (pos == std::string::npos || pos + 1 >= what.size()) return r;
  r.error = what.substr(pos + 1);
  while (!r.error.empty() && (r.error.back() == '\n' || r.error.back() == ' ')) r.error.pop_back();
  r.traceback = what.substr(section, pos - section);
  return r;
}

struct ScriptModel {
  jit::Module module;
  std::vector<std::string> slots;  // parameters then buffers, as the Model's first inputs
  SlotIndex slot_index;            // their tensors
  /// Note [Tied parameters]: a registered tensor reached under a second name (an LM head tied to its embedding:
  /// `head.weight = emb.weight`) is one input, under its first name, as named_parameters() (remove_duplicate)
  /// and Dynamo count it; the other names are swapped to that same input, so the gradient is the sum of both
  /// uses, as in eager. Two inputs would split it between two copies.
  std::vector<std::pair<std::string, size_t>> tied;  // (attribute path, slot index)
  std::vector<ContainerSlot> containers;
  std::unique_ptr<jit::Code> code;
  std::mutex mu;  // a run swaps the module's slots

  std::vector<at::Tensor> run(const std::vector<at::Tensor>& flat) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<at::Tensor> slot_values(flat.begin(), flat.begin() + static_cast<std::ptrdiff_t>(slots.size()));
    std::vector<std::string> names = slots;
    std::vector<at::Tensor> values = slot_values;
    for (const auto& [name, slot] : tied) {
      names.push_back(name);
      values.push_back(slot_values.at(slot));
    }
    SlotSwap swap(module, names, values);
    ContainerSwap container_swap(containers, slot_index, slot_values);
    jit::Stack stack;
    stack.emplace_back(module._ivalue());
    for (size_t i = slots.size(); i < flat.size(); ++i) stack.emplace_back(flat[i]);
    try {
      jit::InterpreterState(*code).run(stack);
    } catch (const AotError&) {
      throw;
    } catch (const std::exception& e) {
      // The interpreter re-throws everything as std::runtime_error with a TorchScript traceback; give the
      // tracer's own diagnostic back its type and keep the traceback as a note.
      capture::TraceContext* ctx = capture::activeTrace();
      if (ctx && ctx->last_error) {
        Diagnostic d = *ctx->last_error;
        if (!ctx->source.empty()) d.notes.push_back("at " + ctx->source);
        const std::string traceback = splitScriptError(e.what()).traceback;
        if (!traceback.empty()) d.notes.push_back(traceback);
        throw AotError(d);
      }
      // The model's own error (a raise, a shape or dtype mismatch, out of memory): the stage running the model
      // (left empty here) is filled in by whoever catches it.
      ScriptError se = splitScriptError(e.what());
      Diagnostic d;
      d.message = "the model's forward raised " + se.error;
      d.hint = capture::forwardErrorHint(se.error);
      if (!se.location.empty()) d.notes.push_back(se.location);
      if (!se.traceback.empty()) d.notes.push_back(se.traceback);
      throw AotError(d);
    }
    std::vector<at::Tensor> outs;
    flattenOutput(stack.back(), "", outs);
    return outs;
  }
};

}  // namespace

bool looksLikeTorchScript(const std::string& name_or_path) {
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return name_or_path.size() >= e.size() && name_or_path.compare(name_or_path.size() - e.size(), e.size(), e) == 0;
  };
  return ends(".pt") || ends(".pth") || ends(".zip") || name_or_path.find('/') != std::string::npos;
}

namespace {

/// Checks forward()'s arguments against the spec and compiles the marked, inlined forward into `sm.code`.
void prepareForward(ScriptModel& sm, const std::string& pt_path, const InputSpec& spec) {
  auto forward = sm.module.find_method("forward");
  if (!forward) fail(kStage, pt_path, "the module has no forward() method", "script a module that defines forward");
  jit::GraphFunction* gf = jit::tryToGraphFunction(forward->function());
  if (!gf) fail(kStage, pt_path, "forward() is not a TorchScript graph", "script the module with torch.jit.script");
  std::shared_ptr<jit::Graph> graph = gf->graph()->copy();
  size_t expected = graph->inputs().size() - 1;
  if (spec.inputs.size() != expected) {
    std::string names;
    for (size_t i = 1; i < graph->inputs().size(); ++i)
      names += (names.empty() ? "" : ", ") + graph->inputs()[i]->debugNameBase();
    fail(kStage, pt_path,
         "forward() takes " + std::to_string(expected) + " inputs (" + names + ") but the input spec gives " +
             std::to_string(spec.inputs.size()),
         "list one entry per forward() argument in the input spec, in order");
  }
  ScopedInliner inliner(graph);
  inliner.run();
  insertMarkers(*graph, graph->block(), inliner);
  useTensorOverloads(*graph, graph->block());
  sm.code = std::make_unique<jit::Code>(graph, "forward");
}

}  // namespace

Model loadTorchScript(const std::string& pt_path, const InputSpec& spec, uint64_t seed) {
  if (!std::filesystem::exists(pt_path))
    fail(kStage, pt_path, "no such file", "pass a built-in model name (aotviz models) or a TorchScript .pt file");
  verifyArchive(pt_path);  // LibTorch does not check the archive's CRC-32s
  auto sm = std::make_shared<ScriptModel>();
  asLoadError(pt_path, "save it with torch.jit.save(torch.jit.script(model), path) (or torch.jit.trace) from PyTorch 2.11",
              [&] { sm->module = jit::load(pt_path, c10::Device(c10::kCPU)); });
  // LibTorch reads parts of the archive (debug info, source ranges) lazily, so a damaged archive can also fail
  // while forward() is prepared: the same error as a failed load.
  asLoadError(pt_path, "the archive is damaged; save it again with torch.jit.save from PyTorch 2.11",
              [&] { prepareForward(*sm, pt_path, spec); });


  Model m;
  m.name = std::filesystem::path(pt_path).stem().string();
  m.description = spec.description.empty() ? "TorchScript module " + pt_path : spec.description;
  // A tensor seen before under another name is tied to that slot (Note [Tied parameters]).
  auto seenBefore = [&](const std::string& name, const at::Tensor& t) {
    if (!t.defined()) return false;
    auto it = sm->slot_index.find(t.unsafeGetTensorImpl());
    if (it == sm->slot_index.end()) return false;
    sm->tied.emplace_back(name, it->second);
    return true;
  };
  for (const auto& p : sm->module.named_parameters(/*recurse=*/true)) {
    if (seenBefore(p.name, p.value)) continue;
    if (p.value.defined()) sm->slot_index.emplace(p.value.unsafeGetTensorImpl(), sm->slots.size());
    sm->slots.push_back(p.name);
    m.inputs.push_back({p.name, capture::InputKind::Param, p.value.detach(), p.value.requires_grad()});
  }
  for (const auto& b : sm->module.named_buffers(/*recurse=*/true)) {
    if (seenBefore(b.name, b.value)) continue;
    if (b.value.defined()) sm->slot_index.emplace(b.value.unsafeGetTensorImpl(), sm->slots.size());
    sm->slots.push_back(b.name);
    m.inputs.push_back({b.name, capture::InputKind::Buffer, b.value.detach(), false});
  }
  sm->containers = findContainerSlots(sm->module, sm->slot_index);
  std::vector<capture::InputDesc> user = makeInputs(spec, seed ? seed : spec.seed);
  m.inputs.insert(m.inputs.end(), user.begin(), user.end());
  m.fn = [sm](const std::vector<at::Tensor>& flat) { return sm->run(flat); };
  m.grad_enabled = spec.grad_enabled;
  return m;
}

Model openModel(const std::string& name_or_path, const std::string& inputs_spec, uint64_t seed,
                const ModelOptions& options) {
  // Note [Trace device before the first backward]: LibTorch's autograd engine counts each device type's devices
  // once, at the process's first backward, and keeps a ready queue per device; a backward traced on the trace
  // device after an ordinary eager backward (the user's own, or a test's) then finds no queue for it (engine.cpp:
  // "device.index() < device_ready_queues_.size()"). Opening a model installs the trace device first.
  capture::installTraceBackend();
  const bool file = looksLikeExportedProgram(name_or_path) || (looksLikeTorchScript(name_or_path) && !hasModel(name_or_path));
  if (file && !options.empty())
    fail(kStage, name_or_path, "size options (--layers, --width, ...) are for built-in models; a file has its own sizes",
         "drop them, or export the model at the size you want");
  if (looksLikeExportedProgram(name_or_path)) {
    if (inputs_spec.empty()) return loadExportedProgram(name_or_path, nullptr, seed);
    const InputSpec spec = loadInputSpec(inputs_spec);
    return loadExportedProgram(name_or_path, &spec, seed);
  }
  if (!looksLikeTorchScript(name_or_path) || hasModel(name_or_path)) {
    if (!inputs_spec.empty())
      fail(kStage, name_or_path, "--inputs is only for .pt and .pt2 files; built-in models bring their own inputs",
           "drop --inputs, or pass a .pt file");
    return buildModel(name_or_path, seed, options);
  }
  if (!std::filesystem::exists(name_or_path))
    fail(kStage, name_or_path, "no such file", "pass a built-in model name (aotviz models) or a TorchScript .pt file");
  std::string spec_path = inputs_spec;
  if (spec_path.empty()) {
    spec_path = std::filesystem::path(name_or_path).replace_extension(".json").string();
    if (!std::filesystem::exists(spec_path))
      fail(kStage, name_or_path, "a TorchScript module needs an input spec and there is no " + spec_path,
           "pass --inputs SPEC.json (format: README, \"Input specs\")");
  }
  return loadTorchScript(name_or_path, loadInputSpec(spec_path), seed);
}

}  // namespace aotviz::models
