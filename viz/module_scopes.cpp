// viz/module_scopes.cpp — the module scope tree (see module_scopes.h).
#include "viz/module_scopes.h"

namespace aotviz::viz {

bool inScope(const std::string& scope, const std::string& ancestor) {
  return scope == ancestor || (scope.size() > ancestor.size() && scope.compare(0, ancestor.size(), ancestor) == 0 &&
                               scope[ancestor.size()] == '.');
}

std::set<std::string> childScopes(const ir::Graph& g, const std::string& parent) {
  std::set<std::string> out;
  const size_t from = parent.empty() ? 0 : parent.size() + 1;
  for (const ir::Node& n : g.nodes) {
    const std::string& s = n.prov.scope;
    if (n.kind != ir::NodeKind::Call || s.empty() || s == parent) continue;
    if (!parent.empty() && !inScope(s, parent)) continue;
    const size_t dot = s.find('.', from);
    out.insert(dot == std::string::npos ? s : s.substr(0, dot));
  }
  return out;
}

std::set<std::string> overviewScopes(const ir::Graph& g, const std::string& path) {
  std::set<std::string> collapsed = childScopes(g, "");
  size_t at = 0;
  while (!path.empty()) {  // each step of the path, outermost first
    const size_t dot = path.find('.', at);
    const std::string step = dot == std::string::npos ? path : path.substr(0, dot);
    collapsed.erase(step);
    const std::set<std::string> children = childScopes(g, step);
    collapsed.insert(children.begin(), children.end());
    if (dot == std::string::npos) break;
    at = dot + 1;
  }
  return collapsed;
}

std::set<std::string> revealNode(const ir::Graph& g, const std::set<std::string>& collapsed, int32_t node) {
  std::set<std::string> out = collapsed;
  if (node < 0 || static_cast<size_t>(node) >= g.nodes.size()) return out;
  const std::string& scope = g.nodes[static_cast<size_t>(node)].prov.scope;
  for (;;) {  // the outermost collapsed scope holding the node, expanded one level, until none holds it
    std::string outer;
    for (const auto& c : out)
      if (inScope(scope, c) && (outer.empty() || c.size() < outer.size())) outer = c;
    if (outer.empty()) return out;
    out.erase(outer);
    const std::set<std::string> children = childScopes(g, outer);  // the next round expands the node's own
    out.insert(children.begin(), children.end());
  }
}

}  // namespace aotviz::viz
