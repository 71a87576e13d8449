// tests/core/runtime_testing.h — compiled (runtime stage) vs eager: outputs, gradients, input values after the
// call and aliasing relations.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/partition/partition.h"
#include "core/runtime/runtime.h"

namespace aotviz::testing {

/// Compiles `cap` with `partitioner` (when joint) for the CPU interpreter.
inline runtime::CompiledFunction compileForCpu(const capture::CaptureResult& cap,
                                               partition::Partitioner partitioner = partition::Partitioner::MinCut,
                                               runtime::RuntimeOptions ropts = {}) {
  std::unique_ptr<partition::PartitionResult> part;
  if (cap.is_joint) {
    partition::Options o;
    o.partitioner = partitioner;
    std::vector<size_t> params;
    for (size_t i = 0; i < cap.graph_inputs.size(); ++i)
      if (cap.graph_inputs[i].kind == capture::InputKind::Param) params.push_back(i);
    part = std::make_unique<partition::PartitionResult>(
        partition::partitionJoint(cap.graph, cap.numForwardOutputs(), params, o));
  }
  return runtime::CompiledFunction(cap, part.get(), exec::CompileOptions{}, ropts);
}

/// Runs `fn` eagerly and `compiled` on equal copies of `in_e` / `in_c` (made by the caller with the same
/// aliasing), then compares outputs, requires_grad, aliasing between outputs and inputs, input values after the
/// call and the gradients of the differentiable results with respect to `leaves_e` / `leaves_c`.
inline void expectSameAsEager(const capture::TracedFn& fn, const runtime::CompiledFunction& compiled,
                              std::vector<at::Tensor> in_e, std::vector<at::Tensor> in_c,
                              const std::vector<at::Tensor>& leaves_e, const std::vector<at::Tensor>& leaves_c,
                              bool grad_enabled, double tol, const std::string& label) {
  std::vector<at::Tensor> out_e, out_c;
  {
    c10::AutoGradMode g(grad_enabled);
    out_e = fn(in_e);
  }
  {
    c10::AutoGradMode g(grad_enabled);
    out_c = compiled(in_c);
  }
  ASSERT_EQ(out_e.size(), out_c.size()) << label;
  auto close = [&](const at::Tensor& want, const at::Tensor& have, const std::string& what) {
    ASSERT_EQ(want.defined(), have.defined()) << label << ": " << what;
    if (!want.defined()) return;
    ASSERT_EQ(want.sizes(), have.sizes()) << label << ": " << what;
    EXPECT_TRUE(at::allclose(want.detach(), have.detach(), tol, tol))
        << label << ": " << what << ": max abs diff " << (want.detach() - have.detach()).abs().max().item<double>();
  };
  for (size_t k = 0; k < out_e.size(); ++k) {
    close(out_e[k], out_c[k], "output " + std::to_string(k));
    EXPECT_EQ(out_e[k].requires_grad(), out_c[k].requires_grad()) << label << ": output " << k;
    for (size_t i = 0; i < in_e.size(); ++i)
      EXPECT_EQ(out_e[k].is_alias_of(in_e[i]), out_c[k].is_alias_of(in_c[i]))
          << label << ": output " << k << " aliasing input " << i;
    for (size_t l = 0; l < k; ++l)
      EXPECT_EQ(out_e[k].is_alias_of(out_e[l]), out_c[k].is_alias_of(out_c[l]))
          << label << ": outputs " << l << " and " << k << " aliasing";
    if (out_e[k].defined() && out_e[k].is_view()) {
      EXPECT_EQ(out_e[k].strides(), out_c[k].strides()) << label << ": output " << k;
    }
  }
  for (size_t i = 0; i < in_e.size(); ++i) {
    close(in_e[i], in_c[i], "input " + std::to_string(i) + " after the call");
    EXPECT_EQ(in_e[i].sizes(), in_c[i].sizes()) << label << ": input " << i;
    EXPECT_EQ(in_e[i].strides(), in_c[i].strides()) << label << ": input " << i;
  }
  if (!grad_enabled) return;
  // Differentiable results: the outputs and the non-leaf inputs (whose history a mutation extends).
  at::manual_seed(11);
  std::vector<at::Tensor> targets_e, targets_c, tangents;
  auto add = [&](const at::Tensor& e, const at::Tensor& c) {
    if (!e.defined() || !e.requires_grad() || !c.requires_grad()) return;
    targets_e.push_back(e);
    targets_c.push_back(c);
    tangents.push_back(at::randn(e.sizes(), e.options().requires_grad(false)));
  };
  for (size_t k = 0; k < out_e.size(); ++k) add(out_e[k], out_c[k]);
  for (size_t i = 0; i < in_e.size(); ++i)
    if (!in_e[i].is_leaf()) add(in_e[i], in_c[i]);
  std::vector<at::Tensor> le, lc;
  for (size_t i = 0; i < leaves_e.size(); ++i)
    if (leaves_e[i].requires_grad()) {
      le.push_back(leaves_e[i]);
      lc.push_back(leaves_c[i]);
    }
  if (targets_e.empty() || le.empty()) return;
  auto g_e = torch::autograd::grad(targets_e, le, tangents, true, false, true);
  auto g_c = torch::autograd::grad(targets_c, lc, tangents, true, false, true);
  for (size_t i = 0; i < g_e.size(); ++i) close(g_e[i], g_c[i], "gradient " + std::to_string(i));
}

}  // namespace aotviz::testing
