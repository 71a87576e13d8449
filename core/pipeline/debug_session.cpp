// core/pipeline/debug_session.cpp — the worker thread and its command queue.
#include "core/pipeline/debug_session.h"

#include "core/util/diagnostic.h"

namespace aotviz::pipeline {

DebugSession::DebugSession(Config config) : config_(std::move(config)) {
  pipeline_ = std::make_unique<Pipeline>(config_);
  thread_ = std::thread([this] { worker(); });
}

DebugSession::DebugSession(SessionRecord loaded)
    : config_(std::move(loaded.config)),
      snapshots_(std::move(loaded.snapshots)),
      loaded_torch_version_(std::move(loaded.torch_version)),
      repartition_(std::move(loaded.repartition)) {
  halted_ = !snapshots_.empty() && snapshots_.back()->status == StageStatus::Failed;
  thread_ = std::thread([this] { worker(); });
}

DebugSession::~DebugSession() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

void DebugSession::enqueue(std::function<void()> cmd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(cmd));
  }
  cv_.notify_all();
}

void DebugSession::worker() {
  for (;;) {
    std::function<void()> cmd;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      cmd = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
      last_error_.clear();
    }
    try {
      cmd();
    } catch (const std::exception& e) {  // a command that could not start (bad config): the pipeline is unchanged
      std::lock_guard<std::mutex> lock(mu_);
      last_error_ = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = false;
      if (queue_.empty()) idle_cv_.notify_all();
    }
  }
}

void DebugSession::publish() {
  if (!pipeline_) return;
  config_ = pipeline_->config();
  snapshots_ = pipeline_->snapshots();
  halted_ = pipeline_->halted();
  cache_stats_ = pipeline_->cacheStats();
}

bool DebugSession::stepOnce() {
  if (!pipeline_) return false;  // a loaded session: restart() first
  SnapshotPtr s = pipeline_->runNext();
  std::lock_guard<std::mutex> lock(mu_);
  publish();
  return s != nullptr && s->status != StageStatus::Failed;
}

void DebugSession::step() {
  enqueue([this] { stepOnce(); });
}

void DebugSession::continueRun() {
  enqueue([this] {
    bool first = true;
    while (pipeline_ && !pipeline_->finished()) {
      if (!first) {
        std::lock_guard<std::mutex> lock(mu_);
        if (breakpoints_.count(stageList()[pipeline_->next()].name)) return;
      }
      first = false;
      if (!stepOnce()) return;
    }
  });
}

void DebugSession::runToStage(const std::string& name) {
  const size_t target = index(parseStage(name));
  enqueue([this, target] {
    while (pipeline_ && pipeline_->next() <= target)
      if (!stepOnce()) return;
  });
}

void DebugSession::restart(Config config, bool from_scratch) {
  enqueue([this, from_scratch, config = std::move(config)]() mutable {
    if (!pipeline_ && repartition_) {
      // A TORCH_TRACE compile: its capture is PyTorch's, so only the partition stage can run again.
      const size_t at = index(StageId::Partition);
      if (from_scratch || firstAffectedStage(config_, config) < index(StageId::Cache))
        fail("pipeline", config.model,
             "this session is PyTorch's own compile read from its TORCH_TRACE logs: only the partition options "
             "(partitioner, budget, overrides, random ops) can change",
             "open the trace again to start over, or run the model itself with aotviz");
      SnapshotPtr part = repartition_(config);
      std::lock_guard<std::mutex> lock(mu_);
      if (snapshots_.size() > at) snapshots_.resize(at);
      snapshots_.push_back(std::move(part));
      config_ = std::move(config);
      halted_ = snapshots_.back()->status == StageStatus::Failed;
      return;
    }
    if (!pipeline_) {
      // A loaded session runs again from scratch: its live state was never in this process.
      auto p = std::make_unique<Pipeline>(config);
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& o : observers_) p->addObserver(o);
      pipeline_ = std::move(p);
    } else {
      pipeline_->restart(config, from_scratch ? 0 : SIZE_MAX);
    }
    std::lock_guard<std::mutex> lock(mu_);
    publish();
  });
}

void DebugSession::setBreakpoint(const std::string& stage, bool on) {
  (void)parseStage(stage);
  std::lock_guard<std::mutex> lock(mu_);
  if (on) breakpoints_.insert(stage);
  else breakpoints_.erase(stage);
}

std::set<std::string> DebugSession::breakpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  return breakpoints_;
}

void DebugSession::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !running_; });
}

bool DebugSession::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ || !queue_.empty();
}

std::vector<SnapshotPtr> DebugSession::snapshots() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshots_;
}

size_t DebugSession::nextStage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshots_.size();
}

bool DebugSession::halted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return halted_;
}

Config DebugSession::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

bool DebugSession::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pipeline_ != nullptr;
}

bool DebugSession::canRepartition() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !pipeline_ && repartition_ != nullptr;
}

cache::Stats DebugSession::cacheStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_stats_;
}

std::string DebugSession::lastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void DebugSession::addObserver(std::shared_ptr<Observer> o) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    observers_.push_back(o);
  }
  // The pipeline is only touched by the worker; a loaded session gets its observers when restart() builds one.
  enqueue([this, o] {
    if (pipeline_) pipeline_->addObserver(o);
  });
}

SessionRecord DebugSession::record() const {
  std::lock_guard<std::mutex> lock(mu_);
  // A loaded session keeps the LibTorch it was computed with until a restart computes it here.
  return SessionRecord{config_, snapshots_, pipeline_ ? std::string() : loaded_torch_version_, {}};
}

void DebugSession::save(const std::filesystem::path& path) const { saveSession(record(), path); }

}  // namespace aotviz::pipeline
