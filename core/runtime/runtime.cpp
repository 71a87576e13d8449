// core/runtime/runtime.cpp — see runtime.h. Section numbers refer to ../shared/reference/aot_autograd_spec.md.
#include "core/runtime/runtime.h"

#include <ATen/ops/_unsafe_view.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/basic_ops.h>
#include <torch/csrc/autograd/functions/utils.h>
#include <torch/csrc/autograd/graph_task.h>
#include <torch/csrc/autograd/saved_variable.h>
#include <torch/csrc/autograd/variable.h>

#include <mutex>
#include <set>
#include <sstream>

#include "core/util/diagnostic.h"

namespace aotviz::runtime {

namespace ag = torch::autograd;
using meta::MutationType;
using meta::OutputType;

namespace {
constexpr const char* kStage = "runtime";

std::string shapeString(c10::IntArrayRef s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

bool isAliasedOutput(OutputType t) {
  return t == OutputType::AliasOfInput || t == OutputType::IsInput || t == OutputType::AliasOfIntermediate ||
         t == OutputType::AliasOfIntermediateSaveAsOutput || t == OutputType::AliasOfIntermediateBaseIsUserOutput;
}
}  // namespace

struct RuntimeState {
  meta::ViewAndMutationMeta meta;  // of the traced function: its inputs are the graph's primals
  meta::DedupeStrategy dedupe = meta::DedupeStrategy::None;
  std::vector<size_t> kept_args;     // RemoveDupes: the user inputs the graph takes, in order
  std::vector<size_t> duplicate_of;  // RemoveDupes: per user input, the kept user input it must be
  meta::SyntheticBaseResult synth;  // fn and meta unused at run time
  std::vector<capture::InputDesc> graph_inputs;
  size_t num_user_args = 0;
  bool training = false;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  std::shared_ptr<const exec::CompiledGraph> fw, bw;  // fw: the inference graph when not training
  size_t num_fwd_returns = 0;
  std::vector<size_t> mutated;  // mutated_inp_runtime_indices
  std::vector<bool> tangent_mask;
  std::vector<ir::TensorMeta> tangent_meta;  // the backward's tangent placeholders
  std::vector<bool> detach_input;            // indices_of_inps_to_detach (§5.1 step 3)
  RuntimeOptions opts;

  mutable std::mutex mu;
  mutable std::vector<exec::Profile> profiles;

  std::vector<at::Tensor> runGraph(const exec::CompiledGraph& g, std::vector<at::Tensor> in) const {
    at::NoGradGuard no_grad;
    if (!opts.profile) return g.run(std::move(in));
    exec::Profile p;
    std::vector<at::Tensor> out = g.run(std::move(in), &p);
    std::lock_guard<std::mutex> lock(mu);
    profiles.push_back(std::move(p));
    return out;
  }

  /// Whether forward return `r` ([mutated inputs, user outputs, intermediate bases]) is returned by the autograd
  /// function with a grad_fn, and what requires_grad it had at trace time.
  bool outOfBand(size_t r) const {
    if (r < mutated.size()) {
      const auto& i = meta.input_info[mutated[r]];
      return i.mutates_metadata && !i.mutates_data;  // TensorAlias in PyTorch
    }
    r -= mutated.size();
    return r < meta.output_info.size() && isAliasedOutput(meta.output_info[r].output_type);
  }
  bool recordedRequiresGrad(size_t r) const {
    if (r < mutated.size()) return meta.input_info[mutated[r]].requires_grad;
    r -= mutated.size();
    return r < meta.output_info.size() ? meta.output_info[r].requires_grad : true;
  }
};

namespace {

/// CompiledFunctionBackward (§5.2 backward): selects the tangents, runs the compiled backward on the saved values
/// and them, returns one gradient per graph input.
struct CompiledBackward : ag::Node {
  CompiledBackward(std::shared_ptr<const RuntimeState> st, ag::edge_list&& edges)
      : ag::Node(std::move(edges)), st(std::move(st)) {}

  std::string name() const override { return "CompiledFunctionBackward"; }
  void release_variables() override {
    saved.clear();
    released = true;
  }

  ag::variable_list apply(ag::variable_list&& grads) override {
    if (released)
      fail(kStage, "CompiledFunctionBackward",
           "Trying to backward through the graph a second time (or directly access saved tensors after they have "
           "already been freed).",
           "Specify retain_graph=True if you need to backward through the graph a second time");
    std::vector<at::Tensor> args;
    args.reserve(saved.size() + st->tangent_meta.size());
    for (const ag::SavedVariable& s : saved) args.push_back(s.unpack());
    // Note [Saved tensors die during the backward]: unless the graph is kept (retain_graph), the node lets go of
    // its saved tensors before the compiled backward runs and hands them over with the boxed calling convention,
    // so each is freed after its last use there, as eager autograd frees each node's saved tensors after that
    // node. This is what PyTorch's CompiledFunction does since 2.0 (ctx.maybe_clear_saved_tensors() and
    // steal_args); 1.13 held every saved tensor until the backward finished.
    if (!ag::get_current_graph_task_keep_graph()) release_variables();
    size_t t = 0;
    for (size_t r = 0; r < st->num_fwd_returns; ++r) {
      if (!st->tangent_mask[r]) continue;
      const ir::TensorMeta& m = st->tangent_meta.at(t++);
      at::Tensor g = input_of_return[r] >= 0 ? grads[static_cast<size_t>(input_of_return[r])] : at::Tensor();
      if (!g.defined()) {
        g = at::zeros(m.sizes, at::TensorOptions().dtype(m.dtype).device(st->device));
      } else if (g.strides().vec() != m.strides) {  // coerce to the traced layout (§5.2 process_runtime_tangent)
        at::Tensor c = at::empty_strided(m.sizes, m.strides, g.options());
        c.copy_(g);
        g = c;
      }
      args.push_back(g);
    }
    std::vector<at::Tensor> out = st->runGraph(*st->bw, std::move(args));
    if (c10::GradMode::is_enabled()) {
      // create_graph=True: the gradients exist, but differentiating them again is refused as PyTorch does.
      auto err = std::shared_ptr<ag::Error>(
          new ag::Error("torch.compile with aot_autograd does not currently support double backward",
                        ag::edge_list(next_edges())),
          ag::deleteNode);
      for (at::Tensor& o : out)
        if (o.defined() && ag::isDifferentiableType(o.scalar_type())) ag::set_history(o, err);
    }
    return out;
  }

  std::shared_ptr<const RuntimeState> st;
  std::vector<ag::SavedVariable> saved;
  std::vector<int> input_of_return;  // per forward return: the node input its gradient arrives at, or -1
  bool released = false;
};

/// gen_alias_from_base (§5.3, the as_strided path): `target`'s view of `base`'s storage, as an autograd view.
at::Tensor genAlias(const at::Tensor& base, const at::Tensor& target, bool requires_grad) {
  at::Tensor b = base.scalar_type() == target.scalar_type() ? base : base.view(target.scalar_type());
  at::Tensor r = b.as_strided(target.sizes(), target.strides(), target.storage_offset());
  if (r.requires_grad() && !requires_grad) return r.detach();
  if (!r.requires_grad() && requires_grad && r.is_leaf()) r.requires_grad_(true);
  return r;
}

/// RuntimeWrapper's input-mutation write-back (§5.1 step 4c).
void applyMutation(const at::Tensor& orig, const at::Tensor& upd, const meta::InputAliasInfo& info) {
  if (info.mutates_storage_metadata) {
    at::NoGradGuard no_grad;
    at::Tensor(orig).set_(upd);
    return;
  }
  if (info.mutates_metadata) at::Tensor(orig).as_strided_(upd.sizes(), upd.strides(), upd.storage_offset());
  if (!info.mutates_data) return;
  if (info.is_leaf && orig.requires_grad())
    orig.detach().copy_(upd);
  else
    at::Tensor(orig).copy_(upd);
}

}  // namespace

CompiledFunction::CompiledFunction(const capture::CaptureResult& cap, const partition::PartitionResult* part,
                                   const exec::CompileOptions& copts, const RuntimeOptions& ropts)
    : state_(std::make_shared<RuntimeState>()) {
  RuntimeState& s = *state_;
  s.meta = cap.meta;
  s.dedupe = cap.dedupe.strategy;
  for (size_t i = 0; i < cap.dedupe.keep_arg_mask.size(); ++i)
    if (cap.dedupe.keep_arg_mask[i]) s.kept_args.push_back(i);
  for (size_t k : cap.dedupe.add_dupe_map) s.duplicate_of.push_back(s.kept_args.at(k));
  s.synth.applied = cap.synthetic_base.applied;
  s.synth.info = cap.synthetic_base.info;
  s.synth.base_is_view_base = cap.synthetic_base.base_is_view_base;
  s.synth.aliased_arg_idx_with_metadata_mutations = cap.synthetic_base.aliased_arg_idx_with_metadata_mutations;
  s.graph_inputs = cap.graph_inputs;
  s.num_user_args = s.dedupe == meta::DedupeStrategy::RemoveDupes ? s.duplicate_of.size()
                    : s.synth.applied                               ? s.synth.info.size()
                                                                     : s.graph_inputs.size();
  s.training = cap.is_joint;
  s.device = copts.device;
  s.opts = ropts;
  s.mutated = s.meta.mutatedInpRuntimeIndices();
  s.num_fwd_returns = cap.numForwardOutputs();
  if (!s.training) {
    s.fw = exec::compileGraph(cap.graph, "inference", copts);
    return;
  }
  if (!part) internalError("runtime: a joint graph needs its partition");
  s.fw = exec::compileGraph(part->forward, "forward", copts);
  s.bw = exec::compileGraph(part->backward, "backward", copts);
  s.tangent_mask = s.meta.tangentMask();
  std::vector<ir::NodeId> bw_in = part->backward.placeholders();
  for (size_t k = part->saved.size(); k < bw_in.size(); ++k)
    s.tangent_meta.push_back(part->backward.value(part->backward.node(bw_in[k]).outputs.at(0)).meta);
  const ir::Node* bw_out = part->backward.outputNode();
  s.detach_input.assign(s.graph_inputs.size(), false);
  for (size_t i = 0; i < s.graph_inputs.size() && bw_out && i < bw_out->args.size(); ++i) {
    const auto& info = s.meta.input_info[i];
    bool grad_is_none = bw_out->args[i].kind != ir::Arg::Kind::Value;
    s.detach_input[i] = grad_is_none && info.requires_grad && !info.is_leaf &&
                        !(info.mutation_type == MutationType::MutatedInGraph && info.mutates_storage_metadata);
  }
}

bool CompiledFunction::isTraining() const { return state_->training; }

std::vector<exec::Profile> CompiledFunction::takeProfiles() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return std::exchange(state_->profiles, {});
}

std::vector<at::Tensor> CompiledFunction::operator()(const std::vector<at::Tensor>& user_args) const {
  const RuntimeState& s = *state_;
  if (user_args.size() != s.num_user_args)
    fail(kStage, "", "the compiled function takes " + std::to_string(s.num_user_args) + " inputs, got " +
                         std::to_string(user_args.size()),
         "call it with the inputs it was compiled for");

  // AOTDedupeWrapper (§5.5): drop the duplicates the graph was traced without.
  std::vector<at::Tensor> args = user_args;
  if (s.dedupe == meta::DedupeStrategy::RemoveDupes) {
    for (size_t i = 0; i < args.size(); ++i) {
      const size_t j = s.duplicate_of[i];
      if (args[i].unsafeGetTensorImpl() != args[j].unsafeGetTensorImpl())
        fail(kStage, "input " + std::to_string(i),
             "At compilation time, graph 0 was compiled under the assumption that input " + std::to_string(i) +
                 " would be a duplicate of input " + std::to_string(j) + ", but at runtime this was not the case.",
             "compile again with these inputs");
    }
    std::vector<at::Tensor> deduped;
    for (size_t i : s.kept_args) deduped.push_back(args[i]);
    args = std::move(deduped);
  }

  // AOTSyntheticBaseWrapper (§5.5): the bases, then the other inputs.
  std::vector<at::Tensor> inner = args;
  if (s.synth.applied) {
    inner.assign(s.graph_inputs.size(), at::Tensor());
    for (size_t b = 0; b < s.synth.base_is_view_base.size(); ++b) {
      at::Tensor base;
      const at::Tensor* first = nullptr;
      for (size_t i = 0; i < s.synth.info.size(); ++i) {
        if (s.synth.info[i].base != static_cast<int>(b)) continue;
        const at::Tensor& a = args[i];
        if (first && !a.is_alias_of(*first))
          fail(kStage, "input " + std::to_string(i),
               "input " + std::to_string(i) + " was compiled as an alias of another input, and no longer is one",
               "compile again with these inputs");
        if (!first) first = &a;
        if (!s.synth.base_is_view_base[b]) continue;
        if (a.is_view() && !base.defined()) base = a._base();
        if (!a.is_view()) base = a;  // the base is itself one of the inputs
      }
      if (!first) internalError("runtime: synthetic base " + std::to_string(b) + " has no member");
      if (!s.synth.base_is_view_base[b]) {
        at::NoGradGuard no_grad;
        base = at::empty({0}, first->options()).set_(first->storage());
      }
      inner[b] = base;
    }
    for (size_t i = 0; i < s.synth.info.size(); ++i)
      if (s.synth.info[i].base < 0) inner.at(static_cast<size_t>(s.synth.info[i].inner)) = args[i];
  }

  // Guards: aotviz has no Dynamo in front of it, so it checks what the graphs assume.
  for (size_t i = 0; i < inner.size(); ++i) {
    const capture::InputDesc& d = s.graph_inputs[i];
    const at::Tensor& a = inner[i];
    const std::string who = "input " + std::to_string(i) + " (" + d.name + ")";
    if (!a.defined()) fail(kStage, who, "is undefined", "pass a tensor");
    if (a.sizes() != d.example.sizes() || a.scalar_type() != d.example.scalar_type())
      fail(kStage, who,
           "has shape " + shapeString(a.sizes()) + " and dtype " + c10::toString(a.scalar_type()) +
               "; the graphs were compiled for " + shapeString(d.example.sizes()) + " and " +
               c10::toString(d.example.scalar_type()),
           "compile again for these inputs");
    if (a.device() != s.device)
      fail(kStage, who, "is on " + a.device().str() + "; the graphs were compiled for " + s.device.str(),
           "move the inputs to " + s.device.str() + " or compile for " + a.device().str());
    if (a.requires_grad() && !d.requires_grad && c10::GradMode::is_enabled())
      fail(kStage, who,
           "At compilation time, graph 0 was compiled under the assumption that input " + std::to_string(i) +
               " would not require grad, but at runtime this was not the case.",
           "compile again with requires_grad set as it is now");
  }

  // RuntimeWrapper (§5.1).
  const std::vector<at::Tensor> orig = inner;
  std::vector<at::Tensor> returns;
  if (!s.training) {
    returns = s.runGraph(*s.fw, inner);
  } else {
    c10::AutoGradMode enable_grad(true);
    std::vector<at::Tensor> fw_in = inner;
    for (size_t i = 0; i < fw_in.size(); ++i)
      if (s.detach_input[i]) fw_in[i] = fw_in[i].detach();
    std::vector<at::Tensor> outs = s.runGraph(*s.fw, fw_in);
    returns.assign(outs.begin(), outs.begin() + static_cast<std::ptrdiff_t>(s.num_fwd_returns));
    bool any_requires_grad = false;
    for (const at::Tensor& t : fw_in) any_requires_grad = any_requires_grad || t.requires_grad();
    if (any_requires_grad) {
      auto node = std::shared_ptr<CompiledBackward>(new CompiledBackward(state_, ag::collect_next_edges(fw_in)),
                                                    ag::deleteNode);
      std::set<const c10::TensorImpl*> inputs;
      for (const at::Tensor& t : fw_in) inputs.insert(t.unsafeGetTensorImpl());
      for (size_t k = s.num_fwd_returns; k < outs.size(); ++k) {
        const at::Tensor& v = outs[k];
        // Note [Detaching saved tensors in AOTAutograd]: a saved value that is not a graph input is saved detached
        // (the version counter is shared, so later in-place changes are still caught).
        bool is_input = v.defined() && inputs.count(v.unsafeGetTensorImpl());
        node->saved.emplace_back(is_input || !v.defined() ? v : v.detach(), false);
      }
      node->input_of_return.assign(s.num_fwd_returns, -1);
      std::set<const c10::TensorImpl*> seen;
      for (size_t r = 0; r < s.num_fwd_returns; ++r) {
        at::Tensor& v = returns[r];
        if (!v.defined() || s.outOfBand(r) || !s.recordedRequiresGrad(r) || !ag::isDifferentiableType(v.scalar_type()))
          continue;
        size_t user = r - s.mutated.size();
        if (r >= s.mutated.size() && user < s.meta.output_info.size() &&
            s.meta.output_info[user].output_type == OutputType::UnsafeViewAlias)
          v = at::_unsafe_view(v, v.sizes());
        if (!seen.insert(v.unsafeGetTensorImpl()).second || inputs.count(v.unsafeGetTensorImpl())) v = v.detach();
        node->input_of_return[r] = static_cast<int>(node->num_inputs());
        ag::set_history(v, node);
      }
    }
  }

  // Epilogue (§5.1 step 4): write mutated inputs back, regenerate aliased outputs, drop intermediate bases.
  const size_t num_user = s.meta.output_info.size();
  if (returns.size() != s.mutated.size() + num_user + static_cast<size_t>(s.meta.num_intermediate_bases))
    internalError("runtime: the forward returned " + std::to_string(returns.size()) + " values");
  for (size_t k = 0; k < s.mutated.size(); ++k)
    applyMutation(orig[s.mutated[k]], returns[k], s.meta.input_info[s.mutated[k]]);
  std::vector<at::Tensor> user(returns.begin() + static_cast<std::ptrdiff_t>(s.mutated.size()),
                               returns.begin() + static_cast<std::ptrdiff_t>(s.mutated.size() + num_user));
  auto base_of = [&](size_t k) { return s.mutated.size() + num_user + static_cast<size_t>(s.meta.output_info[k].base_idx); };
  std::vector<at::Tensor> result = user;
  for (size_t k = 0; k < num_user; ++k) {
    const meta::OutputAliasInfo& o = s.meta.output_info[k];
    const size_t b = static_cast<size_t>(std::max(o.base_idx, 0));
    switch (o.output_type) {
      case OutputType::IsInput: result[k] = orig.at(b); break;
      case OutputType::AliasOfInput: result[k] = genAlias(orig.at(b), user[k], o.requires_grad); break;
      case OutputType::AliasOfIntermediate:
      case OutputType::AliasOfIntermediateSaveAsOutput:
        result[k] = genAlias(returns.at(base_of(k)), user[k], o.requires_grad);
        break;
      case OutputType::AliasOfIntermediateBaseIsUserOutput:
        result[k] = genAlias(user.at(b), user[k], o.requires_grad);
        break;
      default: break;
    }
  }
  if (s.meta.grad_enabled_mutation >= 0) c10::GradMode::set_enabled(s.meta.grad_enabled_mutation == 1);

  // AOTSyntheticBaseWrapper epilogue: metadata mutations of aliased inputs, returned after the user outputs.
  const auto& extra = s.synth.aliased_arg_idx_with_metadata_mutations;
  if (s.synth.applied && !extra.empty()) {
    const size_t first = result.size() - extra.size();
    for (size_t k = 0; k < extra.size(); ++k) {
      const at::Tensor& upd = result[first + k];
      at::Tensor(args[extra[k]]).as_strided_(upd.sizes(), upd.strides(), upd.storage_offset());
    }
    result.resize(first);
  }
  return result;
}

}  // namespace aotviz::runtime
