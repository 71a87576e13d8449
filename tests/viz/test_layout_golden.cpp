// tests/viz/test_layout_golden.cpp — layouts of a few graphs pinned bit for bit: every box and every route point
// written as hex floats, the text digested and compared with the digest recorded when the layout last changed on
// purpose. A refactoring of the layout must leave these equal. AOTVIZ_LAYOUT_DUMP=DIR writes the texts to DIR (one
// file per case) to diff against a dump of the code before; after an intended change, record the printed digests.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/capture/capture.h"
#include "core/models/zoo.h"
#include "core/partition/partition.h"
#include "tests/bench/joint_graph_generator.h"
#include "viz/layout.h"

namespace aotviz::viz {
namespace {

std::string hex(float f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%a", static_cast<double>(f));
  return buf;
}

std::string dump(const Layout& l) {
  std::string s;
  s += "size " + hex(l.width) + " " + hex(l.height) + "\n";
  for (const NodeBox& b : l.boxes) {
    s += "box " + std::to_string(b.node) + " " + std::to_string(static_cast<int>(b.kind)) + " " +
         std::to_string(b.side) + " " + std::to_string(b.rank) + " " + hex(b.x) + " " + hex(b.y) + " " + hex(b.w) +
         " " + hex(b.h) + " " + std::to_string(b.group_ops) + " " + std::to_string(b.group_saved_bytes) + " " +
         std::to_string(b.group_forward) + " " + std::to_string(b.group_backward) + " " +
         std::to_string(b.group_recomputed) + " " + std::to_string(b.group_inputs) + " [" + b.scope + "] [" + b.label +
         "]\n";
  }
  for (const EdgeRoute& e : l.edges) {
    s += "edge " + std::to_string(e.from) + " " + std::to_string(e.to) + " " + std::to_string(static_cast<int>(e.kind));
    for (const Point& p : e.points) s += " " + hex(p.x) + "," + hex(p.y);
    s += "\n";
  }
  s += "nodes";
  for (int32_t b : l.box_of_node) s += " " + std::to_string(b);
  return s + "\n";
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

/// Digests the layout's dump; writes it to $AOTVIZ_LAYOUT_DUMP/NAME.txt when that is set.
uint64_t digestOf(const std::string& name, const Layout& l) {
  const std::string text = dump(l);
  if (const char* dir = std::getenv("AOTVIZ_LAYOUT_DUMP")) std::ofstream(std::string(dir) + "/" + name + ".txt") << text;
  const uint64_t d = fnv1a(text);
  std::printf("golden %s: 0x%016llxull (%zu boxes, %zu edges)\n", name.c_str(), static_cast<unsigned long long>(d),
              l.boxes.size(), l.edges.size());
  return d;
}

struct Captured {
  models::Model model;
  capture::CaptureResult cap;
  partition::PartitionResult part;
};

Captured captureAndPartition(const std::string& name, const models::ModelOptions& options = {}) {
  Captured c{models::buildModel(name, 0, options), {}, {}};
  c.cap = capture::captureGraph(c.model.fn, c.model.inputs);
  c.part = partition::partitionJoint(c.cap.graph, c.cap.numForwardOutputs(), models::parameterIndices(c.model), {});
  return c;
}

// Recorded from the layout before it was split into steps (viz-layout branch, first commit).
constexpr uint64_t kAttnJoint = 0x3f27ce27004b6ba6ull, kAttnOneColumn = 0xbcf1768cfdc1ccbeull,
                   kAttnForwardAnchored = 0xde54d22bee9e5339ull, kAttnBackwardAnchored = 0x0723202ddb049775ull;
constexpr uint64_t kGptCollapsed = 0xb2a51526921009c5ull, kGptOverview = 0xfbd6c8a1dcb47ba1ull,
                   kGptOverviewFacts = 0x5938f3632990c72eull;
constexpr uint64_t kGenerated = 0xa4c3d7082510a4cfull, kGeneratedCollapsed = 0x4a70fccc0e21023full;

TEST(LayoutGolden, AttnBlockJointOneColumnAndAnchoredViews) {
  Captured c = captureAndPartition("attn_block");
  auto joint = layoutGraph(c.cap.graph, {});
  EXPECT_EQ(digestOf("attn_joint", *joint), kAttnJoint);
  LayoutOptions one;
  one.split_joint = false;
  EXPECT_EQ(digestOf("attn_one_column", *layoutGraph(c.cap.graph, one)), kAttnOneColumn);
  LayoutOptions anchored;
  anchored.anchors = anchorsOf(c.cap.graph, *joint);
  EXPECT_EQ(digestOf("attn_forward_anchored", *layoutGraph(c.part.forward, anchored)), kAttnForwardAnchored);
  EXPECT_EQ(digestOf("attn_backward_anchored", *layoutGraph(c.part.backward, anchored)), kAttnBackwardAnchored);
}

TEST(LayoutGolden, GptCollapsedAndOverview) {
  Captured c = captureAndPartition("gpt", {{"layers", 3}, {"seq", 16}, {"width", 64}});
  const ir::Graph& g = c.part.joint;
  LayoutOptions o;
  o.partition = &c.part;
  o.collapsed_scopes = {"h.0", "h.2.attn"};
  EXPECT_EQ(digestOf("gpt_collapsed", *layoutGraph(g, o)), kGptCollapsed);
  o.collapsed_scopes = overviewScopes(g, "");
  EXPECT_EQ(digestOf("gpt_overview", *layoutGraph(g, o)), kGptOverview);
  o.collapsed_scopes = overviewScopes(g, "h.1");
  o.facts = nodeFacts(g, &c.part);
  EXPECT_EQ(digestOf("gpt_overview_h1_facts", *layoutGraph(g, o)), kGptOverviewFacts);
}

TEST(LayoutGolden, GeneratedJointShapedGraph) {
  ir::Graph g = testing::makeJointShapedGraph(3000);
  EXPECT_EQ(digestOf("generated", *layoutGraph(g, {})), kGenerated);
  LayoutOptions o;
  o.collapsed_scopes = childScopes(g, "layers");  // one group per layer and side
  o.max_dummy_span = 6;
  o.sweeps = 2;
  EXPECT_EQ(digestOf("generated_collapsed", *layoutGraph(g, o)), kGeneratedCollapsed);
}

}  // namespace
}  // namespace aotviz::viz
