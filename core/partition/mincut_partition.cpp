// core/partition/mincut_partition.cpp — min_cut_rematerialization_partition (spec §4.3–4.4; 1.13: §8.3).
//
// Note [The flow network]: every item X becomes X_in → X_out with the cost of saving X; X_out → U_in (∞) for each
// user U; source → X_in (∞) bans recomputing X; X_in → sink (∞) forces X into the backward. The minimum cut
// crosses only X_in → X_out edges: those X are saved, everything on the sink side that the backward needs is
// recomputed from them. Max-flow is Boost.Graph's Boykov–Kolmogorov.
// GCC 12 reports a false maybe-uninitialized inside Boost.Graph's edge iterators (boost::optional storage) when
// boykov_kolmogorov_max_flow is instantiated; the warning is in Boost's code, not ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/boykov_kolmogorov_max_flow.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <cmath>
#include <deque>
#include <queue>
#include <set>

#include "core/partition/op_lists.h"
#include "core/partition/partitioners.h"
#include "core/util/diagnostic.h"

namespace aotviz::partition::detail {

namespace {

constexpr int64_t kInf = int64_t(1) << 52;

struct MinCutOptions {
  bool ban_if_used_far_apart = true;
  bool ban_if_long_fusible_chains = true;
  bool ban_if_materialized_backward = true;
  bool ban_if_not_in_allowlist = true;  // false: denylist (random and compute-intensive ops only)
  bool ban_if_reduction = true;
};

struct Solution {
  std::vector<int> saved;
  std::map<int, Rule> banned;
};

class FlowNetwork {
 public:
  explicit FlowNetwork(size_t items) : g_(2 + 2 * items) {}
  static int source() { return 0; }
  static int sink() { return 1; }
  static int in(int item) { return 2 + 2 * item; }
  static int out(int item) { return 3 + 2 * item; }

  void add(int from, int to, int64_t cap) {
    auto e = boost::add_edge(from, to, g_).first;
    auto r = boost::add_edge(to, from, g_).first;
    capacity_[e] = std::min(cap, kInf);
    capacity_[r] = 0;
    reverse_[e] = r;
    reverse_[r] = e;
  }

  /// Max flow, then the source side of the cut. Note [Which minimum cut]: among several minimum cuts, networkx's
  /// minimum_cut (which PyTorch calls) puts on the sink side exactly the vertices that can still reach the sink in
  /// the residual graph, i.e. it picks the cut closest to the sink (save the latest of equally priced values).
  /// We do the same, so ties resolve as in PyTorch.
  std::pair<int64_t, std::vector<char>> minCut() {
    const size_t n = boost::num_vertices(g_);
    std::vector<boost::default_color_type> color(n);
    std::vector<Traits::edge_descriptor> pred(n);
    std::vector<int64_t> dist(n);
    auto idx = boost::get(boost::vertex_index, g_);
    int64_t flow = boost::boykov_kolmogorov_max_flow(
        g_, capacity_, residual_, reverse_, boost::make_iterator_property_map(pred.begin(), idx),
        boost::make_iterator_property_map(color.begin(), idx), boost::make_iterator_property_map(dist.begin(), idx),
        idx, source(), sink());
    // Reverse BFS from the sink over edges u→t with residual capacity.
    std::vector<std::vector<std::pair<size_t, Traits::edge_descriptor>>> incoming(n);
    for (auto [e, end] = boost::edges(g_); e != end; ++e) incoming[boost::target(*e, g_)].push_back({boost::source(*e, g_), *e});
    std::vector<char> to_sink(n, 0);
    std::deque<size_t> q{static_cast<size_t>(sink())};
    to_sink[sink()] = 1;
    while (!q.empty()) {
      size_t t = q.front();
      q.pop_front();
      for (const auto& [u, e] : incoming[t])
        if (!to_sink[u] && residual_[e] > 0) {
          to_sink[u] = 1;
          q.push_back(u);
        }
    }
    std::vector<char> source_side(n);
    for (size_t i = 0; i < n; ++i) source_side[i] = !to_sink[i];
    return {flow, source_side};
  }

  /// A source→sink path of infinite edges, as vertex ids (for the error message).
  std::vector<int> infinitePath() const {
    const size_t n = boost::num_vertices(g_);
    std::vector<int> parent(n, -1);
    std::deque<size_t> q{static_cast<size_t>(source())};
    parent[source()] = source();
    while (!q.empty()) {
      size_t u = q.front();
      q.pop_front();
      for (auto [e, end] = boost::out_edges(u, g_); e != end; ++e) {
        size_t t = boost::target(*e, g_);
        if (parent[t] < 0 && capacity_[*e] >= kInf) {
          parent[t] = static_cast<int>(u);
          q.push_back(t);
        }
      }
    }
    std::vector<int> path;
    if (parent[sink()] < 0) return path;
    for (int v = sink(); v != source(); v = parent[v]) path.push_back(v);
    std::reverse(path.begin(), path.end());
    return path;
  }

 private:
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using G = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, int64_t,
                      boost::property<boost::edge_residual_capacity_t, int64_t,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  G g_;
  boost::property_map<G, boost::edge_capacity_t>::type capacity_ = boost::get(boost::edge_capacity, g_);
  boost::property_map<G, boost::edge_residual_capacity_t>::type residual_ = boost::get(boost::edge_residual_capacity, g_);
  boost::property_map<G, boost::edge_reverse_t>::type reverse_ = boost::get(boost::edge_reverse, g_);
};

class Solver {
 public:
  Solver(const JointView& v, const Options& o) : v_(v), o_(o), ops_(opLists(v.rules)) {}

  Solution solve(const MinCutOptions& mo, const std::set<int>& dont_ban) {
    const size_t n = v_.items.size();
    FlowNetwork net(n);
    Solution sol;
    auto ban = [&](int x, Rule why) {
      if (v_.rules == Rules::Current) {
        if (ops_.isView(v_.items[x].packet) || dont_ban.count(x) || mustRecompute(x)) return;
      }
      if (sol.banned.count(x)) return;
      sol.banned[x] = why;
      net.add(FlowNetwork::source(), FlowNetwork::in(x), kInf);
    };
    for (size_t i = 0; i < n; ++i) {
      const int x = static_cast<int>(i);
      const Item& it = v_.items[i];
      if (v_.required_bw[i]) {
        if (v_.rules == Rules::Current && !v_.tangents_closure[i]) {
          net.add(FlowNetwork::out(x), FlowNetwork::sink(), kInf);
        } else {
          net.add(FlowNetwork::in(x), FlowNetwork::sink(), kInf);
          continue;
        }
      }
      if (mustRecompute(x)) {
        net.add(FlowNetwork::in(x), FlowNetwork::sink(), kInf);
        continue;
      }
      if (it.primal) ban(x, Rule::Input);
      if (v_.required_fw[i])
        if (auto why = shouldBan(x, mo)) ban(x, *why);
      int64_t weight = it.tuple ? kInf : nodeWeight(x);
      net.add(FlowNetwork::in(x), FlowNetwork::out(x), weight);
      for (int u : it.users) net.add(FlowNetwork::out(x), FlowNetwork::in(u), kInf);
    }
    if (v_.rules == Rules::Current) {
      if (mo.ban_if_used_far_apart) banUsedFarApart(sol, ban);
      if (mo.ban_if_long_fusible_chains) banLongChains(sol, ban);
    }
    auto [flow, reach] = net.minCut();
    if (flow >= kInf) infiniteFlowError(net);
    for (size_t i = 0; i < n; ++i)
      if (reach[FlowNetwork::in(static_cast<int>(i))] && !reach[FlowNetwork::out(static_cast<int>(i))])
        sol.saved.push_back(static_cast<int>(i));
    return sol;  // joint order
  }

  int64_t sizeOf(const std::vector<int>& items) const {
    int64_t s = 0;
    for (int i : items) s += v_.bytes(i);
    return s;
  }

  /// estimate_runtime with the "flops" estimator (estimateRuntime); 1 for a placeholder.
  double runtime(int x) const {
    const Item& it = v_.items[x];
    return it.placeholder ? 1 : estimateRuntime(v_.graph, v_.graph.node(it.node));
  }

  bool mustRecompute(int x) const { return hasOverride(v_, o_, x, Override::MustRecompute); }

 private:
  bool fusible(int a, int b) const {
    if (v_.rules == Rules::Current && v_.items[b].packet == "cat") return true;
    return ops_.isFusible(v_.items[a].packet) && ops_.isFusible(v_.items[b].packet);
  }
  /// Whether all users fuse with it; the output node never does.
  bool materialized(int x) const {
    const Item& it = v_.items[x];
    if (it.placeholder || it.output_user) return true;
    // solve_min_cut's is_materialized: PyTorch's joint gives a value autograd saved as its op's output an
    // aten.detach user, which is not fusible (Note [Saved outputs are detached], joint_view.cpp).
    if (v_.detached_by_autograd[x]) return true;
    for (int u : it.users)
      if (!fusible(x, u)) return true;
    return false;
  }
  bool materializedBackwards(int x) const {
    if (ops_.isView(v_.items[x].packet)) return false;
    std::vector<int> cur{x};
    std::set<int> seen{x};
    while (!cur.empty()) {
      int c = cur.back();
      cur.pop_back();
      if (v_.items[c].output_user) return true;  // the output node is not required-fw and fuses with nothing
      // solve_min_cut's is_materialized_backwards: the aten.detach PyTorch's joint has after a value autograd saved
      // as its op's output is a user that is not required in the forward and not fusible, so the value is
      // "materialized in backward" and should_ban_recomputation bans it (Note [Saved outputs are detached]).
      if (v_.detached_by_autograd[c]) return true;
      for (int u : v_.items[c].users) {
        if (!v_.required_fw[u] && !fusible(c, u)) return true;
        if (ops_.isView(v_.items[u].packet) && seen.insert(u).second) cur.push_back(u);
      }
    }
    return false;
  }

  int64_t nodeWeight(int x) const {
    if (v_.rules == Rules::Current && v_.static_input[x]) return 0;  // treat_parameters_as_free_to_save
    double d = static_cast<double>(std::max<int64_t>(std::min<int64_t>(v_.dist_from_bw[x], 100), 1));
    auto mem = static_cast<int64_t>(static_cast<double>(v_.bytes(x)) * std::pow(1.1, d));
    return materialized(x) ? mem : 2 * mem;
  }

  /// A random op: in PyTorch's random list, or any op tagged nondeterministic_seeded (bernoulli, normal…), which
  /// PyTorch bans too since none is in its recomputable list; the rule names the real reason.
  bool random(int x) const {
    const Item& it = v_.items[x];
    return ops_.isRandom(it.packet) || (!it.placeholder && v_.graph.node(it.node).nondeterministic_seeded);
  }

  std::optional<Rule> categoryBan(int x) const {
    const std::string& p = v_.items[x].packet;
    if (ops_.isComputeIntensive(p)) return Rule::BannedComputeIntensive;
    if (random(x)) return Rule::BannedRandom;
    return Rule::BannedNotRecomputable;
  }

  std::optional<Rule> shouldBan(int x, const MinCutOptions& mo) const {
    const Item& it = v_.items[x];
    if (it.placeholder) return std::nullopt;
    const std::string& p = it.packet;
    if (v_.rules == Rules::Torch113) {
      if (!ops_.isRecomputable(p)) return categoryBan(x);
      if (p == "getitem" || it.tuple) return std::nullopt;
      return reduction(x) ? std::optional<Rule>(Rule::BannedReduction) : std::nullopt;
    }
    if (p == "getitem") return std::nullopt;
    if (hasOverride(v_, o_, x, Override::MustSave)) return Rule::OverrideMustSave;
    if (p == "lift_fresh" || p == "lift_fresh_copy") return std::nullopt;
    // Note [Replaying random ops]: with functionalize_rng a random op may be recomputed like a recomputable one;
    // the backward then replays the forward's RNG state (functionalize_rng.h).
    const bool replayable = o_.functionalize_rng && random(x);
    if (mo.ban_if_not_in_allowlist) {
      if (!ops_.isRecomputable(p) && !replayable) return categoryBan(x);
    } else if ((random(x) && !replayable) || ops_.isComputeIntensive(p)) {
      return categoryBan(x);
    }
    if (mo.ban_if_materialized_backward && materializedBackwards(x)) return Rule::BannedMaterializedBackward;
    if (mo.ban_if_reduction && reduction(x)) return Rule::BannedReduction;
    return std::nullopt;
  }

  /// Output over 4x smaller than the tensors it reads directly.
  bool reduction(int x) const {
    const ir::Node& n = v_.graph.node(v_.items[x].node);
    int64_t in = 0;
    for (const ir::Arg& a : n.args)
      if (a.kind == ir::Arg::Kind::Value) in += v_.graph.value(a.value).meta.bytes();
    return v_.bytes(x) * 4 < in;
  }

  template <class Ban>
  void banUsedFarApart(const Solution& sol, Ban& ban) {
    for (size_t i = 0; i < v_.items.size(); ++i) {
      if (!v_.required_fw[i]) continue;
      std::vector<int> fw_users;
      int max_order = -1;
      for (int u : v_.items[i].users)
        if (v_.required_fw[u]) {
          fw_users.push_back(u);
          max_order = std::max(max_order, v_.fw_order[u]);
        }
      if (fw_users.empty()) continue;
      int first_unfusible = firstUnfusible(fw_users, max_order);
      for (int u : v_.items[i].users)
        if (v_.required_fw[u] && v_.fw_order[u] > first_unfusible && fusible(static_cast<int>(i), u) &&
            !sol.banned.count(u))
          ban(u, Rule::BannedUsedFarApart);
    }
  }

  int firstUnfusible(const std::vector<int>& start, int max_range) const {
    using Entry = std::tuple<int, int, bool>;  // fw order, item, fusible with its producer
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> q;
    std::set<Entry> queued;
    for (int s : start) {
      Entry e{v_.fw_order[s], s, true};
      q.push(e);
      queued.insert(e);
    }
    while (!q.empty()) {
      auto [order, node, ok] = q.top();
      q.pop();
      if (!ok) return order;
      for (int u : v_.items[node].users) {
        if (!v_.required_fw[u] || v_.fw_order[u] > max_range) continue;
        Entry e{v_.fw_order[u], u, fusible(node, u)};
        if (queued.insert(e).second) q.push(e);
      }
    }
    return max_range;
  }

  template <class Ban>
  void banLongChains(const Solution& sol, Ban& ban) {
    std::set<int> visited;
    for (size_t s = 0; s < v_.items.size(); ++s) {
      if (!v_.required_fw[s]) continue;
      using Entry = std::pair<int, int>;
      std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> q;
      q.push({v_.fw_order[s], static_cast<int>(s)});
      const int start_order = v_.fw_order[s];
      while (!q.empty()) {
        int cur = q.top().second;
        q.pop();
        if (!visited.insert(cur).second) continue;
        if (v_.fw_order[cur] > start_order + 100 && q.empty()) {
          ban(cur, Rule::BannedLongChain);
          break;
        }
        for (int u : v_.items[cur].users)
          if (v_.required_fw[u] && fusible(cur, u) && !sol.banned.count(u)) q.push({v_.fw_order[u], u});
      }
    }
  }

  [[noreturn]] void infiniteFlowError(const FlowNetwork& net) const {
    std::string path;
    for (int vtx : net.infinitePath()) {
      if (vtx < 2) continue;
      int item = (vtx - 2) / 2;
      if (vtx % 2 == 0) path += (path.empty() ? "" : " -> ") + v_.describe(item);
    }
    fail("partition", "", "the min-cut has an infinite path: a value the backward needs can be neither saved nor "
                          "recomputed (" + path + ")",
         "remove the must-recompute override on a node of that path, or use --partitioner default");
  }

  const JointView& v_;
  const Options& o_;
  const OpLists& ops_;
};

/// 0/1 knapsack over quantized memory (PyTorch's "dp" solver): maximise the runtime of what is saved with memory
/// at most `max_memory`. Returns, per item, whether it is saved.
std::vector<char> knapsack(const std::vector<double>& memory, const std::vector<double>& runtime, double max_memory) {
  constexpr double kScale = 10000;
  const auto cap = static_cast<size_t>(std::llround(std::max(0.0, max_memory) * kScale));
  const size_t n = memory.size();
  std::vector<size_t> q(n);
  for (size_t i = 0; i < n; ++i) q[i] = static_cast<size_t>(std::llround(std::max(0.0, memory[i]) * kScale));
  std::vector<std::vector<double>> dp(n + 1, std::vector<double>(cap + 1, 0));
  for (size_t i = 1; i <= n; ++i)
    for (size_t m = 0; m <= cap; ++m) {
      dp[i][m] = dp[i - 1][m];
      if (q[i - 1] <= m) dp[i][m] = std::max(dp[i][m], dp[i - 1][m - q[i - 1]] + runtime[i - 1]);
    }
  std::vector<char> saved(n, 0);
  size_t m = cap;
  for (size_t i = n; i >= 1; --i)
    if (dp[i][m] != dp[i - 1][m]) {
      saved[i - 1] = 1;
      m -= q[i - 1];
    }
  return saved;
}

}  // namespace

Choice minCutPartition(const JointView& v, const Options& o) {
  Choice c;
  c.budget_recompute.assign(v.items.size(), 0);
  bool any_bw = false;
  for (size_t i = 0; i < v.items.size(); ++i)
    any_bw = any_bw || (v.required_bw[i] && !v.items[i].tangent);
  if (!any_bw) {
    Choice d = defaultPartition(v, o);
    d.used_default = true;
    d.notes.push_back("no node is required by the backward: the min-cut partitioner falls back to the default "
                      "partition, as PyTorch does");
    return d;
  }
  Solver solver(v, o);
  auto finish = [&](Solution s) {
    c.saved = std::move(s.saved);
    c.banned = std::move(s.banned);
    return c;
  };
  if (v.rules == Rules::Torch113) return finish(solver.solve(MinCutOptions{}, {}));

  const double budget = o.memory_budget;
  if (budget <= 0) {
    c.saved = v.primals;
    for (size_t i = 0; i < v.items.size(); ++i) c.budget_recompute[i] = v.required_fw[i] && !v.items[i].placeholder;
    c.notes.push_back("memory budget 0: only inputs are saved, the backward recomputes every forward value it needs");
    return c;
  }
  Solution runtime_optimized = solver.solve(MinCutOptions{}, {});
  if (budget >= 1) return finish(std::move(runtime_optimized));
  const double min_act = static_cast<double>(solver.sizeOf(v.primals));
  const double max_act = static_cast<double>(solver.sizeOf(runtime_optimized.saved));
  if (max_act <= min_act) {
    c.notes.push_back("memory budget: the runtime-optimal cut already saves no more than the inputs");
    return finish(std::move(runtime_optimized));
  }
  auto ratio = [&](const Solution& s) { return (static_cast<double>(solver.sizeOf(s.saved)) - min_act) / (max_act - min_act); };
  MinCutOptions more;
  more.ban_if_used_far_apart = more.ban_if_long_fusible_chains = more.ban_if_materialized_backward = false;
  Solution more_aggressive = solver.solve(more, {});
  if (ratio(more_aggressive) < budget) {
    c.notes.push_back("memory budget met by relaxing the far-apart, long-chain and materialized-backward bans");
    return finish(std::move(more_aggressive));
  }
  MinCutOptions aggr = more;
  aggr.ban_if_not_in_allowlist = false;
  Solution aggressive = solver.solve(aggr, {});
  if (ratio(aggressive) < budget) {
    c.notes.push_back("memory budget met by banning only random and compute-intensive ops from recomputation");
    return finish(std::move(aggressive));
  }
  // Knapsack over the banned nodes the backward needs whose storage is not an input's.
  std::vector<int> candidates;
  for (const auto& [item, rule] : aggressive.banned) {
    if (v.dist_from_bw[item] >= kFar || v.items[item].placeholder || v.aliasesInput(item)) continue;
    if (hasOverride(v, o, item, Override::MustSave)) continue;
    candidates.push_back(item);
  }
  if (candidates.empty()) {
    c.notes.push_back("memory budget cannot be met: no banned node can be recomputed; using the aggressive cut");
    return finish(std::move(aggressive));
  }
  std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) { return v.bytes(a) > v.bytes(b); });
  std::vector<double> memory, runtime;
  for (int i : candidates) {
    memory.push_back(static_cast<double>(v.bytes(i)) / (max_act - min_act));
    runtime.push_back(solver.runtime(i));
  }
  std::vector<char> keep = knapsack(memory, runtime, budget);
  std::set<int> dont_ban;
  for (size_t k = 0; k < candidates.size(); ++k)
    if (!keep[k]) {
      dont_ban.insert(candidates[k]);
      c.budget_recompute[candidates[k]] = 1;
    }
  c.notes.push_back("memory budget " + std::to_string(budget) + ": knapsack over " + std::to_string(candidates.size()) +
                    " banned nodes chose " + std::to_string(dont_ban.size()) + " to recompute");
  return finish(solver.solve(aggr, dont_ban));
}

}  // namespace aotviz::partition::detail
