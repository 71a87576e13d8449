// core/partition/memory_timeline.cpp — live bytes node by node (the interpreter's accounting, predicted from the
// graphs alone), the forward+backward timeline of a partition, and what is live at its peak.
#include "core/partition/memory_timeline.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/ir/op_registry.h"

namespace aotviz::partition {

namespace {

/// Walks a graph in order, holding each storage from the node that makes it until the last use of every value on
/// it (graph outputs and unused placeholders to the end, unused call outputs not past their node).
class LiveWalk {
 public:
  explicit LiveWalk(const ir::Graph& g) : g_(g), last_use_(g.values.size(), -1), root_(g.values.size(), -1),
                                          refs_(g.values.size(), 0) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const ir::Node& n = g.nodes[i];
      if (n.kind == ir::NodeKind::Output) break;
      forEachValueArg(n, [&](ir::ValueId v) { last_use_[static_cast<size_t>(v.v)] = static_cast<int>(i); });
      if (n.kind == ir::NodeKind::Call)
        for (ir::ValueId v : n.outputs)
          if (last_use_[static_cast<size_t>(v.v)] == -1) last_use_[static_cast<size_t>(v.v)] = static_cast<int>(i);
    }
    if (const ir::Node* out = g.outputNode()) forEachValueArg(*out, [&](ir::ValueId v) { last_use_[v.v] = kForever; });
    for (const ir::Node& n : g.nodes)
      if (n.kind == ir::NodeKind::Placeholder)
        for (ir::ValueId v : n.outputs)
          if (last_use_[static_cast<size_t>(v.v)] == -1) last_use_[static_cast<size_t>(v.v)] = kForever;
  }

  /// Runs node i: defines its outputs (`during` is the bytes held then), then releases what it used last.
  void step(size_t i) {
    released_.clear();
    const ir::Node& n = g_.nodes[i];
    if (n.kind == ir::NodeKind::Output) return;
    const ir::SchemaInfo* s = n.kind == ir::NodeKind::Call ? ir::lookupSchema(n.op, n.overload) : nullptr;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const size_t v = static_cast<size_t>(n.outputs[k].v);
      int base = -1;
      if (s) {
        const auto& rets = s->handle.schema().returns();
        const size_t r = k < rets.size() ? k : 0;
        if (!rets.empty() && rets[r].alias_info()) base = firstTensorArg(n);
      }
      root_[v] = base >= 0 ? root_[static_cast<size_t>(base)] : static_cast<int>(v);
      if (root_[v] < 0) root_[v] = static_cast<int>(v);  // aliases a value the walk never held
      if (refs_[static_cast<size_t>(root_[v])]++ == 0) live_ += g_.values[static_cast<size_t>(root_[v])].meta.bytes();
    }
    during_ = live_;
    auto release = [&](ir::ValueId v) {
      if (last_use_[static_cast<size_t>(v.v)] != static_cast<int>(i)) return;
      last_use_[static_cast<size_t>(v.v)] = kReleased;
      const size_t r = static_cast<size_t>(root_[static_cast<size_t>(v.v)]);
      if (--refs_[r] == 0) {
        live_ -= g_.values[r].meta.bytes();
        released_.push_back(r);
      }
    };
    forEachValueArg(n, release);
    for (ir::ValueId v : n.outputs) release(v);
  }

  int64_t live() const { return live_; }
  int64_t during() const { return during_; }
  /// The value whose storage `v` lives on (v itself unless it is a view or an in-place result).
  size_t rootOf(ir::ValueId v) const { return static_cast<size_t>(root_[static_cast<size_t>(v.v)]); }
  /// The storages the last step released, by their defining value.
  const std::vector<size_t>& released() const { return released_; }
  /// The storages held now, each named by the value that defined it.
  std::vector<ir::ValueId> held() const {
    std::vector<ir::ValueId> out;
    for (size_t r = 0; r < refs_.size(); ++r)
      if (refs_[r] > 0) out.push_back(ir::ValueId(static_cast<int32_t>(r)));
    return out;
  }

 private:
  static constexpr int kForever = -2, kReleased = -3;

  template <typename F>
  static void forEachValueArg(const ir::Node& n, F&& f) {
    for (const ir::Arg& a : n.args) {
      if (a.kind == ir::Arg::Kind::Value && a.value.valid()) f(a.value);
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId v : a.values)
          if (v.valid()) f(v);
    }
  }
  static int firstTensorArg(const ir::Node& n) {
    for (const ir::Arg& a : n.args)
      if (a.kind == ir::Arg::Kind::Value && a.value.valid()) return a.value.v;
    return -1;
  }

  const ir::Graph& g_;
  std::vector<int> last_use_, root_, refs_;
  std::vector<size_t> released_;
  int64_t live_ = 0, during_ = 0;
};

}  // namespace

int64_t backwardPeakBytes(const ir::Graph& bw) {
  LiveWalk w(bw);
  int64_t peak = 0;
  for (size_t i = 0; i < bw.nodes.size(); ++i) {
    w.step(i);
    peak = std::max(peak, w.during());
  }
  return peak;
}

namespace {

/// One graph run of the timeline: the walk plus which held storages carry a saved value.
struct SavedWalk {
  SavedWalk(const ir::Graph& g, const std::unordered_map<std::string, const SavedValue*>& saved)
      : g(g), saved(saved), walk(g), root_saved(g.values.size(), 0) {}
  void step(size_t i) {
    walk.step(i);
    for (ir::ValueId v : g.nodes[i].outputs) {
      if (!saved.count(g.value(v).name)) continue;
      const size_t r = walk.rootOf(v);
      if (!root_saved[r]) saved_live += g.values[r].meta.bytes();
      root_saved[r] = 1;
    }
    for (size_t r : walk.released())
      if (root_saved[r]) {
        saved_live -= g.values[r].meta.bytes();
        root_saved[r] = 0;
      }
  }
  const ir::Graph& g;
  const std::unordered_map<std::string, const SavedValue*>& saved;
  LiveWalk walk;
  std::vector<char> root_saved;
  int64_t saved_live = 0;
};

}  // namespace

MemoryTimeline predictMemoryTimeline(const PartitionResult& r) {
  MemoryTimeline t;
  std::unordered_map<std::string, const SavedValue*> saved;
  for (const SavedValue& s : r.saved) saved.emplace(s.name, &s);
  // The module of a value: the node that computed it, the forward's first (a saved value's backward placeholder
  // carries none). A graph input without one (a parameter) takes its first user's, as the module overview puts it
  // in that box.
  std::unordered_map<std::string, std::string> scope_of;
  for (const ir::Graph* g : {&r.forward, &r.backward}) {
    auto unscopedInput = [&](ir::ValueId v) {
      const ir::Node& p = g->node(g->value(v).producer);
      return p.kind == ir::NodeKind::Placeholder && p.prov.scope.empty();
    };
    for (const ir::Value& v : g->values)
      if (!unscopedInput(v.id)) scope_of.emplace(v.name, g->node(v.producer).prov.scope);
    for (const ir::Node& n : g->nodes)
      for (const ir::Arg& a : n.args)
        if (a.kind == ir::Arg::Kind::Value && a.value.valid() && !n.prov.scope.empty() && unscopedInput(a.value))
          scope_of.emplace(g->value(a.value).name, n.prov.scope);
  }

  size_t peak_node = 0;  // the peak's node index in its graph
  for (const ir::Graph* g : {&r.forward, &r.backward}) {
    const bool backward = g == &r.backward;
    SavedWalk w(*g, saved);
    for (size_t i = 0; i < g->nodes.size(); ++i) {
      const ir::Node& n = g->nodes[i];
      if (n.kind == ir::NodeKind::Output) continue;
      w.step(i);
      TimelinePoint p;
      p.backward = backward;
      p.node = n.name;
      p.op = n.kind == ir::NodeKind::Call ? n.qualifiedOp() : "";
      p.scope = n.prov.scope;
      p.live_bytes = w.walk.live();
      p.saved_bytes = w.saved_live;
      if (t.points.empty() || p.live_bytes > t.points[t.peak].live_bytes) {
        t.peak = t.points.size();
        peak_node = i;
      }
      t.points.push_back(std::move(p));
    }
    if (!backward) t.forward_points = t.points.size();
  }
  if (t.points.empty()) return t;

  // What is held at the peak: walk its graph again up to that node.
  const ir::Graph& g = t.points[t.peak].backward ? r.backward : r.forward;
  SavedWalk w(g, saved);
  for (size_t i = 0; i <= peak_node; ++i) w.step(i);
  std::map<std::string, ModuleBytes> by_module;
  for (ir::ValueId v : w.walk.held()) {
    const ir::Value& val = g.value(v);
    LiveValue lv;
    lv.name = val.name;
    lv.bytes = val.meta.bytes();
    auto sc = scope_of.find(val.name);
    lv.scope = sc != scope_of.end() ? sc->second : "";
    if (w.root_saved[static_cast<size_t>(v.v)]) {
      lv.saved = true;
      auto it = saved.find(val.name);
      lv.kind = it != saved.end() ? it->second->kind : "view_base";
      t.saved_at_peak += lv.bytes;
      ModuleBytes& m = by_module[lv.scope];
      m.scope = lv.scope;
      m.bytes += lv.bytes;
      m.activation_bytes += lv.kind == "activation" ? lv.bytes : 0;
      ++m.values;
    }
    t.at_peak.push_back(std::move(lv));
  }
  std::stable_sort(t.at_peak.begin(), t.at_peak.end(),
                   [](const LiveValue& a, const LiveValue& b) { return a.bytes > b.bytes; });
  for (auto& [scope, m] : by_module) t.saved_by_module.push_back(m);
  std::stable_sort(t.saved_by_module.begin(), t.saved_by_module.end(),
                   [](const ModuleBytes& a, const ModuleBytes& b) { return a.bytes > b.bytes; });
  return t;
}

}  // namespace aotviz::partition
