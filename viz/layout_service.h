// viz/layout_service.h — layouts computed on a worker thread and kept in a bounded cache, for the UI thread to ask
// for every frame. The cache is keyed by layoutKey: content digests of the graph and of everything else the layout
// reads, never addresses, so a graph or partition made at a freed one's address cannot get the freed one's layout,
// and equal graphs share theirs. When it is full, the least recently used layout goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "viz/layout.h"

namespace aotviz::viz {

/// The cache key of laying out `g`, whose graphDigest is `graph_digest`, with `opts`: a digest of the options, the
/// anchors' content, and (when scopes are collapsed) the node facts or the partition content the layout reads.
uint64_t layoutKey(const ir::Graph& g, uint64_t graph_digest, const LayoutOptions& opts);

class LayoutService {
 public:
  explicit LayoutService(size_t capacity = 32);
  ~LayoutService();
  LayoutService(const LayoutService&) = delete;
  LayoutService& operator=(const LayoutService&) = delete;

  /// The layout of `g` with `opts`, or nullptr while it is computed (progress() tells how far). Starting another
  /// layout cancels the one in flight. What `opts.partition` points to must stay alive while requested (snapshots'
  /// partitions are); the service holds `g`, the anchors and the facts itself while it lays them out.
  std::shared_ptr<const Layout> get(const std::shared_ptr<const ir::Graph>& g, const LayoutOptions& opts);
  float progress() const;
  bool busy() const;
  /// Layouts in the cache (at most the capacity).
  size_t cached() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aotviz::viz
