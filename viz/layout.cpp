// viz/layout.cpp — the layered layout (see layout.h for the method).
#include "viz/layout.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/util/human_bytes.h"

namespace aotviz::viz {

namespace {

/// A box or a dummy node in a column's layers.
struct Item {
  int32_t box = -1;  // -1 for a dummy
  int rank = 0;
  float w = 2;
  float x = 0;       // centre
  float anchor = NAN; // anchored x (relative to the column), NaN when free
  int pos = 0;       // index in its layer
  std::vector<int32_t> up, down;  // neighbouring items in the ranks above and below
};


float labelWidth(const std::string& label, float char_w) {
  size_t longest = 0, cur = 0;
  for (char c : label) {
    if (c == '\n') {
      longest = std::max(longest, cur);
      cur = 0;
    } else {
      ++cur;
    }
  }
  longest = std::max(longest, cur);
  return std::max(48.0f, char_w * static_cast<float>(longest) + 16.0f);
}

/// Order-preserving least-squares placement: centres as close to `desired` as possible with at least the boxes'
/// half-widths plus `gap` between neighbours (pool-adjacent-violators on the offset-free coordinates).
void placeLayer(std::vector<Item>& items, const std::vector<int32_t>& layer, const std::vector<float>& desired, float gap) {
  const size_t n = layer.size();
  if (n == 0) return;
  std::vector<float> offset(n, 0.0f);
  for (size_t i = 1; i < n; ++i)
    offset[i] = offset[i - 1] + (items[layer[i - 1]].w + items[layer[i]].w) / 2 + gap;
  struct Block {
    double sum;
    size_t count, first;
  };
  std::vector<Block> blocks;
  blocks.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    blocks.push_back({desired[i] - offset[i], 1, i});
    while (blocks.size() > 1) {
      Block& b = blocks.back();
      Block& a = blocks[blocks.size() - 2];
      if (a.sum / static_cast<double>(a.count) <= b.sum / static_cast<double>(b.count)) break;
      a.sum += b.sum;
      a.count += b.count;
      blocks.pop_back();
    }
  }
  for (const Block& b : blocks) {
    const float y = static_cast<float>(b.sum / static_cast<double>(b.count));
    for (size_t i = b.first; i < b.first + b.count; ++i) items[layer[i]].x = y + offset[i];
  }
}

struct Column {
  std::vector<Item> items;
  std::vector<std::vector<int32_t>> layers;
};

}  // namespace

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

std::string LayoutOptions::key() const {
  std::ostringstream k;
  k << split_joint << '|' << node_h << '|' << rank_gap << '|' << node_gap << '|' << column_gap << '|' << char_w << '|'
    << sweeps << '|' << max_dummy_span << '|' << static_cast<const void*>(partition) << '|'
    << static_cast<const void*>(anchors.get());
  for (const auto& s : collapsed_scopes) k << '|' << s;
  return k.str();
}

std::shared_ptr<const NodeFacts> nodeFacts(const ir::Graph& g, const partition::PartitionResult* partition,
                                           bool with_scopes) {
  auto f = std::make_shared<NodeFacts>();
  const size_t N = g.nodes.size();
  f->placement.assign(N, -1);
  f->saved_bytes.assign(N, 0);
  std::unordered_map<std::string_view, int32_t> scope_index;  // keys point into g
  if (with_scopes) f->scope.assign(N, 0);
  for (size_t i = 0; with_scopes && i < N; ++i) {
    auto [it, fresh] = scope_index.try_emplace(g.nodes[i].prov.scope, static_cast<int32_t>(f->scopes.size()));
    if (fresh) f->scopes.push_back(g.nodes[i].prov.scope);
    f->scope[i] = it->second;
  }
  if (!partition) return f;
  // The partition lists its joint graph's nodes mostly in that graph's order (the nodes CSE merged come last), so
  // one merge by name finds most; the rest are matched through a map of only them.
  const auto& decided = partition->nodes;
  size_t j = 0;
  for (size_t i = 0; i < N && j < decided.size(); ++i)
    if (decided[j].name == g.nodes[i].name) f->placement[i] = static_cast<int8_t>(decided[j++].placement);
  if (j < decided.size()) {
    std::unordered_map<std::string_view, partition::Placement> rest;
    for (size_t k = j; k < decided.size(); ++k) rest.emplace(decided[k].name, decided[k].placement);
    for (size_t i = 0; i < N; ++i) {
      auto it = f->placement[i] < 0 ? rest.find(g.nodes[i].name) : rest.end();
      if (it != rest.end()) f->placement[i] = static_cast<int8_t>(it->second);
    }
  }
  std::unordered_map<std::string_view, int64_t> saved;  // keys point into partition
  saved.reserve(partition->saved.size());
  for (const auto& s : partition->saved) saved.emplace(s.name, s.bytes);
  for (size_t i = 0; i < N; ++i)
    for (ir::ValueId v : g.nodes[i].outputs) {
      auto it = saved.find(g.value(v).name);
      if (it != saved.end()) f->saved_bytes[i] += it->second;
    }
  return f;
}

std::shared_ptr<const Layout> layoutGraph(const ir::Graph& g, const LayoutOptions& opts,
                                          const std::atomic<bool>* cancel,
                                          const std::function<void(float)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };
  auto report = [&](float p) {
    if (progress) progress(p);
  };
  auto L = std::make_shared<Layout>();
  const size_t N = g.nodes.size();

  // 1. Boxes: one per node, or one per (collapsed scope, side).
  // Only a joint graph (primals and tangents in, forward and backward ops) is split; a partition's backward graph,
  // with its recomputed forward ops, stays one column.
  bool any_backward = false, any_forward = false, any_primal = false, any_tangent = false;
  for (const ir::Node& n : g.nodes) {
    any_backward |= n.kind == ir::NodeKind::Call && n.prov.phase == ir::Phase::Backward;
    any_forward |= n.kind == ir::NodeKind::Call && n.prov.phase == ir::Phase::Forward;
    any_primal |= n.kind == ir::NodeKind::Placeholder && n.role == ir::InputRole::Primal;
    any_tangent |= n.kind == ir::NodeKind::Placeholder && n.role == ir::InputRole::Tangent;
  }
  const bool split = opts.split_joint && any_backward && any_forward && any_primal && any_tangent;
  auto sideOf = [&](const ir::Node& n) {
    if (!split) return 0;
    if (n.kind == ir::NodeKind::Call) return n.prov.phase == ir::Phase::Backward ? 1 : 0;
    if (n.kind == ir::NodeKind::Output) return 1;
    return n.role == ir::InputRole::Tangent || n.role == ir::InputRole::Saved ? 1 : 0;
  };
  std::shared_ptr<const NodeFacts> facts_here;
  const NodeFacts& facts = opts.facts && opts.facts->placement.size() == N ? *opts.facts
                                                                          : *(facts_here = nodeFacts(g, opts.partition, !opts.collapsed_scopes.empty()));
  L->box_of_node.assign(N, -1);
  // The collapsed scope each call node falls in (the outermost), and each input whose every user falls in one
  // scope joins that scope's group, on the side of its first user: a module's parameters are inside its box.
  std::vector<int> group_of(N, -1);  // index into group_scopes
  std::vector<int> side_of(N);
  std::vector<std::string> group_scopes;
  // The outermost collapsed scope holding each scope: its dotted prefixes looked up shortest first, once per scope.
  std::vector<int> group_of_scope(facts.scopes.size(), -2);  // -2 not looked up yet, -1 in no collapsed scope
  std::unordered_map<std::string, int> group_id;
  auto groupOf = [&](int32_t scope_index) {
    int& group = group_of_scope[static_cast<size_t>(scope_index)];
    if (group != -2) return group;
    group = -1;
    const std::string& scope = facts.scopes[static_cast<size_t>(scope_index)];
    for (size_t dot = 0; !scope.empty(); ++dot) {
      dot = scope.find('.', dot);
      std::string prefix = scope.substr(0, dot);
      if (opts.collapsed_scopes.count(prefix)) {
        auto [id, added] = group_id.try_emplace(prefix, static_cast<int>(group_scopes.size()));
        if (added) group_scopes.push_back(std::move(prefix));
        group = id->second;
        break;
      }
      if (dot == std::string::npos) break;
    }
    return group;
  };
  for (const ir::Node& n : g.nodes) {
    side_of[static_cast<size_t>(n.id.v)] = sideOf(n);
    if (n.kind == ir::NodeKind::Call && !opts.collapsed_scopes.empty())
      group_of[static_cast<size_t>(n.id.v)] = groupOf(facts.scope[static_cast<size_t>(n.id.v)]);
  }
  if (!opts.collapsed_scopes.empty()) {
    std::vector<int8_t> state(N, 0);  // placeholders: 0 no user yet, 1 every user in group_of, -1 mixed
    for (const ir::Node& n : g.nodes) {
      auto use = [&](ir::ValueId v) {
        if (!v.valid()) return;
        const size_t p = static_cast<size_t>(g.value(v).producer.v);
        if (g.nodes[p].kind != ir::NodeKind::Placeholder || state[p] < 0) return;
        const int mine = group_of[static_cast<size_t>(n.id.v)];
        if (mine < 0 || (state[p] == 1 && group_of[p] != mine)) {
          state[p] = -1;
        } else if (state[p] == 0) {
          state[p] = 1;
          group_of[p] = mine;
          side_of[p] = side_of[static_cast<size_t>(n.id.v)];
        }
      };
      for (const ir::Arg& a : n.args) {
        if (a.kind == ir::Arg::Kind::Value) use(a.value);
        if (a.kind == ir::Arg::Kind::ValueList)
          for (ir::ValueId v : a.values) use(v);
      }
    }
    for (size_t i = 0; i < N; ++i)
      if (g.nodes[i].kind == ir::NodeKind::Placeholder && state[i] != 1) {
        group_of[i] = -1;
        side_of[i] = sideOf(g.nodes[i]);
      }
  }
  std::vector<int32_t> group_box(2 * group_scopes.size(), -1);  // (group, side) → box, made at its first node
  for (const ir::Node& n : g.nodes) {
    const int side = side_of[static_cast<size_t>(n.id.v)];
    const int group = group_of[static_cast<size_t>(n.id.v)];
    if (group >= 0) {
      int32_t& box = group_box[static_cast<size_t>(2 * group + side)];
      if (box < 0) {
        box = static_cast<int32_t>(L->boxes.size());
        NodeBox b;
        b.scope = group_scopes[static_cast<size_t>(group)];
        b.kind = BoxKind::Group;
        b.side = side;
        L->boxes.push_back(std::move(b));
      }
      NodeBox& b = L->boxes[static_cast<size_t>(box)];
      L->box_of_node[static_cast<size_t>(n.id.v)] = box;
      if (n.kind == ir::NodeKind::Placeholder) {
        ++b.group_inputs;
        continue;
      }
      ++b.group_ops;
      const int8_t pl = facts.placement[static_cast<size_t>(n.id.v)];
      if (pl < 0) (n.prov.phase == ir::Phase::Backward ? b.group_backward : b.group_forward)++;
      else if (pl == static_cast<int8_t>(partition::Placement::Recomputed)) ++b.group_recomputed;
      else if (pl == static_cast<int8_t>(partition::Placement::Backward)) ++b.group_backward;
      else ++b.group_forward;
      b.group_saved_bytes += facts.saved_bytes[static_cast<size_t>(n.id.v)];
      continue;
    }
    NodeBox b;
    b.node = n.id.v;
    b.side = side;
    if (n.kind == ir::NodeKind::Placeholder) {
      b.kind = BoxKind::Input;
      b.label = n.name;
    } else if (n.kind == ir::NodeKind::Output) {
      b.kind = BoxKind::Output;
      b.label = "output";
    } else {
      b.kind = n.prov.phase == ir::Phase::Backward ? BoxKind::Backward : BoxKind::Forward;
      b.label = n.name + "\n" + n.opShortName();
    }
    L->box_of_node[static_cast<size_t>(n.id.v)] = static_cast<int32_t>(L->boxes.size());
    L->boxes.push_back(std::move(b));
  }
  for (NodeBox& b : L->boxes) {
    if (b.kind == BoxKind::Group) {
      b.label = b.scope + " (" + std::to_string(b.group_ops) + " ops" +
                (b.group_inputs ? ", " + std::to_string(b.group_inputs) + " inputs" : "") + ")\n";
      std::string parts;
      auto part = [&](size_t n, const char* what) {
        if (n) parts += (parts.empty() ? "" : " ") + std::to_string(n) + " " + what;
      };
      part(b.group_forward, "fw");
      part(b.group_backward, "bw");
      part(b.group_recomputed, "recomputed");
      b.label += parts;
      if (b.group_saved_bytes > 0) b.label += ", saves " + util::humanBytes(b.group_saved_bytes);
    }
    b.w = labelWidth(b.label, opts.char_w);
    b.h = opts.node_h;
  }
  const size_t B = L->boxes.size();

  // 2. Edges between boxes (deduplicated, in node order: deterministic).
  std::unordered_set<uint64_t> seen;
  seen.reserve(2 * B);
  std::vector<std::vector<int32_t>> preds(B), succs(B);
  for (const ir::Node& n : g.nodes) {
    const int32_t dst = L->box_of_node[static_cast<size_t>(n.id.v)];
    auto add = [&](ir::ValueId v) {
      if (!v.valid()) return;
      const int32_t src = L->box_of_node[static_cast<size_t>(g.value(v).producer.v)];
      if (src == dst) return;
      if (!seen.insert((static_cast<uint64_t>(static_cast<uint32_t>(src)) << 32) | static_cast<uint32_t>(dst)).second) return;
      EdgeRoute e;
      e.from = src;
      e.to = dst;
      const bool cross = L->boxes[static_cast<size_t>(src)].side != L->boxes[static_cast<size_t>(dst)].side;
      e.kind = !cross ? EdgeKind::Normal
               : L->boxes[static_cast<size_t>(dst)].kind == BoxKind::Output ? EdgeKind::Cross
                                                                             : EdgeKind::Saved;
      if (e.kind == EdgeKind::Normal) {
        if (src < dst) {
          preds[static_cast<size_t>(dst)].push_back(src);
          succs[static_cast<size_t>(src)].push_back(dst);
        } else {
          e.kind = EdgeKind::Back;  // only between collapsed groups
        }
      }
      L->edges.push_back(std::move(e));
    };
    for (const ir::Arg& a : n.args) {
      if (a.kind == ir::Arg::Kind::Value) add(a.value);
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId v : a.values) add(v);
    }
  }
  if (cancelled()) return nullptr;
  report(0.1f);

  // 3. Ranks: longest path in box order (a topological order), then as late as possible.
  std::vector<int> rank(B, 0);
  for (size_t b = 0; b < B; ++b)
    for (int32_t p : preds[b]) rank[b] = std::max(rank[b], rank[static_cast<size_t>(p)] + 1);
  // As late as possible: in reverse order every box moves down to just above its first user (a parameter and its
  // transpose sit next to the matmul that uses them, not at the top with long edges).
  for (size_t b = B; b-- > 0;)
    if (!succs[b].empty()) {
      int m = rank[static_cast<size_t>(succs[b][0])];
      for (int32_t s : succs[b]) m = std::min(m, rank[static_cast<size_t>(s)]);
      rank[b] = std::max(rank[b], m - 1);
    }
  for (size_t b = 0; b < B; ++b) L->boxes[b].rank = rank[b];

  // 4. Columns with dummy nodes on edges spanning 2..max_dummy_span ranks.
  // Which column of the anchoring view each column of this one follows: the one most of its anchored nodes had.
  int anchorSide[2] = {0, 1};
  if (opts.anchors) {
    size_t votes[2][2] = {{0, 0}, {0, 0}};
    for (const NodeBox& b : L->boxes) {
      if (b.node < 0) continue;
      auto a = opts.anchors->find(g.nodes[static_cast<size_t>(b.node)].name);
      if (a != opts.anchors->end()) ++votes[b.side][a->second.side & 1];
    }
    for (int s = 0; s < 2; ++s) anchorSide[s] = votes[s][1] > votes[s][0] ? 1 : 0;
  }
  Column cols[2];
  std::vector<int32_t> item_of_box(B, -1);
  for (size_t b = 0; b < B; ++b) {
    Column& c = cols[L->boxes[b].side];
    item_of_box[b] = static_cast<int32_t>(c.items.size());
    Item it;
    it.box = static_cast<int32_t>(b);
    it.rank = rank[b];
    it.w = L->boxes[b].w;
    if (opts.anchors && L->boxes[b].node >= 0) {
      auto a = opts.anchors->find(g.nodes[static_cast<size_t>(L->boxes[b].node)].name);
      if (a != opts.anchors->end() && anchorSide[L->boxes[b].side] == a->second.side) it.anchor = a->second.x;
    }
    c.items.push_back(std::move(it));
  }
  std::vector<std::vector<int32_t>> edge_items(L->edges.size());  // the items an edge passes through
  for (size_t e = 0; e < L->edges.size(); ++e) {
    EdgeRoute& r = L->edges[e];
    if (r.kind != EdgeKind::Normal) continue;
    Column& c = cols[L->boxes[static_cast<size_t>(r.from)].side];
    const int32_t a = item_of_box[static_cast<size_t>(r.from)], z = item_of_box[static_cast<size_t>(r.to)];
    const int span = rank[static_cast<size_t>(r.to)] - rank[static_cast<size_t>(r.from)];
    // Drawn straight: very long edges, and edges into the output node (a forward graph returns every saved value;
    // routing them all would pull the whole column towards the output).
    if (span <= 0 || span > opts.max_dummy_span || L->boxes[static_cast<size_t>(r.to)].kind == BoxKind::Output) continue;
    int32_t prev = a;
    for (int k = 1; k < span; ++k) {
      Item d;
      d.rank = rank[static_cast<size_t>(r.from)] + k;
      c.items.push_back(std::move(d));
      const int32_t id = static_cast<int32_t>(c.items.size() - 1);
      c.items[static_cast<size_t>(prev)].down.push_back(id);
      c.items[static_cast<size_t>(id)].up.push_back(prev);
      edge_items[e].push_back(id);
      prev = id;
    }
    c.items[static_cast<size_t>(prev)].down.push_back(z);
    c.items[static_cast<size_t>(z)].up.push_back(prev);
  }
  for (Column& c : cols) {
    int max_rank = -1;
    for (const Item& it : c.items) max_rank = std::max(max_rank, it.rank);
    c.layers.assign(static_cast<size_t>(max_rank + 1), {});
    for (size_t i = 0; i < c.items.size(); ++i) c.layers[static_cast<size_t>(c.items[i].rank)].push_back(static_cast<int32_t>(i));
    for (auto& layer : c.layers)
      for (size_t p = 0; p < layer.size(); ++p) c.items[static_cast<size_t>(layer[p])].pos = static_cast<int>(p);
    if (opts.anchors) {
      // Anchored items in their anchor's order; the sweeps below then only move the free ones between them.
      for (auto& layer : c.layers) {
        std::vector<int32_t> anchored;
        for (int32_t id : layer)
          if (!std::isnan(c.items[static_cast<size_t>(id)].anchor)) anchored.push_back(id);
        std::stable_sort(anchored.begin(), anchored.end(), [&](int32_t a, int32_t b) {
          return c.items[static_cast<size_t>(a)].anchor < c.items[static_cast<size_t>(b)].anchor;
        });
        size_t k = 0;
        for (int32_t& id : layer)
          if (!std::isnan(c.items[static_cast<size_t>(id)].anchor)) id = anchored[k++];
        for (size_t p = 0; p < layer.size(); ++p) c.items[static_cast<size_t>(layer[p])].pos = static_cast<int>(p);
      }
    }
  }
  if (cancelled()) return nullptr;
  report(0.2f);

  // 5. Crossing reduction: barycentre sweeps, down then up.
  auto sweep = [](Column& c, bool down) {
    const size_t R = c.layers.size();
    std::vector<std::pair<double, int32_t>> keyed;
    for (size_t k = 1; k < R; ++k) {
      auto& layer = c.layers[down ? k : R - 1 - k];
      keyed.clear();
      for (int32_t id : layer) {
        const Item& it = c.items[static_cast<size_t>(id)];
        const auto& nb = down ? it.up : it.down;
        double bary = it.pos;
        if (!nb.empty()) {
          double s = 0;
          for (int32_t o : nb) s += c.items[static_cast<size_t>(o)].pos;
          bary = s / static_cast<double>(nb.size());
        }
        keyed.push_back({bary, id});
      }
      std::stable_sort(keyed.begin(), keyed.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      for (size_t p = 0; p < keyed.size(); ++p) {
        layer[p] = keyed[p].second;
        c.items[static_cast<size_t>(keyed[p].second)].pos = static_cast<int>(p);
      }
    }
  };
  for (int s = 0; s < (opts.anchors ? 0 : opts.sweeps); ++s) {
    for (Column& c : cols) {
      sweep(c, true);
      sweep(c, false);
    }
    if (cancelled()) return nullptr;
    report(0.2f + 0.4f * static_cast<float>(s + 1) / static_cast<float>(std::max(1, opts.sweeps)));
  }

  // 6. Coordinates: packed, then least-squares fits to the neighbours above, then below.
  for (Column& c : cols) {
    std::vector<float> desired;
    for (auto& layer : c.layers) {
      desired.assign(layer.size(), 0.0f);
      for (size_t p = 0; p < layer.size(); ++p) {
        const float a = c.items[static_cast<size_t>(layer[p])].anchor;
        if (!std::isnan(a)) desired[p] = a;
      }
      placeLayer(c.items, layer, desired, opts.node_gap);
    }
    for (int round = 0; round < 4; ++round)
      for (bool down : {true, false}) {
        const size_t R = c.layers.size();
        for (size_t k = 0; k < R; ++k) {
          auto& layer = c.layers[down ? k : R - 1 - k];
          desired.resize(layer.size());
          for (size_t p = 0; p < layer.size(); ++p) {
            const Item& it = c.items[static_cast<size_t>(layer[p])];
            const auto& nb = down ? it.up : it.down;
            if (!std::isnan(it.anchor)) {
              desired[p] = it.anchor;
              continue;
            }
            if (nb.empty()) {
              desired[p] = it.x;
              continue;
            }
            float s = 0;
            for (int32_t o : nb) s += c.items[static_cast<size_t>(o)].x;
            desired[p] = s / static_cast<float>(nb.size());
          }
          placeLayer(c.items, layer, desired, opts.node_gap);
        }
      }
    if (cancelled()) return nullptr;
  }
  report(0.8f);

  // 7. Absolute positions: columns side by side, ranks top-down.
  float left[2] = {0, 0}, right[2] = {0, 0};
  for (int s = 0; s < 2; ++s) {
    bool first = true;
    for (const Item& it : cols[s].items) {
      if (first || it.x - it.w / 2 < left[s]) left[s] = it.x - it.w / 2;
      if (first || it.x + it.w / 2 > right[s]) right[s] = it.x + it.w / 2;
      first = false;
    }
  }
  if (opts.anchors) {  // anchored x are relative to the column's left edge: keep that origin
    left[0] = std::min(left[0], 0.0f);
    left[1] = std::min(left[1], 0.0f);
  }
  const float shift[2] = {-left[0], (right[0] - left[0]) + opts.column_gap - left[1]};
  const float row = opts.node_h + opts.rank_gap;
  for (int s = 0; s < 2; ++s)
    for (Item& it : cols[s].items) {
      it.x += shift[s];
      if (it.box >= 0) {
        NodeBox& b = L->boxes[static_cast<size_t>(it.box)];
        b.x = it.x - b.w / 2;
        b.y = static_cast<float>(it.rank) * row;
      }
    }
  const float bus = (right[0] - left[0]) + opts.column_gap / 2;

  // 8. Routes.
  for (size_t e = 0; e < L->edges.size(); ++e) {
    EdgeRoute& r = L->edges[e];
    const NodeBox& a = L->boxes[static_cast<size_t>(r.from)];
    const NodeBox& z = L->boxes[static_cast<size_t>(r.to)];
    if (r.kind == EdgeKind::Saved || r.kind == EdgeKind::Cross) {
      r.points = {{a.x + a.w, a.y + a.h / 2}, {bus, a.y + a.h / 2}, {bus, z.y + z.h / 2}, {z.x, z.y + z.h / 2}};
      continue;
    }
    r.points.push_back({a.x + a.w / 2, a.y + a.h});
    const Column& c = cols[a.side];
    for (int32_t id : edge_items[e]) {
      const Item& d = c.items[static_cast<size_t>(id)];
      r.points.push_back({d.x, static_cast<float>(d.rank) * row + opts.node_h / 2});
    }
    r.points.push_back({z.x + z.w / 2, z.y});
  }
  for (const NodeBox& b : L->boxes) {
    L->width = std::max(L->width, b.x + b.w);
    L->height = std::max(L->height, b.y + b.h);
  }
  L->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report(1.0f);
  return L;
}

std::shared_ptr<const Anchors> anchorsOf(const ir::Graph& g, const Layout& layout) {
  float column_left[2] = {INFINITY, INFINITY};
  for (const NodeBox& b : layout.boxes) column_left[b.side] = std::min(column_left[b.side], b.x);
  auto a = std::make_shared<Anchors>();
  for (const NodeBox& b : layout.boxes)
    if (b.node >= 0) (*a)[g.nodes[static_cast<size_t>(b.node)].name] = Anchor{b.side, b.x + b.w / 2 - column_left[b.side]};
  return a;
}

struct LayoutService::Impl {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  // The request being (or to be) computed.
  std::shared_ptr<const ir::Graph> want_graph;
  LayoutOptions want_opts;
  std::string want_key;
  bool pending = false, running = false;
  std::atomic<bool> cancel{false};
  std::atomic<float> progress{0};
  // Finished layouts by key; the graph is kept alive so its address stays unique.
  std::map<std::string, std::pair<std::shared_ptr<const ir::Graph>, std::shared_ptr<const Layout>>> cache;
  std::thread worker;

  static std::string keyOf(const ir::Graph* g, const LayoutOptions& o) {
    std::ostringstream k;
    k << static_cast<const void*>(g) << '#' << o.key();
    return k.str();
  }

  void run() {
    for (;;) {
      std::shared_ptr<const ir::Graph> g;
      LayoutOptions o;
      std::string key;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || pending; });
        if (stop) return;
        g = want_graph;
        o = want_opts;
        key = want_key;
        pending = false;
        running = true;
        cancel = false;
        progress = 0;
      }
      auto layout = layoutGraph(*g, o, &cancel, [&](float p) { progress = p; });
      std::lock_guard<std::mutex> lock(mu);
      running = false;
      if (layout) {
        if (cache.size() > 32) cache.clear();
        cache[key] = {g, layout};
      }
    }
  }
};

LayoutService::LayoutService() : impl_(std::make_unique<Impl>()) {
  impl_->worker = std::thread([this] { impl_->run(); });
}

LayoutService::~LayoutService() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
    impl_->cancel = true;
  }
  impl_->cv.notify_all();
  impl_->worker.join();
}

std::shared_ptr<const Layout> LayoutService::get(const std::shared_ptr<const ir::Graph>& g, const LayoutOptions& opts) {
  if (!g) return nullptr;
  const std::string key = Impl::keyOf(g.get(), opts);
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->cache.find(key);
  if (it != impl_->cache.end()) return it->second.second;
  if (impl_->want_key != key || (!impl_->pending && !impl_->running)) {
    if (impl_->running && impl_->want_key != key) impl_->cancel = true;
    impl_->want_graph = g;
    impl_->want_opts = opts;
    impl_->want_key = key;
    impl_->pending = true;
    impl_->cv.notify_all();
  }
  return nullptr;
}

float LayoutService::progress() const { return impl_->progress.load(); }

bool LayoutService::busy() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->pending || impl_->running;
}

}  // namespace aotviz::viz
