// core/partition/functionalize_rng.h — replaying random ops that the backward recomputes (PyTorch's
// functionalize_rng_ops in partitioners.py, the activation-checkpointing path).
#pragma once

#include <string>
#include <vector>

#include "core/ir/graph.h"

namespace aotviz::partition::detail {

/// Note [Replaying random ops]: a random op (nondeterministic_seeded: bernoulli, native_dropout, rand_like…) that
/// ends up in both graphs would draw new numbers in the backward: a dropout mask different from the forward's, so
/// wrong gradients with no error. PyTorch 2.11 never lets its min-cut choose that (random ops are banned from
/// recomputation) but does it for a must-recompute random op, and then rewrites both graphs (functionalize_rng_ops):
/// the forward runs the op through run_and_save_rng_state and returns the RNG state as one more saved value; the
/// backward takes it as an input and runs the op through run_with_rng_state (set the state, run, put the previous
/// state back). aotviz does the same with two registered ops, so the graphs stay plain aten-style graphs that the
/// interpreter, the printer and the session files handle like any other:
///   forward:   native_dropout_rng_state = aotviz.get_rng_state(device)    # just before the op
///              native_dropout = aten.native_dropout(x, 0.5, True)
///   backward:  native_dropout_rng_prev = aotviz.set_rng_state(native_dropout_rng_state, device)
///              native_dropout = aten.native_dropout(x, 0.5, True)          # draws what the forward drew
///              aotviz.set_rng_state(native_dropout_rng_prev, device)       # the step's RNG stream goes on as eager's
/// The state is the device generator's own (torch.get_rng_state(): 5056 bytes on CPU, seed and offset on CUDA),
/// not Philox seed/offset graph inputs: PyTorch's Philox rewrite (config.functionalize_rng_ops) covers only CUDA
/// rand/rand_like and refuses CPU. The graphs run in node order, and nothing reorders them after this rewrite.

struct ReplayedRandomOp {
  std::string node;        // the random node's name (the same in both graphs)
  std::string state;       // the saved RNG-state value's name
  int64_t state_bytes = 0;
};

/// Rewrites `fw` and `bw` for every random call node that both contain (by name), in forward order. The states are
/// appended to the forward's outputs and become backward placeholders right after its `num_saved` saved-value
/// placeholders (the runtime's calling convention: saved values, then tangents).
std::vector<ReplayedRandomOp> replayRandomOps(ir::Graph& fw, ir::Graph& bw, size_t num_saved);

}  // namespace aotviz::partition::detail
