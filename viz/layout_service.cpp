// viz/layout_service.cpp — the background layout service (see layout_service.h).
#include "viz/layout_service.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace aotviz::viz {


struct LayoutService::Impl {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  // The request being (or to be) computed.
  std::shared_ptr<const ir::Graph> want_graph;
  LayoutOptions want_opts;
  std::string want_key;
  bool pending = false, running = false;
  std::atomic<bool> cancel{false};
  std::atomic<float> progress{0};
  // Finished layouts by key; the graph is kept alive so its address stays unique.
  std::map<std::string, std::pair<std::shared_ptr<const ir::Graph>, std::shared_ptr<const Layout>>> cache;
  std::thread worker;

  static std::string keyOf(const ir::Graph* g, const LayoutOptions& o) {
    std::ostringstream k;
    k << static_cast<const void*>(g) << '#' << o.key();
    return k.str();
  }

  void run() {
    for (;;) {
      std::shared_ptr<const ir::Graph> g;
      LayoutOptions o;
      std::string key;
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
      if (layout) {
        if (cache.size() > 32) cache.clear();
        cache[key] = {g, layout};
      }
    }
  }
};

LayoutService::LayoutService() : impl_(std::make_unique<Impl>()) {
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
  const std::string key = Impl::keyOf(g.get(), opts);
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->cache.find(key);
  if (it != impl_->cache.end()) return it->second.second;
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

}  // namespace aotviz::viz
