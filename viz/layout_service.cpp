// viz/layout_service.cpp — the background layout service (see layout_service.h).
#include "viz/layout_service.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "viz/content_digest.h"
#include "viz/lru_cache.h"

namespace aotviz::viz {

uint64_t layoutKey(const ir::Graph& g, uint64_t graph_digest, const LayoutOptions& o) {
  Hasher h;
  h.add(graph_digest).add(static_cast<uint64_t>(o.split_joint));
  h.addFloat(o.node_h).addFloat(o.rank_gap).addFloat(o.node_gap).addFloat(o.column_gap).addFloat(o.char_w);
  h.addInt(o.sweeps).addInt(o.max_dummy_span);
  h.add(digestOf(o.anchors));
  h.add(static_cast<uint64_t>(o.collapsed_scopes.size()));
  for (const std::string& s : o.collapsed_scopes) h.add(s);
  if (!o.collapsed_scopes.empty()) {  // the group boxes read the partition: through the facts, or directly
    if (const NodeFacts* f = factsFor(g, o)) h.add(1).add(f->digest);
    else h.add(2).add(o.partition ? partitionDigest(*o.partition) : 0);
  }
  return h.value();
}

struct LayoutService::Impl {
  explicit Impl(size_t capacity) : cache(capacity) {}

  mutable std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  // The request being (or to be) computed.
  std::shared_ptr<const ir::Graph> want_graph;
  LayoutOptions want_opts;
  uint64_t want_key = 0;
  bool pending = false, running = false;
  std::atomic<bool> cancel{false};
  std::atomic<float> progress{0};
  LruCache<uint64_t, std::shared_ptr<const Layout>> cache;  // finished layouts by layoutKey
  std::thread worker;

  void run() {
    for (;;) {
      std::shared_ptr<const ir::Graph> g;
      LayoutOptions o;
      uint64_t key = 0;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || pending; });
        if (stop) return;
        g = want_graph;
        o = want_opts;
        key = want_key;
        pending = false;
        running = true;
        cancel = false;
        progress = 0;
      }
      auto layout = layoutGraph(*g, o, &cancel, [&](float p) { progress = p; });
      std::lock_guard<std::mutex> lock(mu);
      running = false;
      if (layout) cache.put(key, std::move(layout));
    }
  }
};

LayoutService::LayoutService(size_t capacity) : impl_(std::make_unique<Impl>(capacity)) {
  impl_->worker = std::thread([this] { impl_->run(); });
}

LayoutService::~LayoutService() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
    impl_->cancel = true;
  }
  impl_->cv.notify_all();
  impl_->worker.join();
}

std::shared_ptr<const Layout> LayoutService::get(const std::shared_ptr<const ir::Graph>& g, const LayoutOptions& opts) {
  if (!g) return nullptr;
  const uint64_t key = layoutKey(*g, digestOf(g), opts);
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto* l = impl_->cache.find(key)) return *l;
  if (impl_->want_key != key || (!impl_->pending && !impl_->running)) {
    if (impl_->running && impl_->want_key != key) impl_->cancel = true;
    impl_->want_graph = g;
    impl_->want_opts = opts;
    impl_->want_key = key;
    impl_->pending = true;
    impl_->cv.notify_all();
  }
  return nullptr;
}

float LayoutService::progress() const { return impl_->progress.load(); }

bool LayoutService::busy() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->pending || impl_->running;
}

size_t LayoutService::cached() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->cache.size();
}

}  // namespace aotviz::viz
