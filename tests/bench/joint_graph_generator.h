// tests/bench/joint_graph_generator.h — synthetic joint-shaped graphs of a chosen size for layout tests and
// benchmarks: a forward chain of layers (mm, add bias, relu) with a residual add every 4 layers and parameters
// feeding every layer; then the mirrored backward (relu's threshold_backward on the saved activation, the weight
// gradient from the saved input, the input gradient through the parameter, residual gradient adds), as AOTAutograd's
// joint graphs look. About 9 nodes per layer.
#pragma once

#include <string>
#include <vector>

#include "core/ir/graph.h"

namespace aotviz::testing {

inline ir::Graph makeJointShapedGraph(size_t target_nodes) {
  using ir::Arg;
  ir::Graph g;
  const size_t layers = std::max<size_t>(1, target_nodes / 9);
  ir::TensorMeta act;
  act.sizes = {32, 64};
  act.strides = {64, 1};
  ir::TensorMeta w = act;
  w.sizes = {64, 64};
  ir::Provenance fw, bw;
  bw.phase = ir::Phase::Backward;
  std::vector<ir::ValueId> weights, biases;
  for (size_t i = 0; i < layers; ++i) {
    weights.push_back(g.addPlaceholder("primals_w" + std::to_string(i), ir::InputRole::Primal, w));
    biases.push_back(g.addPlaceholder("primals_b" + std::to_string(i), ir::InputRole::Primal, act));
  }
  ir::ValueId x = g.addPlaceholder("primals_x", ir::InputRole::Primal, act);
  ir::ValueId tangent = g.addPlaceholder("tangents_1", ir::InputRole::Tangent, act);
  auto call = [&](const char* op, std::vector<ir::ValueId> in, const ir::Provenance& p, const std::string& scope) {
    std::vector<Arg> args;
    std::vector<std::string> names;
    for (size_t k = 0; k < in.size(); ++k) {
      args.push_back(Arg::ofValue(in[k]));
      names.push_back("a" + std::to_string(k));
    }
    ir::Provenance q = p;
    q.scope = scope;
    ir::NodeId n = g.addCall(op, "default", names, args, {act}, q);
    return g.node(n).outputs[0];
  };
  std::vector<ir::ValueId> inputs_of_layer, acts;
  ir::ValueId h = x;
  for (size_t i = 0; i < layers; ++i) {
    const std::string scope = "layers." + std::to_string(i);
    inputs_of_layer.push_back(h);
    ir::ValueId y = call("aten::mm", {h, weights[i]}, fw, scope);
    y = call("aten::add", {y, biases[i]}, fw, scope);
    y = call("aten::relu", {y}, fw, scope);
    if (i >= 4 && i % 4 == 0) y = call("aten::add", {y, inputs_of_layer[i - 4]}, fw, scope);
    acts.push_back(y);
    h = y;
  }
  std::vector<ir::ValueId> grads_w(layers), grads_b(layers);
  ir::ValueId grad = tangent;
  std::vector<ir::ValueId> residual_grad(layers + 1);
  for (size_t i = layers; i-- > 0;) {
    const std::string scope = "layers." + std::to_string(i);
    if (residual_grad[i + 1].valid()) grad = call("aten::add", {grad, residual_grad[i + 1]}, bw, scope);
    ir::ValueId gy = call("aten::threshold_backward", {grad, acts[i]}, bw, scope);
    grads_b[i] = call("aten::sum", {gy}, bw, scope);
    grads_w[i] = call("aten::mm", {inputs_of_layer[i], gy}, bw, scope);
    grad = call("aten::mm", {gy, weights[i]}, bw, scope);
    if (i >= 4 && i % 4 == 0) residual_grad[i - 4 + 1] = grad;
  }
  std::vector<Arg> outs{Arg::ofValue(h)};
  for (size_t i = 0; i < layers; ++i) {
    outs.push_back(Arg::ofValue(grads_w[i]));
    outs.push_back(Arg::ofValue(grads_b[i]));
  }
  outs.push_back(Arg::ofValue(grad));
  g.setOutputs(std::move(outs));
  g.assignNames();
  return g;
}

}  // namespace aotviz::testing
