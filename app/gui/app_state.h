// app/gui/app_state.h — what the GUI shows and remembers between frames. UI state only: model data lives in
// core's snapshots, which panels read and never own.
#pragma once

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

#include "core/partition/memory_timeline.h"
#include "core/partition/pareto.h"
#include "core/pipeline/debug_session.h"
#include "viz/canvas.h"
#include "viz/layout.h"
#include "viz/layout_service.h"

namespace aotviz::gui {

enum class LogLevel { Info, Warning, Error };

struct LogLine {
  LogLevel level = LogLevel::Info;
  std::string stage;
  std::string text;
};

struct PanelVisibility {
  bool pipeline = true, graph = true, inspector = true, metadata = true, partition = true, memory = true, execution = true,
       log = true;
  bool memory_wide = false;  // the Memory panel under the Graph panel, as wide as it (View menu, --memory-wide)
};

/// The Memory panel's budget sweep (partition::paretoSweep), run on a worker thread.
struct ParetoState {
  std::shared_ptr<const ir::Graph> graph;                // the joint graph swept
  std::shared_ptr<const partition::PartitionResult> of;  // the partition whose options it swept with
  std::future<partition::ParetoSweep> running;
  std::shared_ptr<std::atomic<float>> progress;
  std::optional<partition::ParetoSweep> result;
  std::string error;
  int frames_drawn = 0;  // frames the result's plot has been drawn (ImPlot fits its axes a frame later)
  /// Measured compiled step times of the partitions executed on this joint graph: saved bytes → median ms.
  std::map<int64_t, double> measured_ms;
  std::shared_ptr<const ir::Graph> measured_graph;  // the joint graph measured_ms belongs to
};

/// Per-node times of the execution stage's profiled step, parsed once per execution snapshot (the Chrome trace
/// holds one event per node and graph run).
struct NodeTimes {
  pipeline::SnapshotPtr from;  // the execution snapshot they were read from
  std::map<std::string, std::unordered_map<std::string, double>> by_track;  // "forward"/"backward"/"" → node → µs
  std::unordered_map<std::string, double> first;  // node → µs of its first event
  /// Bytes the interpreter held just after each node of the step's first forward and backward runs (0 forward,
  /// 1 backward), node → bytes: the Memory panel's measured timeline.
  std::unordered_map<std::string, int64_t> live_bytes[2];
  double step_ms = 0;  // the compiled side's median step time in that execution snapshot
};

/// The Memory panel's live-bytes timeline of the drawn partition (partition::predictMemoryTimeline), computed once
/// per partition; the measured line is matched to it by node name.
struct TimelineState {
  std::shared_ptr<const partition::PartitionResult> of;
  pipeline::SnapshotPtr measured_from;  // the execution snapshot the measured line was read from
  partition::MemoryTimeline timeline;
  std::vector<double> x, predicted, saved, measured_x, measured;  // MiB; x = node position in the step
};

struct AppState {
  std::string model;           // built-in model name or .pt path being debugged
  std::string device = "cpu";  // device the compiled graphs run on
  int current_stage = -1;      // index into pipeline::stageList() of the last stage run; -1 = none yet
  int graph_tab = 0;           // 0 joint, 1 forward, 2 backward
  int requested_tab = -1;      // a tab to select programmatically (--tab), -1 none
  int view_stage = -1;         // Pipeline panel's slider: show the snapshots up to this stage; -1 = the latest
  std::map<pipeline::SnapshotPtr, size_t> snapshot_bytes;  // JSON size of each snapshot, computed once
  NodeTimes node_times;
  /// The pipeline being debugged (runs on its own worker thread); panels read its snapshots.
  std::unique_ptr<pipeline::DebugSession> session;
  std::unique_ptr<viz::LayoutService> layouts;
  viz::Canvas canvas;
  size_t snapshots_logged = 0;  // snapshots already reported in the log
  bool graph_pending = false;
  bool show_heat = false;       // Graph panel: colour nodes by measured time
  /// Graph panel: forward and backward next to each other (on the Forward/Backward tabs). The right canvas shows the
  /// backward graph; the Inspector follows the canvas clicked last.
  bool side_by_side = false;
  viz::Canvas canvas_right;
  std::shared_ptr<const ir::Graph> right_graph;
  bool inspect_right = false;
  int iters = 0;                // execution-stage steps for newly opened models   // the last frame showed "laying out..." instead of the graph
  char search[128] = {};
  std::vector<std::string> recent;  // File > Recent (persisted)
  bool open_dialog = false, save_dialog = false;
  std::set<std::string> collapsed_scopes;  // Graph panel: module scopes shown as one box
  std::set<std::string> panel_errors;      // what a panel could not show, logged once each
  /// Module overview: a newly opened model's first joint graph over viz::kOverviewNodes nodes opens collapsed to its
  /// top-level modules; `overview_path` is the module the breadcrumbs show opened ("" = the top level).
  bool overview_pending = true;
  std::string overview_path;
  /// The per-node facts the layouts of the shown graph and partition read (viz::nodeFacts), kept by their content
  /// while modules open and close: a 50k-node graph's expand then lays out in about 14 ms instead of 30.
  viz::NodeFactsCache layout_facts;
  int32_t reveal_node = -1;  // a search hit inside a collapsed group: centred once the opened layout is ready
  /// The graph on the Graph panel this frame (and its partition when it is the joint graph), for the Inspector.
  std::shared_ptr<const ir::Graph> view_graph;
  std::shared_ptr<const partition::PartitionResult> view_partition;  // the partition drawn (latest), any tab
  /// The latest partition snapshot's results, any tab: aotviz's, and PyTorch's own for a TORCH_TRACE compile
  /// (drawn instead of aotviz's while draw_pytorch_partition is on).
  std::shared_ptr<const partition::PartitionResult> computed_partition, pytorch_partition;
  std::shared_ptr<const ir::Graph> joint_graph;  // the graph the partition stage cut (the Joint tab's), any tab
  ParetoState pareto;
  TimelineState timeline;
  int timeline_depth = 2;  // Memory panel: module path components the peak's saved bytes are summed by
  int requested_memory_tab = -1;  // Memory panel tab to select once: 0 timeline, 1 budget sweep (--memory-tab, --pareto)
  int pareto_points = 20;  // partitioner runs a sweep may take
  bool pareto_requested = false;  // sweep as soon as there is a partition (--pareto)
  bool draw_pytorch_partition = false;
  /// The Partition panel's node-by-node comparison of computed_partition with pytorch_partition, computed once per pair.
  std::pair<std::shared_ptr<const partition::PartitionResult>, std::shared_ptr<const partition::PartitionResult>> compared;
  std::vector<partition::Moved> compared_moved;
  /// What-if edits (partition overrides) for undo/redo, and the partition before the last one for the diff.
  std::vector<pipeline::Config> undo, redo;
  std::shared_ptr<const partition::PartitionResult> previous_partition, last_partition;
  std::pair<std::shared_ptr<const partition::PartitionResult>, std::shared_ptr<const partition::PartitionResult>> diff_of;
  std::string diff_line;  // the Partition panel's diff of diff_of (previous, last)
  int32_t context_node = -1;               // the node whose context menu is open
  char export_path[256] = "graph.svg";
  // Anchors from the joint view's layout, made again when that layout changes (the layout cache keys on content).
  std::shared_ptr<const viz::Layout> anchors_from;
  std::shared_ptr<const viz::Anchors> anchors;
  PanelVisibility show;
  std::vector<LogLine> log;
  bool quit_requested = false;

  void addLog(LogLevel level, std::string stage, std::string text) {
    log.push_back({level, std::move(stage), std::move(text)});
  }
  /// Re-runs the pipeline with `config` (keeping unaffected stages) up to the last stage that had run, or to
  /// `at_least` if later. What-if edits and the Execution panel use it.
  void rerun(const pipeline::Config& config, std::optional<pipeline::StageId> at_least = std::nullopt) {
    if (!session) return;
    const size_t ran = session->nextStage();
    session->restart(config);
    size_t target = ran == 0 ? 0 : ran - 1;
    if (at_least) target = std::max(target, pipeline::index(*at_least));
    session->runToStage(pipeline::stageList()[target].name);
  }
  /// The snapshots the panels show: all of them, or those up to `view_stage` when the Pipeline panel's stage slider
  /// looks at an earlier one.
  std::vector<pipeline::SnapshotPtr> visibleSnapshots() const {
    if (!session) return {};
    auto snaps = session->snapshots();
    if (view_stage >= 0 && static_cast<size_t>(view_stage) + 1 < snaps.size()) snaps.resize(static_cast<size_t>(view_stage) + 1);
    return snaps;
  }
  /// A partition what-if edit: remembered for undo, then re-run.
  void whatIf(const pipeline::Config& config) {
    if (!session) return;
    undo.push_back(session->config());
    redo.clear();
    rerun(config, pipeline::StageId::Partition);
  }
};

}  // namespace aotviz::gui
