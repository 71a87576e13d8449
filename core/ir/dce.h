// core/ir/dce.h — dead-code elimination over the graph IR.
#pragma once

#include <cstddef>

#include "core/ir/graph.h"

namespace aotviz::ir {

/// Removes call nodes none of whose outputs is used, in reverse order so chains of dead nodes go at once.
/// Nodes that mutate an argument (schema alias annotation with a write, e.g. copy_ into an input) are kept,
/// as FX keeps side-effectful nodes. Renumbers the graph; names are kept. Returns the number removed.
///
///   before:  view = view(primals_3, [2, 4]); view_1 = view(primals_3, [2, 4]); mul = mul(view_1, 2)
///   after:   view_1 = view(primals_3, [2, 4]); mul = mul(view_1, 2)
size_t eliminateDeadCode(Graph& g);

/// True when the node's operator writes one of its arguments (in-place or out= op).
bool mutatesArgument(const Node& n);

/// True when DCE keeps the call even if nothing uses its outputs: it writes an argument, or it is one of aotviz's
/// RNG-state ops (Note [Replaying random ops]), which act on the generator.
bool neverDead(const Node& n);

}  // namespace aotviz::ir
