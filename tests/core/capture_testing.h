// tests/core/capture_testing.h — helpers shared by the capture tests: eager reference vs replayed joint graph.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/compile/interpreter.h"

namespace aotviz::testing {

inline capture::InputDesc input(std::string name, at::Tensor example, bool requires_grad) {
  capture::InputDesc d;
  d.name = std::move(name);
  d.example = std::move(example);
  d.requires_grad = requires_grad;
  return d;
}

/// Ops of the graph's call nodes, in order, as "aten::mm" / "aten::add.Tensor".
inline std::vector<std::string> callOps(const ir::Graph& g) {
  std::vector<std::string> r;
  for (const auto& n : g.nodes)
    if (n.kind == ir::NodeKind::Call) r.push_back(n.qualifiedOp());
  return r;
}

/// Runs `fn` eagerly with autograd and replays the captured graph with the interpreter on the same values and
/// tangents; expects outputs, mutated inputs and gradients to match (and metadata: sizes and strides).
inline void expectReplayMatchesEager(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                     capture::TraceMode mode = capture::TraceMode::Fake, double tol = 1e-5) {
  capture::CaptureOptions opts;
  opts.mode = mode;
  capture::CaptureResult cap = capture::captureGraph(fn, inputs, opts);

  // Eager reference.
  std::vector<at::Tensor> eager_in;
  for (const auto& in : inputs) {
    at::Tensor t = in.example.clone();
    if (in.requires_grad) t.requires_grad_(true);
    eager_in.push_back(t);
  }
  std::vector<at::Tensor> eager_out = fn(eager_in);
  ASSERT_EQ(eager_out.size(), cap.num_user_outputs);

  // Tangents: deterministic, one per output with a tangent.
  at::manual_seed(7);
  std::vector<at::Tensor> tangents, diff_outs;
  for (size_t k = 0; k < eager_out.size(); ++k) {
    if (!cap.is_joint || !cap.output_has_tangent[k]) continue;
    tangents.push_back(at::randn(eager_out[k].sizes(), eager_out[k].options().requires_grad(false)));
    diff_outs.push_back(eager_out[k]);
  }
  std::vector<at::Tensor> grad_inputs;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad) grad_inputs.push_back(eager_in[i]);
  std::vector<at::Tensor> eager_grads;
  if (cap.is_joint) eager_grads = torch::autograd::grad(diff_outs, grad_inputs, tangents, false, false, true);

  // Replay.
  std::vector<at::Tensor> replay_in;
  for (const auto& in : inputs) replay_in.push_back(in.example.clone());
  for (const auto& t : tangents) replay_in.push_back(t);
  exec::Interpreter interp(cap.graph, c10::Device(c10::DeviceType::CPU));
  std::vector<at::Tensor> got = interp.run(replay_in);
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
  if (!cap.is_joint) return;
  size_t gi = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    at::Tensor want = inputs[i].requires_grad ? eager_grads[gi++] : at::Tensor();
    expectClose(want, got[k++], "gradient of input " + std::to_string(i));
  }
}

}  // namespace aotviz::testing
