// core/partition/memory_timeline.h — live bytes over one training step as a partition predicts them: the forward
// graph run node by node, then the backward, each value held from its definition to its last use (graph outputs,
// among them the saved values, to the end of their run), storages shared by views counted once. The accounting is
// the interpreter's (core/compile/interpreter.h NodeTiming::live_bytes), so the execution stage's measured bytes
// can be drawn on the same axis. Also: which values are live at the peak, and from which modules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ir/graph.h"
#include "core/partition/partition.h"

namespace aotviz::partition {

struct TimelinePoint {
  bool backward = false;  // in the backward graph (else the forward)
  std::string node;       // the node's name in its graph (the joint node's name)
  std::string op;         // "aten::mm"; "" for placeholders
  std::string scope;      // module scope of the node ("" when unknown)
  int64_t live_bytes = 0;   // held just after the node
  int64_t saved_bytes = 0;  // of live_bytes, the saved values (forward: produced so far; backward: not yet freed)
};

struct LiveValue {
  std::string name;   // value name (a saved value's name is its backward placeholder's)
  std::string scope;  // module scope of the forward node that computed it, or of a graph input's first user
  int64_t bytes = 0;
  bool saved = false;  // one of the partition's saved values
  std::string kind;    // a saved value's SavedValue::kind, "view_base" for a storage a saved view lives on; "" otherwise
};

struct ModuleBytes {
  std::string scope;  // "" = outside any module (graph inputs, top-level ops)
  int64_t bytes = 0;
  int64_t activation_bytes = 0;  // of bytes, the values of kind "activation" (not inputs or their views)
  size_t values = 0;
};

struct MemoryTimeline {
  std::vector<TimelinePoint> points;  // the forward's nodes in order, then the backward's (output nodes left out)
  size_t forward_points = 0;          // points[0, forward_points) are the forward's
  size_t peak = 0;                    // index of the highest point (the first one on a tie)
  std::vector<LiveValue> at_peak;     // every value held at the peak, largest first
  int64_t saved_at_peak = 0;          // bytes of the saved values among them
  /// The saved values held at the peak summed by the module that computed them, largest first.
  std::vector<ModuleBytes> saved_by_module;
};

/// The timeline of `r`'s forward then backward graphs. Empty (no points) for a partition without graphs.
MemoryTimeline predictMemoryTimeline(const PartitionResult& r);

}  // namespace aotviz::partition
