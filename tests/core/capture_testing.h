// tests/core/capture_testing.h — helpers shared by the capture tests: eager reference vs replayed joint graph.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/compile/interpreter.h"
#include "tests/core/runtime_testing.h"

namespace aotviz::testing {

inline capture::InputDesc input(std::string name, at::Tensor example, bool requires_grad) {
  capture::InputDesc d;
  d.name = std::move(name);
  d.example = std::move(example);
  d.requires_grad = requires_grad;
  return d;
}

/// An input named "x". `leaf = false` makes a grad-requiring input a non-leaf computed from a leaf, so in-place ops
/// on it are legal (the test_mutation=True inputs of PyTorch's tests).
inline capture::InputDesc in(at::Tensor example, bool requires_grad = false, bool leaf = true) {
  capture::InputDesc d = input("x", std::move(example), requires_grad);
  d.is_leaf = leaf || !requires_grad;
  return d;
}

/// Ops of the graph's call nodes, in order, as "aten::mm" / "aten::add.Tensor".
inline std::vector<std::string> callOps(const ir::Graph& g) {
  std::vector<std::string> r;
  for (const auto& n : g.nodes)
    if (n.kind == ir::NodeKind::Call) r.push_back(n.qualifiedOp());
  return r;
}

/// The eager tensors for `inputs`: a fresh leaf per distinct example (requires_grad as described), a non-leaf
/// computed from it (clone) where the input is not a leaf; the same tensor again for duplicates. `leaves` gets the
/// tensors gradients are taken against (one per input).
inline std::vector<at::Tensor> eagerInputs(const std::vector<capture::InputDesc>& inputs, std::vector<at::Tensor>& leaves) {
  std::vector<at::Tensor> r;
  leaves.clear();
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t dup = i;
    for (size_t j = 0; j < i; ++j)
      if (inputs[j].example.unsafeGetTensorImpl() == inputs[i].example.unsafeGetTensorImpl()) dup = j;
    if (dup != i) {
      r.push_back(r[dup]);
      leaves.push_back(leaves[dup]);
      continue;
    }
    at::Tensor leaf = inputs[i].example.detach().clone();
    if (inputs[i].requires_grad) leaf.requires_grad_(true);
    leaves.push_back(leaf);
    r.push_back(inputs[i].requires_grad && !inputs[i].is_leaf ? leaf.clone() : leaf);
  }
  return r;
}

/// Runs `fn` eagerly with autograd and replays the captured graph with the interpreter on the same values and
/// tangents; expects outputs, mutated inputs (returned by the graph or written by its copy_ nodes), intermediate
/// bases and gradients to match, and output sizes and strides. For graphs whose inputs are the user's inputs (no
/// dedupe of mutated duplicates, no synthetic base).
inline void expectReplayMatchesEager(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                     capture::CaptureOptions opts, double tol = 1e-5) {
  capture::CaptureResult cap = capture::captureGraph(fn, inputs, opts);
  ASSERT_FALSE(cap.synthetic_base.applied);
  ASSERT_NE(cap.dedupe.strategy, meta::DedupeStrategy::RemoveDupes);

  // Eager reference.
  std::vector<at::Tensor> leaves;
  std::vector<at::Tensor> eager_in = eagerInputs(inputs, leaves);
  std::vector<at::Tensor> eager_out;
  {
    c10::AutoGradMode grad_mode(opts.grad_enabled);
    eager_out = fn(eager_in);
  }
  ASSERT_EQ(eager_out.size(), cap.num_user_outputs);
  std::vector<at::Tensor> fw_outs;
  for (size_t m : cap.mutated_inputs) fw_outs.push_back(eager_in[m]);
  fw_outs.insert(fw_outs.end(), eager_out.begin(), eager_out.end());
  if (cap.is_joint)
    for (size_t k = 0; k < eager_out.size(); ++k)
      if (cap.meta.output_info[k].output_type == meta::OutputType::AliasOfIntermediateSaveAsOutput)
        fw_outs.push_back(at::Tensor(eager_out[k]._base()));
  ASSERT_EQ(fw_outs.size(), cap.numForwardOutputs());

  // Tangents: deterministic, one per forward output in the tangent mask.
  at::manual_seed(7);
  std::vector<at::Tensor> tangents, diff_outs, diff_tangents;
  if (cap.is_joint) {
    std::vector<bool> mask = cap.meta.tangentMask();
    for (size_t k = 0; k < fw_outs.size(); ++k) {
      if (!mask[k]) continue;
      tangents.push_back(at::randn(fw_outs[k].sizes(), fw_outs[k].options().requires_grad(false)));
      if (fw_outs[k].requires_grad()) {
        diff_outs.push_back(fw_outs[k]);
        diff_tangents.push_back(tangents.back());
      }
    }
  }
  std::vector<at::Tensor> grad_leaves;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad) grad_leaves.push_back(leaves[i]);
  std::vector<at::Tensor> eager_grads(grad_leaves.size());
  if (cap.is_joint && !diff_outs.empty() && !grad_leaves.empty())
    eager_grads = torch::autograd::grad(diff_outs, grad_leaves, diff_tangents, true, false, true);

  // Replay.
  std::vector<at::Tensor> replay_in;
  for (const auto& in : cap.graph_inputs) replay_in.push_back(in.example.detach().clone());
  std::vector<at::Tensor> graph_args = replay_in;
  for (const auto& t : tangents) graph_args.push_back(t);
  exec::Interpreter interp(cap.graph, c10::Device(c10::DeviceType::CPU));
  std::vector<at::Tensor> got = interp.run(graph_args);
  ASSERT_EQ(got.size(), cap.numForwardOutputs() + (cap.is_joint ? inputs.size() : 0));

  auto expectClose = [tol](const at::Tensor& want, const at::Tensor& have, const std::string& what) {
    ASSERT_EQ(want.defined(), have.defined()) << what;
    if (!want.defined()) return;
    EXPECT_EQ(want.sizes(), have.sizes()) << what;
    EXPECT_EQ(want.scalar_type(), have.scalar_type()) << what;
    EXPECT_TRUE(at::allclose(want.detach(), have.detach(), tol, tol))
        << what << ": max abs diff " << (want.detach() - have.detach()).abs().max().item<double>();
  };
  size_t k = 0;
  for (size_t m : cap.mutated_inputs) expectClose(eager_in[m], got[k++], "mutated input " + std::to_string(m));
  for (size_t o = 0; o < eager_out.size(); ++o) {
    expectClose(eager_out[o], got[k], "output " + std::to_string(o));
    if (eager_out[o].defined() && got[k].defined()) {
      EXPECT_EQ(eager_out[o].strides(), got[k].strides()) << "output " << o;
    }
    ++k;
  }
  for (size_t b = 0; b < cap.num_intermediate_bases; ++b, ++k) expectClose(fw_outs[k], got[k], "intermediate base");
  for (size_t m : cap.meta.mutatedGraphHandledIndices())
    expectClose(eager_in[m], replay_in[m], "input " + std::to_string(m) + " written by copy_");
  if (cap.is_joint) {
    size_t gi = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      at::Tensor want = inputs[i].requires_grad ? eager_grads[gi++] : at::Tensor();
      expectClose(want, got[k++], "gradient of input " + std::to_string(i));
    }
  }

  // The compiled result (runtime stage, both partitioners) against eager on fresh copies of the inputs.
  for (auto p : {partition::Partitioner::MinCut, partition::Partitioner::Default}) {
    runtime::CompiledFunction compiled = compileForCpu(cap, p);
    std::vector<at::Tensor> leaves_e, leaves_c;
    std::vector<at::Tensor> in_e = eagerInputs(inputs, leaves_e), in_c = eagerInputs(inputs, leaves_c);
    expectSameAsEager(fn, compiled, in_e, in_c, leaves_e, leaves_c, opts.grad_enabled, tol,
                      std::string("compiled (") + partition::partitionerName(p) + ")");
  }
}

inline void expectReplayMatchesEager(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                     capture::TraceMode mode = capture::TraceMode::Fake, double tol = 1e-5) {
  capture::CaptureOptions opts;
  opts.mode = mode;
  expectReplayMatchesEager(fn, inputs, opts, tol);
}

}  // namespace aotviz::testing
