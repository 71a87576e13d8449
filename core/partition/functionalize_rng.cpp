// core/partition/functionalize_rng.cpp — see Note [Replaying random ops].
#include "core/partition/functionalize_rng.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <torch/library.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace aotviz::partition::detail {

namespace {

at::Generator generatorOf(c10::Device device) { return at::globalContext().defaultGenerator(device); }

at::Tensor getRngState(c10::Device device) {
  at::Generator gen = generatorOf(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

/// Sets the device generator's state and returns the one it replaces.
at::Tensor setRngState(const at::Tensor& state, c10::Device device) {
  at::Generator gen = generatorOf(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  at::Tensor prev = gen.get_state();
  gen.set_state(state);
  return prev;
}

TORCH_LIBRARY_FRAGMENT(aotviz, m) {
  // CONSERVATIVE: both read or write the generator, a side effect no alias analysis may move.
  m.def(torch::schema("aotviz::get_rng_state(Device device) -> Tensor", c10::AliasAnalysisKind::CONSERVATIVE),
        TORCH_FN(getRngState));
  m.def(torch::schema("aotviz::set_rng_state(Tensor state, Device device) -> Tensor",
                      c10::AliasAnalysisKind::CONSERVATIVE),
        TORCH_FN(setRngState));
}

/// Bytes of a generator state: asked of the CPU generator; a CUDA generator's state is its seed and offset (two
/// 8-byte integers), known without a GPU.
int64_t stateBytes(c10::Device device) { return device.is_cpu() ? getRngState(device).numel() : 16; }

/// Moves the last node (just appended) to position `pos` and renumbers.
void moveLastTo(ir::Graph& g, size_t pos) {
  std::rotate(g.nodes.begin() + static_cast<std::ptrdiff_t>(pos), g.nodes.end() - 1, g.nodes.end());
  g.compact();
}

size_t positionOf(const ir::Graph& g, const std::string& name) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].name == name) return i;
  return g.nodes.size();
}

/// Appends `op(args)` returning one uint8 state tensor named `name`, placed at `pos`.
ir::ValueId addStateOp(ir::Graph& g, size_t pos, const std::string& name, const std::string& op,
                       std::vector<std::string> arg_names, std::vector<ir::Arg> args, int64_t bytes,
                       const ir::Provenance& prov) {
  ir::TensorMeta meta;
  meta.sizes = {bytes};
  meta.strides = {1};
  meta.dtype = at::kByte;
  ir::Provenance p = prov;
  p.stage = "partition";
  ir::NodeId id = g.addCall(op, "", std::move(arg_names), std::move(args), {meta}, p);
  g.node(id).name = name;
  g.value(g.node(id).outputs.at(0)).name = name;
  moveLastTo(g, pos);
  return g.nodes.at(pos).outputs.at(0);
}

}  // namespace

std::vector<ReplayedRandomOp> replayRandomOps(ir::Graph& fw, ir::Graph& bw, size_t num_saved) {
  std::unordered_set<std::string> in_bw;
  for (const ir::Node& n : bw.nodes)
    if (n.kind == ir::NodeKind::Call && n.nondeterministic_seeded) in_bw.insert(n.name);
  std::vector<std::string> random;
  for (const ir::Node& n : fw.nodes)
    if (n.kind == ir::NodeKind::Call && n.nondeterministic_seeded && in_bw.count(n.name)) random.push_back(n.name);
  std::vector<ReplayedRandomOp> out;
  for (const std::string& name : random) {
    const size_t at_fw = positionOf(fw, name);
    const ir::Node& r = fw.nodes.at(at_fw);
    const c10::Device device = r.outputs.empty() ? c10::Device(c10::kCPU) : fw.value(r.outputs[0]).meta.device;
    const ir::Provenance prov = r.prov;
    ReplayedRandomOp rep{name, name + "_rng_state", stateBytes(device)};

    // Forward: read the state just before the op; return it after everything else.
    ir::ValueId state = addStateOp(fw, at_fw, rep.state, "aotviz::get_rng_state", {"device"},
                                   {ir::Arg::ofDevice(device)}, rep.state_bytes, prov);
    std::vector<ir::Arg> outs = fw.outputNode()->args;
    outs.push_back(ir::Arg::ofValue(state));
    fw.setOutputs(std::move(outs));

    // Backward: the state as the last saved-value input; set it around the op, then put the previous one back.
    ir::TensorMeta meta = fw.value(state).meta;
    bw.addPlaceholder(rep.state, ir::InputRole::Saved, meta, prov);
    moveLastTo(bw, num_saved + out.size());
    const ir::ValueId saved_state = bw.nodes.at(num_saved + out.size()).outputs.at(0);
    const size_t at_bw = positionOf(bw, name);
    ir::ValueId prev = addStateOp(bw, at_bw, name + "_rng_prev", "aotviz::set_rng_state", {"state", "device"},
                                  {ir::Arg::ofValue(saved_state), ir::Arg::ofDevice(device)}, rep.state_bytes, prov);
    addStateOp(bw, positionOf(bw, name) + 1, name + "_rng_restored", "aotviz::set_rng_state", {"state", "device"},
               {ir::Arg::ofValue(prev), ir::Arg::ofDevice(device)}, rep.state_bytes, prov);
    out.push_back(std::move(rep));
  }
  return out;
}

}  // namespace aotviz::partition::detail
