// tests/viz/test_layout_steps.cpp — the steps of the layered layout one by one on small graphs: columns and groups,
// boxes, edges, ranks, columns with dummy items, crossing reduction, coordinates and routes; and the steps run by
// hand giving layoutGraph's layout.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/models/zoo.h"
#include "viz/layout.h"
#include "viz/layout_steps.h"

namespace aotviz::viz {
namespace {

using namespace layout_steps;

/// A small graph built node by node; names are the ones given (calls keep theirs: no assignNames).
struct Tiny {
  ir::Graph g;
  ir::ValueId input(const std::string& name, ir::InputRole role = ir::InputRole::Primal) {
    return g.addPlaceholder(name, role, {});
  }
  ir::ValueId call(const std::string& name, const std::vector<ir::ValueId>& in, ir::Phase phase = ir::Phase::Forward,
                   const std::string& scope = "") {
    std::vector<ir::Arg> args;
    std::vector<std::string> arg_names;
    for (ir::ValueId v : in) {
      args.push_back(ir::Arg::ofValue(v));
      arg_names.push_back("a" + std::to_string(args.size()));
    }
    ir::Provenance p;
    p.phase = phase;
    p.scope = scope;
    ir::NodeId id = g.addCall("aten::" + name, "", arg_names, args, {ir::TensorMeta{}}, p);
    g.node(id).name = name;
    g.value(g.node(id).outputs[0]).name = name;
    return g.node(id).outputs[0];
  }
  void output(const std::vector<ir::ValueId>& outs) {
    std::vector<ir::Arg> args;
    for (ir::ValueId v : outs) args.push_back(ir::Arg::ofValue(v));
    g.setOutputs(args);
  }
  int32_t node(const std::string& name) const {
    for (const ir::Node& n : g.nodes)
      if (n.name == name) return n.id.v;
    return -1;
  }
};

/// The box of the node named `name`.
const NodeBox& boxOf(const LayoutWork& w, const Tiny& t, const std::string& name) {
  return w.out->boxes[static_cast<size_t>(w.out->box_of_node[static_cast<size_t>(t.node(name))])];
}

/// The column item of the node named `name`.
const Item& itemOf(const LayoutWork& w, const Tiny& t, const std::string& name) {
  const size_t box = static_cast<size_t>(w.out->box_of_node[static_cast<size_t>(t.node(name))]);
  return w.cols[w.out->boxes[box].side].items[static_cast<size_t>(w.item_of_box[box])];
}

/// Runs the steps up to and including `last` (1 = assignGroups ... 9 = routeEdges).
void runSteps(LayoutWork& w, int last) {
  void (*const plain[])(LayoutWork&) = {assignGroups, makeBoxes, makeEdges, assignRanks, buildColumns};
  for (int s = 0; s < last && s < 5; ++s) plain[s](w);
  if (last >= 6) {
    ASSERT_TRUE(reduceCrossings(w));
  }
  if (last >= 7) {
    ASSERT_TRUE(assignCoordinates(w));
  }
  if (last >= 8) placeColumns(w);
  if (last >= 9) routeEdges(w);
}

/// Edge crossings between consecutive layers of a column (pairs of in-column links whose ends are in opposite orders).
size_t crossings(const Column& c) {
  size_t n = 0;
  for (size_t k = 0; k + 1 < c.layers.size(); ++k) {
    std::vector<std::pair<int, int>> links;
    for (int32_t id : c.layers[k])
      for (int32_t d : c.items[static_cast<size_t>(id)].down)
        links.push_back({c.items[static_cast<size_t>(id)].pos, c.items[static_cast<size_t>(d)].pos});
    for (size_t i = 0; i < links.size(); ++i)
      for (size_t j = i + 1; j < links.size(); ++j)
        n += (links[i].first < links[j].first && links[i].second > links[j].second) ||
             (links[i].first > links[j].first && links[i].second < links[j].second);
  }
  return n;
}

/// x = primal, w = primal parameter; relu → relu → mm(·, w) → output: one column (no tangents).
Tiny chainWithParameter() {
  Tiny t;
  ir::ValueId x = t.input("x"), w = t.input("w");
  ir::ValueId a = t.call("relu", {x});
  ir::ValueId b = t.call("sigmoid", {a});
  t.output({t.call("mm", {b, w})});
  return t;
}

/// A joint graph in the small: forward mm and relu, backward threshold_backward on the tangent and the saved relu.
Tiny tinyJoint(const std::string& scope = "") {
  Tiny t;
  ir::ValueId x = t.input("primals_1"), w = t.input("primals_2"), g = t.input("tangents_1", ir::InputRole::Tangent);
  ir::ValueId mm = t.call("mm", {x, w}, ir::Phase::Forward, scope);
  ir::ValueId relu = t.call("relu", {mm}, ir::Phase::Forward, scope);
  ir::ValueId tb = t.call("threshold_backward", {g, relu}, ir::Phase::Backward, scope);
  ir::ValueId gw = t.call("mm_1", {x, tb}, ir::Phase::Backward, scope);
  t.output({relu, gw});
  return t;
}

TEST(LayoutSteps, AssignGroupsSplitsAJointGraphIntoColumnsAndInputsJoinTheirModule) {
  Tiny t = tinyJoint("m");
  LayoutOptions o;
  LayoutWork w(t.g, o);
  assignGroups(w);
  EXPECT_TRUE(w.split);
  EXPECT_EQ(w.side_of[static_cast<size_t>(t.node("mm"))], 0);
  EXPECT_EQ(w.side_of[static_cast<size_t>(t.node("relu"))], 0);
  EXPECT_EQ(w.side_of[static_cast<size_t>(t.node("threshold_backward"))], 1);
  EXPECT_EQ(w.side_of[static_cast<size_t>(t.node("tangents_1"))], 1);
  EXPECT_EQ(w.side_of[static_cast<size_t>(t.node("output"))], 1);
  EXPECT_TRUE(w.group_scopes.empty());
  // Collapsed: every op of "m" in its group; primals_2 (only mm uses it) joins it, primals_1 (used by mm and mm_1,
  // both in "m") too; the output node never does.
  o.collapsed_scopes = {"m"};
  LayoutWork c(t.g, o);
  assignGroups(c);
  ASSERT_EQ(c.group_scopes, (std::vector<std::string>{"m"}));
  for (const char* n : {"mm", "relu", "threshold_backward", "mm_1", "primals_1", "primals_2", "tangents_1"})
    EXPECT_EQ(c.group_of[static_cast<size_t>(t.node(n))], 0) << n;
  EXPECT_EQ(c.group_of[static_cast<size_t>(t.node("output"))], -1);
  // Without split_joint: one column.
  o.split_joint = false;
  LayoutWork one(t.g, o);
  assignGroups(one);
  EXPECT_FALSE(one.split);
  for (int s : one.side_of) EXPECT_EQ(s, 0);
}

TEST(LayoutSteps, MakeBoxesOnePerNodeOrPerGroupAndSide) {
  Tiny t = tinyJoint("m");
  LayoutOptions o;
  LayoutWork w(t.g, o);
  runSteps(w, 2);
  EXPECT_EQ(w.out->boxes.size(), t.g.nodes.size());
  EXPECT_EQ(boxOf(w, t, "mm").label, "mm\nmm");
  EXPECT_EQ(boxOf(w, t, "mm").kind, BoxKind::Forward);
  EXPECT_EQ(boxOf(w, t, "threshold_backward").kind, BoxKind::Backward);
  EXPECT_EQ(boxOf(w, t, "primals_1").kind, BoxKind::Input);
  EXPECT_EQ(boxOf(w, t, "output").label, "output");
  EXPECT_EQ(boxOf(w, t, "mm").h, o.node_h);
  EXPECT_EQ(boxOf(w, t, "threshold_backward").w, labelWidth("threshold_backward\nthreshold_backward", o.char_w));
  o.collapsed_scopes = {"m"};
  LayoutWork c(t.g, o);
  runSteps(c, 2);
  ASSERT_EQ(c.out->boxes.size(), 3u);  // m forward, m backward, output
  const NodeBox& fw = boxOf(c, t, "mm");
  const NodeBox& bw = boxOf(c, t, "mm_1");
  EXPECT_EQ(fw.kind, BoxKind::Group);
  EXPECT_EQ(fw.side, 0);
  EXPECT_EQ(bw.side, 1);
  EXPECT_EQ(fw.group_ops, 2u);
  EXPECT_EQ(fw.group_inputs, 2u);  // primals_1 and primals_2 are on the forward side (their first user is mm)
  EXPECT_EQ(bw.group_ops, 2u);
  EXPECT_EQ(bw.group_inputs, 1u);  // tangents_1
  EXPECT_EQ(fw.label, "m (2 ops, 2 inputs)\n2 fw");
}

TEST(LayoutSteps, MakeEdgesDeduplicatesAndKindsThem) {
  Tiny t;
  ir::ValueId x = t.input("primals_1"), g = t.input("tangents_1", ir::InputRole::Tangent);
  ir::ValueId sq = t.call("mul", {x, x});  // one edge for both arguments
  ir::ValueId gb = t.call("mul_1", {g, sq}, ir::Phase::Backward);
  t.output({sq, gb});
  LayoutOptions o;
  LayoutWork w(t.g, o);
  runSteps(w, 3);
  auto kindOf = [&](const std::string& from, const std::string& to) {
    int found = 0;
    EdgeKind kind = EdgeKind::Normal;
    for (const EdgeRoute& e : w.out->edges)
      if (e.from == w.out->box_of_node[static_cast<size_t>(t.node(from))] &&
          e.to == w.out->box_of_node[static_cast<size_t>(t.node(to))]) {
        ++found;
        kind = e.kind;
      }
    EXPECT_EQ(found, 1) << from << " -> " << to;
    return kind;
  };
  EXPECT_EQ(kindOf("primals_1", "mul"), EdgeKind::Normal);
  EXPECT_EQ(kindOf("mul", "mul_1"), EdgeKind::Saved);   // forward to backward
  EXPECT_EQ(kindOf("mul", "output"), EdgeKind::Cross);  // a forward output into the backward column's output node
  EXPECT_EQ(kindOf("tangents_1", "mul_1"), EdgeKind::Normal);
  EXPECT_EQ(w.out->edges.size(), 5u);
  EXPECT_EQ(w.preds[static_cast<size_t>(w.out->box_of_node[static_cast<size_t>(t.node("mul"))])].size(), 1u);
}

TEST(LayoutSteps, AssignRanksLongestPathThenAsLateAsTheUsersAllow) {
  Tiny t = chainWithParameter();
  LayoutOptions o;
  LayoutWork w(t.g, o);
  runSteps(w, 4);
  EXPECT_FALSE(w.split);
  EXPECT_EQ(boxOf(w, t, "x").rank, 0);
  EXPECT_EQ(boxOf(w, t, "relu").rank, 1);
  EXPECT_EQ(boxOf(w, t, "sigmoid").rank, 2);
  EXPECT_EQ(boxOf(w, t, "w").rank, 2);  // moved down from 0 to just above its only user
  EXPECT_EQ(boxOf(w, t, "mm").rank, 3);
  EXPECT_EQ(boxOf(w, t, "output").rank, 4);
  for (size_t b = 0; b < w.out->boxes.size(); ++b) EXPECT_EQ(w.rank[b], w.out->boxes[b].rank);
}

TEST(LayoutSteps, BuildColumnsPutsDummiesOnEdgesSpanningRanks) {
  // x feeds a chain of three and the last op: the x → last edge spans 4 ranks (3 dummies).
  Tiny t;
  ir::ValueId x = t.input("x");
  ir::ValueId a = t.call("a", {x});
  ir::ValueId b = t.call("b", {a});
  ir::ValueId c = t.call("c", {b});
  t.output({t.call("d", {c, x})});
  LayoutOptions o;
  LayoutWork w(t.g, o);
  runSteps(w, 5);
  const Column& col = w.cols[0];
  EXPECT_EQ(col.layers.size(), 6u);  // ranks 0..5
  size_t dummies = 0;
  for (const Item& it : col.items) dummies += it.box < 0;
  EXPECT_EQ(dummies, 3u);
  for (size_t e = 0; e < w.out->edges.size(); ++e) {
    const EdgeRoute& r = w.out->edges[e];
    const int span = w.rank[static_cast<size_t>(r.to)] - w.rank[static_cast<size_t>(r.from)];
    const bool into_output = w.out->boxes[static_cast<size_t>(r.to)].kind == BoxKind::Output;
    EXPECT_EQ(w.edge_items[e].size(), into_output ? 0u : static_cast<size_t>(span - 1));
  }
  for (const auto& layer : col.layers)
    for (size_t p = 0; p < layer.size(); ++p) EXPECT_EQ(col.items[static_cast<size_t>(layer[p])].pos, static_cast<int>(p));
  // Spans above max_dummy_span are drawn straight.
  o.max_dummy_span = 3;
  LayoutWork s(t.g, o);
  runSteps(s, 5);
  size_t short_dummies = 0;
  for (const Item& it : s.cols[0].items) short_dummies += it.box < 0;
  EXPECT_EQ(short_dummies, 0u);
}

TEST(LayoutSteps, ReduceCrossingsUntanglesTwoCrossedEdges) {
  // p, q on the top layer; c (made first) uses q and d uses p: in box order the two edges cross.
  Tiny t;
  ir::ValueId p = t.input("p"), q = t.input("q");
  ir::ValueId c = t.call("c", {q});
  ir::ValueId d = t.call("d", {p});
  t.output({c, d});
  LayoutOptions o;
  LayoutWork w(t.g, o);
  runSteps(w, 5);
  EXPECT_EQ(crossings(w.cols[0]), 1u);
  ASSERT_TRUE(reduceCrossings(w));
  EXPECT_EQ(crossings(w.cols[0]), 0u);
  // Cancelled: false after the first sweep.
  std::atomic<bool> cancel{true};
  LayoutWork k(t.g, o, &cancel);
  runSteps(k, 5);
  EXPECT_FALSE(reduceCrossings(k));
}

TEST(LayoutSteps, PlaceLayerIsOrderPreservingLeastSquaresWithMinimumGaps) {
  std::vector<Item> items(3);
  for (Item& it : items) it.w = 10;
  const std::vector<int32_t> layer = {0, 1, 2};
  placeLayer(items, layer, {0, 0, 0}, 4);  // all want 0: spread by 14, centred on it
  EXPECT_FLOAT_EQ(items[0].x, -14);
  EXPECT_FLOAT_EQ(items[1].x, 0);
  EXPECT_FLOAT_EQ(items[2].x, 14);
  placeLayer(items, layer, {-100, 5, 100}, 4);  // far apart: exactly where they want
  EXPECT_FLOAT_EQ(items[0].x, -100);
  EXPECT_FLOAT_EQ(items[1].x, 5);
  EXPECT_FLOAT_EQ(items[2].x, 100);
  const std::vector<int32_t> two = {0, 1};
  placeLayer(items, two, {10, 0}, 4);  // wanting the opposite order: pooled, the order kept, the mean error zero
  EXPECT_FLOAT_EQ(items[0].x, -2);
  EXPECT_FLOAT_EQ(items[1].x, 12);
}

TEST(LayoutSteps, AssignCoordinatesKeepsAChainStraightAndAnchorsInPlace) {
  Tiny t = chainWithParameter();
  LayoutOptions o;
  LayoutWork w(t.g, o);
  runSteps(w, 7);
  const Column& c = w.cols[0];
  EXPECT_FLOAT_EQ(itemOf(w, t, "relu").x, itemOf(w, t, "x").x);  // x → relu, each alone in its layer
  // Every layer keeps its minimum gaps.
  for (const auto& layer : c.layers)
    for (size_t p = 1; p < layer.size(); ++p) {
      const Item& a = c.items[static_cast<size_t>(layer[p - 1])];
      const Item& b = c.items[static_cast<size_t>(layer[p])];
      EXPECT_GE(b.x - a.x + 1e-3f, (a.w + b.w) / 2 + o.node_gap);
    }
  // Anchored: a node keeps its anchored x (relative to the column).
  auto anchors = std::make_shared<Anchors>();
  (*anchors)["relu"] = Anchor{0, 500};
  o.anchors = anchors;
  LayoutWork a(t.g, o);
  runSteps(a, 7);
  EXPECT_FLOAT_EQ(itemOf(a, t, "relu").x, 500);  // alone in its layer: exactly there
}

TEST(LayoutSteps, PlaceColumnsAndRouteEdges) {
  Tiny t = tinyJoint();
  LayoutOptions o;
  LayoutWork w(t.g, o);
  runSteps(w, 9);
  const Layout& L = *w.out;
  float fw_right = 0, bw_left = 1e30f;
  for (const NodeBox& b : L.boxes) {
    EXPECT_EQ(b.y, static_cast<float>(b.rank) * (o.node_h + o.rank_gap));
    if (b.side == 0) fw_right = std::max(fw_right, b.x + b.w);
    else bw_left = std::min(bw_left, b.x);
  }
  EXPECT_GT(w.bus, fw_right);  // the bus runs between the columns
  EXPECT_LT(w.bus, bw_left);
  size_t saved = 0;
  for (const EdgeRoute& e : L.edges) {
    const NodeBox& a = L.boxes[static_cast<size_t>(e.from)];
    const NodeBox& z = L.boxes[static_cast<size_t>(e.to)];
    if (e.kind == EdgeKind::Saved || e.kind == EdgeKind::Cross) {
      ++saved;
      ASSERT_EQ(e.points.size(), 4u);
      EXPECT_EQ(e.points[1].x, w.bus);
      EXPECT_EQ(e.points[2].x, w.bus);
      EXPECT_EQ(e.points[0].x, a.x + a.w);
      EXPECT_EQ(e.points[3].x, z.x);
      continue;
    }
    EXPECT_EQ(e.points.front().x, a.x + a.w / 2);  // bottom centre of the source
    EXPECT_EQ(e.points.front().y, a.y + a.h);
    EXPECT_EQ(e.points.back().x, z.x + z.w / 2);   // top centre of the target
    EXPECT_EQ(e.points.back().y, z.y);
  }
  EXPECT_GE(saved, 2u);  // relu → threshold_backward (saved), relu → output (cross)
  EXPECT_GT(L.width, 0);
  EXPECT_EQ(L.height, static_cast<float>(boxOf(w, t, "output").rank) * (o.node_h + o.rank_gap) + o.node_h);
}

TEST(LayoutSteps, TheStepsByHandGiveLayoutGraphsLayout) {
  models::Model m = models::buildModel("attn_block");
  ir::Graph g = capture::captureGraph(m.fn, m.inputs).graph;
  LayoutOptions o;
  LayoutWork w(g, o);
  runSteps(w, 9);
  auto l = layoutGraph(g, o);
  ASSERT_EQ(w.out->boxes.size(), l->boxes.size());
  for (size_t i = 0; i < l->boxes.size(); ++i) {
    EXPECT_EQ(w.out->boxes[i].x, l->boxes[i].x);
    EXPECT_EQ(w.out->boxes[i].y, l->boxes[i].y);
    EXPECT_EQ(w.out->boxes[i].label, l->boxes[i].label);
  }
  ASSERT_EQ(w.out->edges.size(), l->edges.size());
  for (size_t i = 0; i < l->edges.size(); ++i) {
    ASSERT_EQ(w.out->edges[i].points.size(), l->edges[i].points.size());
    for (size_t k = 0; k < l->edges[i].points.size(); ++k) {
      EXPECT_EQ(w.out->edges[i].points[k].x, l->edges[i].points[k].x);
      EXPECT_EQ(w.out->edges[i].points[k].y, l->edges[i].points[k].y);
    }
  }
  EXPECT_EQ(w.out->width, l->width);
}

}  // namespace
}  // namespace aotviz::viz
