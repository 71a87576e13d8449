// viz/module_scopes.h — module scopes as a tree by their dotted paths ("h" ⊃ "h.3" ⊃ "h.3.attn"): the scopes below
// one, the collapsed scopes of a module overview, and the scopes to open to show a node. The layout collapses by
// these (LayoutOptions::collapsed_scopes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "core/ir/graph.h"

namespace aotviz::viz {

/// The scopes one level below `parent` ("" = the top level) that `g`'s call nodes lie in, sorted.
std::set<std::string> childScopes(const ir::Graph& g, const std::string& parent);
/// The collapsed scopes of a module overview opened down to `path` ("" = the top level): every scope along the
/// path is expanded, and its children and the siblings of each step are collapsed.
std::set<std::string> overviewScopes(const ir::Graph& g, const std::string& path);
/// Graphs with more nodes than this open as a module overview (overviewScopes(g, "")).
inline constexpr size_t kOverviewNodes = 500;
/// The collapsed scopes to open so that node `node` of `g` is shown on its own: each collapsed scope containing
/// it is expanded one level at a time, keeping its other children collapsed. Unchanged when it is already shown.
std::set<std::string> revealNode(const ir::Graph& g, const std::set<std::string>& collapsed, int32_t node);
/// True when `scope` is `ancestor` or lies inside it.
bool inScope(const std::string& scope, const std::string& ancestor);

}  // namespace aotviz::viz
