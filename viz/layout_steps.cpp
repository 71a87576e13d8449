// viz/layout_steps.cpp — the steps of the layered layout (see layout_steps.h for their order, layout.h for the
// method).
#include "viz/layout_steps.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "core/util/human_bytes.h"

namespace aotviz::viz::layout_steps {

LayoutWork::LayoutWork(const ir::Graph& graph, const LayoutOptions& options, const std::atomic<bool>* cancel_flag,
                       const std::function<void(float)>* progress_fn)
    : g(graph), opts(options), cancel(cancel_flag), progress(progress_fn), out(std::make_shared<Layout>()) {}

int columnOf(const ir::Node& n, bool split) {
  if (!split) return 0;
  if (n.kind == ir::NodeKind::Call) return n.prov.phase == ir::Phase::Backward ? 1 : 0;
  if (n.kind == ir::NodeKind::Output) return 1;
  return n.role == ir::InputRole::Tangent || n.role == ir::InputRole::Saved ? 1 : 0;
}

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

// Only a joint graph (primals and tangents in, forward and backward ops) is split; a partition's backward graph, with
// its recomputed forward ops, stays one column. The collapsed scope each call node falls in is the outermost one, and
// each input whose every user falls in one scope joins that scope's group, on the side of its first user: a module's
// parameters are inside its box.
void assignGroups(LayoutWork& w) {
  const ir::Graph& g = w.g;
  const LayoutOptions& opts = w.opts;
  const size_t N = g.nodes.size();
  bool any_backward = false, any_forward = false, any_primal = false, any_tangent = false;
  for (const ir::Node& n : g.nodes) {
    any_backward |= n.kind == ir::NodeKind::Call && n.prov.phase == ir::Phase::Backward;
    any_forward |= n.kind == ir::NodeKind::Call && n.prov.phase == ir::Phase::Forward;
    any_primal |= n.kind == ir::NodeKind::Placeholder && n.role == ir::InputRole::Primal;
    any_tangent |= n.kind == ir::NodeKind::Placeholder && n.role == ir::InputRole::Tangent;
  }
  w.split = opts.split_joint && any_backward && any_forward && any_primal && any_tangent;
  w.facts = factsFor(g, opts);
  if (!w.facts) {
    w.own_facts = nodeFacts(g, opts.partition, !opts.collapsed_scopes.empty());
    w.facts = w.own_facts.get();
  }
  const NodeFacts& facts = *w.facts;
  w.group_of.assign(N, -1);
  w.side_of.assign(N, 0);
  w.group_scopes.clear();
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
        auto [id, added] = group_id.try_emplace(prefix, static_cast<int>(w.group_scopes.size()));
        if (added) w.group_scopes.push_back(std::move(prefix));
        group = id->second;
        break;
      }
      if (dot == std::string::npos) break;
    }
    return group;
  };
  for (const ir::Node& n : g.nodes) {
    w.side_of[static_cast<size_t>(n.id.v)] = columnOf(n, w.split);
    if (n.kind == ir::NodeKind::Call && !opts.collapsed_scopes.empty())
      w.group_of[static_cast<size_t>(n.id.v)] = groupOf(facts.scope[static_cast<size_t>(n.id.v)]);
  }
  if (opts.collapsed_scopes.empty()) return;
  std::vector<int8_t> state(N, 0);  // placeholders: 0 no user yet, 1 every user in group_of, -1 mixed
  for (const ir::Node& n : g.nodes) {
    auto use = [&](ir::ValueId v) {
      if (!v.valid()) return;
      const size_t p = static_cast<size_t>(g.value(v).producer.v);
      if (g.nodes[p].kind != ir::NodeKind::Placeholder || state[p] < 0) return;
      const int mine = w.group_of[static_cast<size_t>(n.id.v)];
      if (mine < 0 || (state[p] == 1 && w.group_of[p] != mine)) {
        state[p] = -1;
      } else if (state[p] == 0) {
        state[p] = 1;
        w.group_of[p] = mine;
        w.side_of[p] = w.side_of[static_cast<size_t>(n.id.v)];
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
      w.group_of[i] = -1;
      w.side_of[i] = columnOf(g.nodes[i], w.split);
    }
}

void makeBoxes(LayoutWork& w) {
  const ir::Graph& g = w.g;
  Layout& L = *w.out;
  const NodeFacts& facts = *w.facts;
  L.box_of_node.assign(g.nodes.size(), -1);
  std::vector<int32_t> group_box(2 * w.group_scopes.size(), -1);  // (group, side) → box, made at its first node
  for (const ir::Node& n : g.nodes) {
    const int side = w.side_of[static_cast<size_t>(n.id.v)];
    const int group = w.group_of[static_cast<size_t>(n.id.v)];
    if (group >= 0) {
      int32_t& box = group_box[static_cast<size_t>(2 * group + side)];
      if (box < 0) {
        box = static_cast<int32_t>(L.boxes.size());
        NodeBox b;
        b.scope = w.group_scopes[static_cast<size_t>(group)];
        b.kind = BoxKind::Group;
        b.side = side;
        L.boxes.push_back(std::move(b));
      }
      NodeBox& b = L.boxes[static_cast<size_t>(box)];
      L.box_of_node[static_cast<size_t>(n.id.v)] = box;
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
    L.box_of_node[static_cast<size_t>(n.id.v)] = static_cast<int32_t>(L.boxes.size());
    L.boxes.push_back(std::move(b));
  }
  for (NodeBox& b : L.boxes) {
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
    b.w = labelWidth(b.label, w.opts.char_w);
    b.h = w.opts.node_h;
  }
}

namespace {

/// The (from, to) box pairs of the edges made so far: open addressing with linear probing in one array. A
/// std::unordered_set was the slowest part of makeEdges, and its nodes, scattered over the heap and freed on return,
/// were reused for the columns' many small up/down lists, which then lay scattered too and made the sweeps and the
/// coordinate fits on 50k nodes twice as slow.
class EdgeKeySet {
 public:
  explicit EdgeKeySet(size_t expected) { rehash(expected); }
  /// False when `key` was there already.
  bool insert(uint64_t key) {
    if (2 * (size_ + 1) > slots_.size()) rehash(2 * size_ + 2);
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (slots_[i] == key) return false;
      if (slots_[i] == kEmpty) {
        slots_[i] = key;
        ++size_;
        return true;
      }
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // no key: box indices are below 2^31
  size_t slot(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask_; }
  void rehash(size_t expected) {  // room for `expected` keys at most half full
    size_t capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    std::vector<uint64_t> old(capacity, kEmpty);
    old.swap(slots_);
    mask_ = capacity - 1;
    size_ = 0;
    for (uint64_t k : old)
      if (k != kEmpty) insert(k);
  }
  std::vector<uint64_t> slots_;
  size_t mask_ = 0, size_ = 0;
};

}  // namespace

// Deduplicated, in node order: deterministic. An edge between the columns is Cross into the output node and Saved
// otherwise; an edge inside a column that goes up (only between collapsed groups) is Back.
void makeEdges(LayoutWork& w) {
  const ir::Graph& g = w.g;
  Layout& L = *w.out;
  const size_t B = L.boxes.size();
  EdgeKeySet seen(2 * B);
  w.preds.assign(B, {});
  w.succs.assign(B, {});
  for (const ir::Node& n : g.nodes) {
    const int32_t dst = L.box_of_node[static_cast<size_t>(n.id.v)];
    auto add = [&](ir::ValueId v) {
      if (!v.valid()) return;
      const int32_t src = L.box_of_node[static_cast<size_t>(g.value(v).producer.v)];
      if (src == dst) return;
      if (!seen.insert((static_cast<uint64_t>(static_cast<uint32_t>(src)) << 32) | static_cast<uint32_t>(dst))) return;
      EdgeRoute e;
      e.from = src;
      e.to = dst;
      const bool cross = L.boxes[static_cast<size_t>(src)].side != L.boxes[static_cast<size_t>(dst)].side;
      e.kind = !cross ? EdgeKind::Normal
               : L.boxes[static_cast<size_t>(dst)].kind == BoxKind::Output ? EdgeKind::Cross
                                                                            : EdgeKind::Saved;
      if (e.kind == EdgeKind::Normal) {
        if (src < dst) {
          w.preds[static_cast<size_t>(dst)].push_back(src);
          w.succs[static_cast<size_t>(src)].push_back(dst);
        } else {
          e.kind = EdgeKind::Back;
        }
      }
      L.edges.push_back(std::move(e));
    };
    for (const ir::Arg& a : n.args) {
      if (a.kind == ir::Arg::Kind::Value) add(a.value);
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId v : a.values) add(v);
    }
  }
}

// Longest path in box order (a topological order), then as late as possible: in reverse order every box moves down
// to just above its first user (a parameter and its transpose sit next to the matmul that uses them, not at the top
// with long edges).
void assignRanks(LayoutWork& w) {
  Layout& L = *w.out;
  const size_t B = L.boxes.size();
  std::vector<int>& rank = w.rank;
  rank.assign(B, 0);
  for (size_t b = 0; b < B; ++b)
    for (int32_t p : w.preds[b]) rank[b] = std::max(rank[b], rank[static_cast<size_t>(p)] + 1);
  for (size_t b = B; b-- > 0;)
    if (!w.succs[b].empty()) {
      int m = rank[static_cast<size_t>(w.succs[b][0])];
      for (int32_t s : w.succs[b]) m = std::min(m, rank[static_cast<size_t>(s)]);
      rank[b] = std::max(rank[b], m - 1);
    }
  for (size_t b = 0; b < B; ++b) L.boxes[b].rank = rank[b];
}

// Dummy items on Normal edges spanning 2..max_dummy_span ranks. Which column of the anchoring view each column of
// this one follows: the one most of its anchored nodes had.
void buildColumns(LayoutWork& w) {
  const ir::Graph& g = w.g;
  const LayoutOptions& opts = w.opts;
  Layout& L = *w.out;
  const size_t B = L.boxes.size();
  const std::vector<int>& rank = w.rank;
  w.anchor_side[0] = 0;
  w.anchor_side[1] = 1;
  if (opts.anchors) {
    size_t votes[2][2] = {{0, 0}, {0, 0}};
    for (const NodeBox& b : L.boxes) {
      if (b.node < 0) continue;
      auto a = opts.anchors->find(g.nodes[static_cast<size_t>(b.node)].name);
      if (a != opts.anchors->end()) ++votes[b.side][a->second.side & 1];
    }
    for (int s = 0; s < 2; ++s) w.anchor_side[s] = votes[s][1] > votes[s][0] ? 1 : 0;
  }
  Column* cols = w.cols;
  cols[0] = {};
  cols[1] = {};
  w.item_of_box.assign(B, -1);
  for (size_t b = 0; b < B; ++b) {
    Column& c = cols[L.boxes[b].side];
    w.item_of_box[b] = static_cast<int32_t>(c.items.size());
    Item it;
    it.box = static_cast<int32_t>(b);
    it.rank = rank[b];
    it.w = L.boxes[b].w;
    if (opts.anchors && L.boxes[b].node >= 0) {
      auto a = opts.anchors->find(g.nodes[static_cast<size_t>(L.boxes[b].node)].name);
      if (a != opts.anchors->end() && w.anchor_side[L.boxes[b].side] == a->second.side) it.anchor = a->second.x;
    }
    c.items.push_back(std::move(it));
  }
  w.edge_items.assign(L.edges.size(), {});
  for (size_t e = 0; e < L.edges.size(); ++e) {
    EdgeRoute& r = L.edges[e];
    if (r.kind != EdgeKind::Normal) continue;
    Column& c = cols[L.boxes[static_cast<size_t>(r.from)].side];
    const int32_t a = w.item_of_box[static_cast<size_t>(r.from)], z = w.item_of_box[static_cast<size_t>(r.to)];
    const int span = rank[static_cast<size_t>(r.to)] - rank[static_cast<size_t>(r.from)];
    // Drawn straight: very long edges, and edges into the output node (a forward graph returns every saved value;
    // routing them all would pull the whole column towards the output).
    if (span <= 0 || span > opts.max_dummy_span || L.boxes[static_cast<size_t>(r.to)].kind == BoxKind::Output) continue;
    int32_t prev = a;
    for (int k = 1; k < span; ++k) {
      Item d;
      d.rank = rank[static_cast<size_t>(r.from)] + k;
      c.items.push_back(std::move(d));
      const int32_t id = static_cast<int32_t>(c.items.size() - 1);
      c.items[static_cast<size_t>(prev)].down.push_back(id);
      c.items[static_cast<size_t>(id)].up.push_back(prev);
      w.edge_items[e].push_back(id);
      prev = id;
    }
    c.items[static_cast<size_t>(prev)].down.push_back(z);
    c.items[static_cast<size_t>(z)].up.push_back(prev);
  }
  for (int s = 0; s < 2; ++s) {
    Column& c = cols[s];
    int max_rank = -1;
    for (const Item& it : c.items) max_rank = std::max(max_rank, it.rank);
    c.layers.assign(static_cast<size_t>(max_rank + 1), {});
    for (size_t i = 0; i < c.items.size(); ++i) c.layers[static_cast<size_t>(c.items[i].rank)].push_back(static_cast<int32_t>(i));
    for (auto& layer : c.layers)
      for (size_t p = 0; p < layer.size(); ++p) c.items[static_cast<size_t>(layer[p])].pos = static_cast<int>(p);
    if (!opts.anchors) continue;
    // Anchored items in their anchor's order; the sweeps then only move the free ones between them.
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

namespace {

/// One barycentre sweep over a column: each layer (after the first) sorted by its items' mean position among their
/// neighbours in the layer before it (above when going down, below when going up); stable, so ties keep their order.
void sweep(Column& c, bool down) {
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
}

}  // namespace

bool reduceCrossings(LayoutWork& w) {
  const LayoutOptions& opts = w.opts;
  for (int s = 0; s < (opts.anchors ? 0 : opts.sweeps); ++s) {
    for (Column& c : w.cols) {
      sweep(c, true);
      sweep(c, false);
    }
    if (w.cancelled()) return false;
    w.report(0.2f + 0.4f * static_cast<float>(s + 1) / static_cast<float>(std::max(1, opts.sweeps)));
  }
  return true;
}

bool assignCoordinates(LayoutWork& w) {
  const float gap = w.opts.node_gap;
  for (Column& c : w.cols) {
    std::vector<float> desired;
    for (auto& layer : c.layers) {
      desired.assign(layer.size(), 0.0f);
      for (size_t p = 0; p < layer.size(); ++p) {
        const float a = c.items[static_cast<size_t>(layer[p])].anchor;
        if (!std::isnan(a)) desired[p] = a;
      }
      placeLayer(c.items, layer, desired, gap);
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
          placeLayer(c.items, layer, desired, gap);
        }
      }
    if (w.cancelled()) return false;
  }
  return true;
}

void placeColumns(LayoutWork& w) {
  const LayoutOptions& opts = w.opts;
  Layout& L = *w.out;
  float left[2] = {0, 0}, right[2] = {0, 0};
  for (int s = 0; s < 2; ++s) {
    bool first = true;
    for (const Item& it : w.cols[s].items) {
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
  w.row = opts.node_h + opts.rank_gap;
  for (int s = 0; s < 2; ++s)
    for (Item& it : w.cols[s].items) {
      it.x += shift[s];
      if (it.box >= 0) {
        NodeBox& b = L.boxes[static_cast<size_t>(it.box)];
        b.x = it.x - b.w / 2;
        b.y = static_cast<float>(it.rank) * w.row;
      }
    }
  w.bus = (right[0] - left[0]) + opts.column_gap / 2;
}

// Saved and Cross edges run right from their source to the bus, along it and right into their target; the others
// from the bottom of their source through their dummy items to the top of their target.
void routeEdges(LayoutWork& w) {
  const LayoutOptions& opts = w.opts;
  Layout& L = *w.out;
  for (size_t e = 0; e < L.edges.size(); ++e) {
    EdgeRoute& r = L.edges[e];
    const NodeBox& a = L.boxes[static_cast<size_t>(r.from)];
    const NodeBox& z = L.boxes[static_cast<size_t>(r.to)];
    if (r.kind == EdgeKind::Saved || r.kind == EdgeKind::Cross) {
      r.points = {{a.x + a.w, a.y + a.h / 2}, {w.bus, a.y + a.h / 2}, {w.bus, z.y + z.h / 2}, {z.x, z.y + z.h / 2}};
      continue;
    }
    r.points.push_back({a.x + a.w / 2, a.y + a.h});
    const Column& c = w.cols[a.side];
    for (int32_t id : w.edge_items[e]) {
      const Item& d = c.items[static_cast<size_t>(id)];
      r.points.push_back({d.x, static_cast<float>(d.rank) * w.row + opts.node_h / 2});
    }
    r.points.push_back({z.x + z.w / 2, z.y});
  }
  for (const NodeBox& b : L.boxes) {
    L.width = std::max(L.width, b.x + b.w);
    L.height = std::max(L.height, b.y + b.h);
  }
}

}  // namespace aotviz::viz::layout_steps
