// core/partition/default_partition.cpp — default_partition (spec §4.2; 1.13: §8.3): the forward stays as the
// user wrote it, and every forward value the backward uses is saved.
#include "core/partition/partitioners.h"

namespace aotviz::partition::detail {

bool hasOverride(const JointView& v, const Options& o, int item, Override kind) {
  if (o.overrides.empty()) return false;
  const Item& it = v.items[item];
  auto f = o.overrides.find(it.name);
  if (f == o.overrides.end() && it.output >= 0) f = o.overrides.find(v.graph.node(it.node).name);
  return f != o.overrides.end() && f->second == kind;
}

Choice defaultPartition(const JointView& v, const Options& o) {
  Choice c;
  c.budget_recompute.assign(v.items.size(), 0);
  for (size_t i = 0; i < v.items.size(); ++i) {
    const Item& it = v.items[i];
    // Current rules: forward nodes by position (the forward-tagged prefix, primals included); 1.13: the nodes of
    // the forward-only extraction (data flow).
    const bool forward = v.rules == Rules::Current ? !it.tangent && !it.backward_tag : v.required_fw[i] != 0;
    if (!forward) continue;
    if (it.tuple) {
      // Current rules consider the getitems one by one (they are forward nodes themselves). 1.13 saves every
      // getitem of a forward multi-output node, forward node or not (e.g. layer_norm's mean and rstd).
      if (v.rules == Rules::Torch113)
        for (int u : it.users) c.saved.push_back(u);
      continue;
    }
    const int idx = static_cast<int>(i);
    if (hasOverride(v, o, idx, Override::MustSave) || it.mutable_op || !hasOverride(v, o, idx, Override::MustRecompute))
      c.saved.push_back(idx);  // unused ones are pruned by the extraction
  }
  return c;
}

}  // namespace aotviz::partition::detail
