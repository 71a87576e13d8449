// core/ir/verify.h — the IR's self-check (lint). Returns diagnostics; never aborts.
#pragma once

#include <vector>

#include "core/ir/graph.h"
#include "core/util/diagnostic.h"

namespace aotviz::ir {

struct VerifyOptions {
  /// Also check every call against this LibTorch's operator schemas (operator exists, argument count, return
  /// count). Off for graphs only meant to be displayed (e.g. a session captured on another LibTorch version).
  bool check_schemas = true;
};

/// Checks: dense ids equal to positions; every value defined once by the node that lists it; every argument
/// defined by an earlier node; unique names; placeholders before calls; exactly one output node, last;
/// sizes/strides of equal rank; and (optionally) schemas. An empty result means the graph is well formed.
std::vector<Diagnostic> verify(const Graph& g, const VerifyOptions& opts = {});

/// For graphs that are displayed, not run (a session or a graph file from another LibTorch version): the schema
/// problems of a well-formed `g`, one line each ("node 'x': operator aten::foo does not exist in this LibTorch
/// (1.13.1); shown, not run"), at most `limit` lines and then a count of the rest.
std::vector<std::string> schemaWarnings(const Graph& g, size_t limit = 5);

}  // namespace aotviz::ir
