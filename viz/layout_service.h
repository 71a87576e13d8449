// viz/layout_service.h — layouts computed on a worker thread and cached, for the UI thread to ask for every frame.
#pragma once

#include <memory>

#include "viz/layout.h"

namespace aotviz::viz {

/// Runs layouts on a worker thread and caches finished ones by (graph, options). Request from the UI thread every
/// frame; get() returns the layout once ready.
class LayoutService {
 public:
  LayoutService();
  ~LayoutService();
  LayoutService(const LayoutService&) = delete;
  LayoutService& operator=(const LayoutService&) = delete;

  /// The layout of `g` with `opts`, or nullptr while it is computed (progress() tells how far). Starting another
  /// layout cancels the one in flight. `g` must stay alive while requested (snapshots' graphs are).
  std::shared_ptr<const Layout> get(const std::shared_ptr<const ir::Graph>& g, const LayoutOptions& opts);
  float progress() const;
  bool busy() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aotviz::viz
