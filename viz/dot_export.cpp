// viz/dot_export.cpp — DOT writer and Graphviz rendering.
#include "viz/dot_export.h"

#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#ifdef AOTVIZ_WITH_GRAPHVIZ
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#endif

#include "core/ir/serialize.h"
#include "core/ir/verify.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"
#include "viz/palette.h"

namespace aotviz::viz {

namespace {

std::string quote(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '\n') {
      r += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}

std::string shapeText(const ir::TensorMeta& m) {
  std::string s = "[";
  for (size_t i = 0; i < m.sizes.size(); ++i) s += (i ? "," : "") + std::to_string(m.sizes[i]);
  return s + "]";
}

}  // namespace

std::string graphToDot(const ir::Graph& g, const DotOptions& opts) {
  std::unordered_map<std::string, partition::Placement> placement;
  std::set<std::string> saved;
  if (opts.partition) {
    for (const auto& d : opts.partition->nodes) placement[d.name] = d.placement;
    for (const auto& s : opts.partition->saved) saved.insert(s.name);
  }
  auto category = [&](const ir::Node& n) {
    if (n.kind == ir::NodeKind::Placeholder) return NodeCategory::Input;
    if (n.kind == ir::NodeKind::Output) return NodeCategory::Output;
    if (saved.count(n.name)) return NodeCategory::Saved;
    auto it = placement.find(n.name);
    if (it != placement.end() && it->second == partition::Placement::Recomputed) return NodeCategory::Recomputed;
    return n.prov.phase == ir::Phase::Backward ? NodeCategory::Backward : NodeCategory::Forward;
  };
  std::ostringstream o;
  o << "digraph aotviz {\n  graph [rankdir=TB, fontname=\"Helvetica\", label=" << quote(opts.title)
    << ", labelloc=t];\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
    << "  edge [color=\"#7a7f88\", arrowsize=0.6];\n";
  std::map<std::string, std::vector<const ir::Node*>> by_scope;
  for (const ir::Node& n : g.nodes)
    by_scope[opts.cluster_by_scope && n.kind == ir::NodeKind::Call ? n.prov.scope : std::string()].push_back(&n);
  size_t cluster = 0;
  for (const auto& [scope, nodes] : by_scope) {
    const bool clustered = !scope.empty();
    if (clustered)
      o << "  subgraph cluster_" << cluster++ << " {\n    label=" << quote(scope)
        << "; style=dashed; color=\"#9aa0aa\";\n";
    for (const ir::Node* n : nodes) {
      std::string label = n->name;
      if (n->kind == ir::NodeKind::Call) label += "\n" + n->opShortName();
      if (!n->outputs.empty() && n->outputs.size() == 1) label += "\n" + shapeText(g.value(n->outputs[0]).meta);
      o << (clustered ? "    " : "  ") << quote(n->name) << " [label=" << quote(label)
        << ", fillcolor=" << quote(categoryHex(category(*n)))
        << (n->kind == ir::NodeKind::Placeholder ? ", shape=ellipse" : "") << "];\n";
    }
    if (clustered) o << "  }\n";
  }
  for (const ir::Node& n : g.nodes) {
    std::set<int32_t> seen;
    auto edge = [&](ir::ValueId v) {
      if (!v.valid() || !seen.insert(v.v).second) return;
      const ir::Node& src = g.node(g.value(v).producer);
      const bool saved_edge = saved.count(src.name) && n.prov.phase == ir::Phase::Backward &&
                              n.kind == ir::NodeKind::Call;
      o << "  " << quote(src.name) << " -> " << quote(n.name)
        << (saved_edge ? std::string(" [color=") + quote(categoryHex(NodeCategory::Saved)) + ", penwidth=2]" : "")
        << ";\n";
    };
    for (const ir::Arg& a : n.args) {
      if (a.kind == ir::Arg::Kind::Value) edge(a.value);
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId v : a.values) edge(v);
    }
  }
  o << "}\n";
  return o.str();
}

#ifdef AOTVIZ_WITH_GRAPHVIZ
bool canRenderWithGraphviz() { return true; }

void renderDot(const std::string& dot, const std::string& format, const std::filesystem::path& out) {
  if (format != "svg" && format != "png")
    fail("render", out.string(), "unknown output format '" + format + "'", "use a .dot, .svg or .png file name");
  GVC_t* gvc = gvContext();
  Agraph_t* g = agmemread(dot.c_str());
  if (!g) {
    gvFreeContext(gvc);
    fail("render", out.string(), "Graphviz could not read the DOT text", "this is an aotviz bug; please report it");
  }
  if (agnnodes(g) > 300) {
    // Network simplex in dot's x-placement does not finish on large joint graphs; bounded iterations keep it to
    // seconds at the cost of a less compact drawing.
    agattr(g, AGRAPH, const_cast<char*>("nslimit"), const_cast<char*>("2"));
    agattr(g, AGRAPH, const_cast<char*>("nslimit1"), const_cast<char*>("2"));
    agattr(g, AGRAPH, const_cast<char*>("mclimit"), const_cast<char*>("0.2"));
  }
  char* data = nullptr;
  unsigned int len = 0;
  int rc = gvLayout(gvc, g, "dot");
  if (rc == 0) rc = gvRenderData(gvc, g, format.c_str(), &data, &len);
  std::string bytes = rc == 0 && data ? std::string(data, len) : std::string();
  if (data) gvFreeRenderData(data);
  gvFreeLayout(gvc, g);
  agclose(g);
  gvFreeContext(gvc);
  if (rc != 0) fail("render", out.string(), "Graphviz failed to lay out or render the graph", "try --out FILE.dot");
  util::writeFileAtomic(out, bytes);
}
#else
bool canRenderWithGraphviz() { return false; }

void renderDot(const std::string&, const std::string&, const std::filesystem::path& out) {
  fail("render", out.string(), "this build has no Graphviz (built with AOTVIZ_GUI=OFF or without libgvc)",
       "write --out FILE.dot and run `dot -Tsvg` elsewhere, or install libgraphviz-dev and rebuild");
}
#endif

RenderResult renderGraphFile(const std::filesystem::path& graph_json, const std::filesystem::path& out) {
  ir::Graph g;
  try {
    g = ir::graphFromJsonString(util::readFile(graph_json, size_t(1) << 30));
  } catch (const AotError& e) {
    Diagnostic d = e.diagnostic();
    d.message = graph_json.string() + ": " + d.message;
    throw AotError(d);
  } catch (const std::exception& e) {
    fail("load", graph_json.string(), std::string("not a graph JSON: ") + e.what(),
         "pass a graph file written by `aotviz compile` (joint.json, forward.json, backward.json)");
  }
  DotOptions opts;
  opts.title = graph_json.filename().string();
  const std::string dot = graphToDot(g, opts);
  const std::string ext = out.extension().string();
  if (ext == ".dot") util::writeFileAtomic(out, dot);
  else if (ext == ".svg" || ext == ".png") renderDot(dot, ext.substr(1), out);
  else fail("render", out.string(), "unknown output format '" + ext + "'", "use a .dot, .svg or .png file name");
  return {g.nodes.size(), ir::schemaWarnings(g)};
}

}  // namespace aotviz::viz
