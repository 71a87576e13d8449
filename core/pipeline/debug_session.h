// core/pipeline/debug_session.h — a stepping debugger over the pipeline: the stages run on a worker thread while
// the caller (the app's UI thread, a test) issues step / continue / run-to-stage / restart and reads snapshots.
// A session loaded from a file has snapshots but no live pipeline: it can be inspected, and restart() runs the
// pipeline again from its config.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/pipeline/pipeline.h"

namespace aotviz::pipeline {

class DebugSession {
 public:
  /// Paused before the first stage; nothing runs until step() or continueRun().
  explicit DebugSession(Config config);
  /// A saved session (loadSession): its snapshots, paused after the last one, without running anything.
  explicit DebugSession(SessionRecord loaded);
  ~DebugSession();  // finishes the stage in progress, drops queued commands
  DebugSession(const DebugSession&) = delete;
  DebugSession& operator=(const DebugSession&) = delete;

  // Commands: queued, run in order on the worker; they return at once.
  void step();                               // run the next stage
  void continueRun();                        // run until a breakpoint, a failure or the end
  void runToStage(const std::string& name);  // run until that stage has run (AotError for unknown names)
  /// Applies a changed config; keeps the snapshots before the first affected stage and pauses there. With
  /// `from_scratch` every snapshot is dropped (the app's Restart).
  void restart(Config config, bool from_scratch = false);

  /// A breakpoint on a stage pauses continueRun() before that stage runs.
  void setBreakpoint(const std::string& stage, bool on);
  std::set<std::string> breakpoints() const;

  /// Blocks until every queued command has finished.
  void wait();
  bool busy() const;

  // State, consistent at any time (copied under the lock).
  std::vector<SnapshotPtr> snapshots() const;
  size_t nextStage() const;  // index of the stage that runs next; stageList().size() at the end
  bool halted() const;       // the last stage failed
  Config config() const;
  bool live() const;         // false for a loaded session not yet restarted
  /// A loaded session whose partition stage re-runs without its model (SessionRecord::repartition): what-if
  /// edits of the partition options work; a change to an earlier stage is refused with a message.
  bool canRepartition() const;
  cache::Stats cacheStats() const;
  /// The last command's failure to start (bad config, unknown stage), "" when none.
  std::string lastError() const;

  /// Observers are called on the worker thread.
  void addObserver(std::shared_ptr<Observer> o);
  SessionRecord record() const;
  void save(const std::filesystem::path& path) const;

 private:
  void enqueue(std::function<void()> cmd);
  void worker();
  void publish();  // copies the pipeline's state for readers; call with mu_ held
  bool stepOnce(); // runs one stage on the worker; false when it cannot

  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<std::function<void()>> queue_;
  bool running_ = false, stop_ = false;
  std::set<std::string> breakpoints_;
  std::vector<std::shared_ptr<Observer>> observers_;  // added to the pipeline when it is built

  // Worker-owned; readers see the published copies below.
  std::unique_ptr<Pipeline> pipeline_;

  Config config_;
  std::vector<SnapshotPtr> snapshots_;
  std::string loaded_torch_version_;
  std::function<SnapshotPtr(const Config&)> repartition_;
  bool halted_ = false;
  cache::Stats cache_stats_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace aotviz::pipeline
