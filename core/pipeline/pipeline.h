// core/pipeline/pipeline.h — the stages as one pipeline with observers. Runs one stage at a time on the calling
// thread (DebugSession runs it on a worker), keeps the live state the next stages need (model, traced functions,
// compiled function) and an immutable snapshot per stage that ran. A restart with a changed config keeps the
// stages before the first affected one (config.h, firstAffectedStage).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/cache/cache.h"
#include "core/pipeline/config.h"
#include "core/pipeline/snapshot.h"
#include "core/pipeline/stages.h"

namespace aotviz::pipeline {

/// Called on the thread that runs the stages. Snapshots are immutable and may be kept and shared.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void before(size_t /*stage_index*/, const StageInfo& /*stage*/) {}
  virtual void after(size_t /*stage_index*/, const SnapshotPtr& /*snapshot*/) {}  // done or skipped
  virtual void failed(size_t /*stage_index*/, const SnapshotPtr& /*snapshot*/, const Diagnostic& /*why*/) {}
};

/// Records each stage's wall time (the pipeline panel's and `--json`'s "stage timings").
class TimingObserver : public Observer {
 public:
  void after(size_t i, const SnapshotPtr& s) override { record(i, s->seconds); }
  void failed(size_t i, const SnapshotPtr& s, const Diagnostic&) override { record(i, s->seconds); }
  const std::vector<double>& seconds() const { return seconds_; }  // per stage index; 0 = not run

 private:
  void record(size_t i, double s) {
    if (seconds_.size() <= i) seconds_.resize(i + 1, 0.0);
    seconds_[i] = s;
  }
  std::vector<double> seconds_;
};

struct LiveState;

class Pipeline {
 public:
  explicit Pipeline(Config config);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  const Config& config() const { return config_; }
  /// Index of the next stage to run; stageList().size() when all ran.
  size_t next() const { return snapshots_.size(); }
  bool finished() const { return next() >= stageList().size(); }
  /// True when the last stage that ran failed; the pipeline then stays there until restart().
  bool halted() const;

  /// Runs the next stage. Returns its snapshot (also when it failed: status Failed, with the diagnostic). Does
  /// nothing and returns nullptr when finished or halted.
  SnapshotPtr runNext();
  /// Runs stages until finished or halted.
  void runAll();

  /// Applies `config`: drops the snapshots (and live state) of the first stage it affects and every later one.
  /// A failed last stage is always dropped, so restart(config()) retries it. `from` drops more: restart(config(), 0)
  /// runs everything again.
  void restart(Config config, size_t from = SIZE_MAX);

  const std::vector<SnapshotPtr>& snapshots() const { return snapshots_; }
  void addObserver(std::shared_ptr<Observer> o) { observers_.push_back(std::move(o)); }
  /// Hit/miss counts of this pipeline's cache (all runs since construction).
  cache::Stats cacheStats() const;

 private:
  Config config_;
  std::vector<SnapshotPtr> snapshots_;
  std::vector<std::shared_ptr<Observer>> observers_;
  std::unique_ptr<LiveState> live_;
};

}  // namespace aotviz::pipeline
