// tests/viz/test_layout_cache.cpp — viz's caches: the bounded LRU, content digests (equal content shares, a new
// object at a freed one's address never gets its entries), node facts kept by content, and the layout service's
// keys (a new partition at the same address never gets the old layout).
#include <gtest/gtest.h>

#include <chrono>
#include <new>
#include <optional>
#include <string>
#include <thread>

#include "core/capture/capture.h"
#include "core/models/zoo.h"
#include "core/partition/partition.h"
#include "tests/bench/joint_graph_generator.h"
#include "viz/content_digest.h"
#include "viz/layout_service.h"
#include "viz/lru_cache.h"
#include "viz/node_facts.h"

namespace aotviz::viz {
namespace {

TEST(LruCache, EvictsTheLeastRecentlyUsedEntryAndKeepsTheRest) {
  LruCache<int, std::string> c(3);
  c.put(1, "a");
  c.put(2, "b");
  c.put(3, "c");
  ASSERT_NE(c.find(1), nullptr);  // 1 is now the most recently used; 2 the least
  c.put(4, "d");
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.find(2), nullptr);
  ASSERT_NE(c.find(1), nullptr);
  EXPECT_EQ(*c.find(1), "a");
  EXPECT_EQ(*c.find(3), "c");
  EXPECT_EQ(*c.find(4), "d");
  // Replacing an entry evicts nothing and makes it the most recently used.
  c.put(1, "A");
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(*c.find(1), "A");
  std::vector<int> order;
  c.forEach([&](int k, const std::string&) { order.push_back(k); });
  EXPECT_EQ(order, (std::vector<int>{1, 4, 3}));
  c.put(5, "e");  // 3 is the least recently used now
  EXPECT_FALSE(c.contains(3));
  EXPECT_TRUE(c.contains(1) && c.contains(4) && c.contains(5));
  c.eraseIf([](int k, const std::string&) { return k == 4; });
  EXPECT_EQ(c.size(), 2u);
  EXPECT_FALSE(c.contains(4));
}

struct Captured {
  models::Model model;
  capture::CaptureResult cap;
  partition::PartitionResult part;
};

Captured smallGpt() {
  Captured c{models::buildModel("gpt", 0, {{"layers", 2}, {"seq", 16}, {"width", 64}}), {}, {}};
  c.cap = capture::captureGraph(c.model.fn, c.model.inputs);
  c.part = partition::partitionJoint(c.cap.graph, c.cap.numForwardOutputs(), models::parameterIndices(c.model), {});
  return c;
}

/// The same partition with every saved value 1000 bytes bigger: other group labels, the same graphs.
partition::PartitionResult withBiggerSaves(partition::PartitionResult p) {
  for (auto& s : p.saved) s.bytes += 1000;
  return p;
}

TEST(ContentDigest, EqualContentEqualDigestAndAnyChangeAnother) {
  ir::Graph a = testing::makeJointShapedGraph(300);
  ir::Graph b = a;
  EXPECT_EQ(graphDigest(a), graphDigest(b));
  b.nodes[10].prov.scope = "elsewhere";
  EXPECT_NE(graphDigest(a), graphDigest(b));
  b = a;
  b.nodes[12].name += "_x";
  EXPECT_NE(graphDigest(a), graphDigest(b));
  b = a;
  ir::Node* mm = nullptr;
  for (ir::Node& n : b.nodes)
    if (!mm && n.op == "aten::mm") mm = &n;
  ASSERT_NE(mm, nullptr);
  ASSERT_EQ(mm->args.size(), 2u);
  std::swap(mm->args[0], mm->args[1]);  // the same edges, another argument order
  EXPECT_NE(graphDigest(a), graphDigest(b));

  Anchors x{{"a", {0, 1.5f}}, {"b", {1, 2}}}, y;
  y.reserve(64);  // another bucket count: another iteration order
  y["b"] = {1, 2};
  y["a"] = {0, 1.5f};
  EXPECT_EQ(anchorsDigest(x), anchorsDigest(y));
  y["a"].x = 1.25f;
  EXPECT_NE(anchorsDigest(x), anchorsDigest(y));
}

TEST(ContentDigest, DigestOfAnObjectIsItsContentsAlsoForANewObjectAtAFreedOnesAddress) {
  const ir::Graph ga = testing::makeJointShapedGraph(300), gb = testing::makeJointShapedGraph(400);
  // Both graphs in one buffer, one after the other: the second is at the first's address.
  alignas(ir::Graph) unsigned char buffer[sizeof(ir::Graph)];
  auto destroy = [](const ir::Graph* g) { g->~Graph(); };
  std::shared_ptr<const ir::Graph> pa(new (buffer) ir::Graph(ga), destroy);
  const void* address = pa.get();
  const uint64_t da = digestOf(pa);
  EXPECT_EQ(da, graphDigest(ga));
  EXPECT_EQ(digestOf(pa), da);
  pa.reset();
  std::shared_ptr<const ir::Graph> pb(new (buffer) ir::Graph(gb), destroy);
  ASSERT_EQ(pb.get(), address);
  EXPECT_EQ(digestOf(pb), graphDigest(gb));
  EXPECT_NE(digestOf(pb), da);
  // Objects sharing one owner (a partition and its graphs, as the Graph panel hands them out) keep their own digests.
  auto part = std::make_shared<const partition::PartitionResult>(smallGpt().part);
  std::shared_ptr<const ir::Graph> fw(part, &part->forward), bw(part, &part->backward);
  EXPECT_EQ(static_cast<const void*>(fw.get()), static_cast<const void*>(part.get()));  // the forward graph is first
  EXPECT_EQ(digestOf(fw), graphDigest(part->forward));
  EXPECT_EQ(digestOf(bw), graphDigest(part->backward));
  EXPECT_EQ(digestOf(part), partitionDigest(*part));
  EXPECT_EQ(digestOf(std::shared_ptr<const ir::Graph>()), 0u);
}

TEST(NodeFactsCache, SameContentSameFactsAnotherPartitionOtherFacts) {
  Captured c = smallGpt();
  auto g = std::make_shared<const ir::Graph>(c.part.joint);
  auto p = std::make_shared<const partition::PartitionResult>(c.part);
  NodeFactsCache cache(2);
  auto f = cache.get(g, p);
  ASSERT_TRUE(f);
  EXPECT_EQ(cache.get(g, p), f);
  // Copies of the same content: the same facts.
  auto g_copy = std::make_shared<const ir::Graph>(*g);
  auto p_copy = std::make_shared<const partition::PartitionResult>(*p);
  EXPECT_EQ(cache.get(g_copy, p_copy), f);
  auto bigger = std::make_shared<const partition::PartitionResult>(withBiggerSaves(c.part));
  auto f2 = cache.get(g, bigger);
  ASSERT_TRUE(f2);
  EXPECT_NE(f2->digest, f->digest);
  EXPECT_NE(f2->saved_bytes, f->saved_bytes);
  EXPECT_EQ(cache.get(g, nullptr)->placement, std::vector<int8_t>(g->nodes.size(), -1));
  EXPECT_NE(cache.get(g, p), f) << "evicted (capacity 2), computed again";
}

TEST(LayoutKey, ThePartitionCountsOnlyWhenScopesAreCollapsed) {
  Captured c = smallGpt();
  const ir::Graph& g = c.part.joint;
  const partition::PartitionResult bigger = withBiggerSaves(c.part);
  LayoutOptions a, b;
  a.partition = &c.part;
  b.partition = &bigger;
  const uint64_t d = graphDigest(g);
  EXPECT_EQ(layoutKey(g, d, a), layoutKey(g, d, b)) << "nothing collapsed: the partition is not read";
  a.collapsed_scopes = b.collapsed_scopes = {"h.0"};
  EXPECT_NE(layoutKey(g, d, a), layoutKey(g, d, b));
  a.facts = nodeFacts(g, &c.part);
  b.facts = nodeFacts(g, &bigger);
  EXPECT_NE(layoutKey(g, d, a), layoutKey(g, d, b));
  b.facts = nodeFacts(g, &c.part);
  EXPECT_EQ(layoutKey(g, d, a), layoutKey(g, d, b)) << "equal facts";
  b.node_gap += 1;
  EXPECT_NE(layoutKey(g, d, a), layoutKey(g, d, b));
}

std::shared_ptr<const Layout> waitFor(LayoutService& s, const std::shared_ptr<const ir::Graph>& g,
                                      const LayoutOptions& o) {
  std::shared_ptr<const Layout> l;
  for (int i = 0; i < 4000 && !(l = s.get(g, o)); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return l;
}

std::vector<std::string> groupLabels(const Layout& l) {
  std::vector<std::string> out;
  for (const NodeBox& b : l.boxes)
    if (b.kind == BoxKind::Group) out.push_back(b.label);
  return out;
}

TEST(LayoutService, ANewPartitionAtTheOldOnesAddressNeverGetsTheOldLayout) {
  Captured c = smallGpt();
  auto g = std::make_shared<const ir::Graph>(c.part.joint);
  std::optional<partition::PartitionResult> slot;  // both partitions live here in turn: one address
  slot.emplace(c.part);
  const void* address = &*slot;
  LayoutService s;
  LayoutOptions o;
  o.collapsed_scopes = {"h.0"};
  o.partition = &*slot;
  auto first = waitFor(s, g, o);
  ASSERT_TRUE(first);
  EXPECT_EQ(s.get(g, o), first);
  slot.reset();
  slot.emplace(withBiggerSaves(c.part));
  ASSERT_EQ(static_cast<const void*>(&*slot), address);
  auto second = waitFor(s, g, o);
  ASSERT_TRUE(second);
  EXPECT_NE(second, first);
  EXPECT_NE(groupLabels(*second), groupLabels(*first));
  EXPECT_EQ(groupLabels(*second), groupLabels(*layoutGraph(*g, o)));
  // The same with the facts the Graph panel keeps: facts of the new partition, another layout.
  const partition::PartitionResult part_a = c.part, part_b = *slot;
  o.partition = &part_a;
  o.facts = nodeFacts(*g, &part_a);
  auto with_a = waitFor(s, g, o);
  o.partition = &part_b;
  o.facts = nodeFacts(*g, &part_b);
  auto with_b = waitFor(s, g, o);
  ASSERT_TRUE(with_a && with_b);
  EXPECT_EQ(groupLabels(*with_a), groupLabels(*first));
  EXPECT_EQ(groupLabels(*with_b), groupLabels(*second));
}

TEST(LayoutService, EqualGraphsShareALayoutAndTheCacheIsBounded) {
  auto g = std::make_shared<const ir::Graph>(testing::makeJointShapedGraph(300));
  LayoutService s(2);
  auto l = waitFor(s, g, {});
  ASSERT_TRUE(l);
  EXPECT_EQ(s.get(std::make_shared<const ir::Graph>(*g), {}), l) << "a copy of the graph: the same layout";
  LayoutOptions gap1, gap2;
  gap1.node_gap = 20;
  gap2.node_gap = 30;
  ASSERT_TRUE(waitFor(s, g, gap1));
  EXPECT_EQ(s.get(g, {}), l);  // now the most recently used; gap1 the least
  ASSERT_TRUE(waitFor(s, g, gap2));
  EXPECT_EQ(s.cached(), 2u);
  EXPECT_EQ(s.get(g, {}), l) << "kept";
  EXPECT_EQ(s.get(g, gap1), nullptr) << "evicted: computed again";
  ASSERT_TRUE(waitFor(s, g, gap1));
}

}  // namespace
}  // namespace aotviz::viz
