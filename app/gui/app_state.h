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
#include <string>
#include <unordered_map>
#include <vector>

#include "app/gui/requests.h"
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

/// The Pipeline panel's own state.
struct PipelinePanelState {
  int view_stage = -1;  // the stage slider: show the snapshots up to this stage; -1 = the latest
  std::map<pipeline::SnapshotPtr, size_t> snapshot_bytes;  // JSON size of each snapshot, computed once
};

/// The Graph panel's own state (its canvases, tabs, search, module overview and layouts).
struct GraphPanelState {
  int tab = 0;             // 0 joint, 1 forward, 2 backward
  int requested_tab = -1;  // a tab to select programmatically (--tab, a scenario), -1 none
  std::unique_ptr<viz::LayoutService> layouts;
  viz::Canvas canvas;
  bool pending = false;    // the last frame showed "laying out..." instead of the graph
  bool show_heat = false;  // colour nodes by measured time
  /// Forward and backward next to each other (on the Forward/Backward tabs). The right canvas shows the backward
  /// graph; the Inspector follows the canvas clicked last.
  bool side_by_side = false;
  viz::Canvas canvas_right;
  std::shared_ptr<const ir::Graph> right_graph;
  bool inspect_right = false;
  char search[128] = {};
  int focus = 0;  // 0 all, 1 ancestors, 2 descendants of the selection
  std::set<std::string> collapsed_scopes;  // module scopes shown as one box
  /// Module overview: a newly opened model's first joint graph over viz::kOverviewNodes nodes opens collapsed to its
  /// top-level modules; `overview_path` is the module the breadcrumbs show opened ("" = the top level).
  bool overview_pending = true;
  std::string overview_path;
  /// The per-node facts the layouts of the shown graph and partition read (viz::nodeFacts), kept by their content
  /// while modules open and close: a 50k-node graph's expand then lays out in about 14 ms instead of 30.
  viz::NodeFactsCache layout_facts;
  int32_t reveal_node = -1;   // a search hit inside a collapsed group: centred once the opened layout is ready
  int32_t context_node = -1;  // the node whose context menu is open
  char export_path[256] = "graph.svg";
  // Anchors from the joint view's layout, made again when that layout changes (the layout cache keys on content).
  std::shared_ptr<const viz::Layout> anchors_from;
  std::shared_ptr<const viz::Anchors> anchors;
};

/// The Partition panel's own state: the PyTorch comparison, what-if undo/redo and the diff.
struct PartitionPanelState {
  bool draw_pytorch = false;  // a TORCH_TRACE compile: draw PyTorch's partition instead of aotviz's
  /// The node-by-node comparison of computed_partition with pytorch_partition, computed once per pair.
  std::pair<std::shared_ptr<const partition::PartitionResult>, std::shared_ptr<const partition::PartitionResult>> compared;
  std::vector<partition::Moved> compared_moved;
  /// What-if edits (partition overrides) for undo/redo, and the partition before the last one for the diff.
  std::vector<pipeline::Config> undo, redo;
  std::shared_ptr<const partition::PartitionResult> previous_partition, last_partition;
  std::pair<std::shared_ptr<const partition::PartitionResult>, std::shared_ptr<const partition::PartitionResult>> diff_of;
  std::string diff_line;  // the diff of diff_of (previous, last)
};

/// The Memory panel's own state: the live-bytes timeline and the budget sweep.
struct MemoryPanelState {
  ParetoState pareto;
  TimelineState timeline;
  int timeline_depth = 2;     // module path components the peak's saved bytes are summed by
  int requested_tab = -1;     // tab to select once: 0 timeline, 1 budget sweep (--memory-tab, --pareto)
  int pareto_points = 20;     // partitioner runs a sweep may take
  bool pareto_requested = false;  // sweep as soon as there is a partition (--pareto)
};

/// The Execution panel's own state.
struct ExecutionPanelState {
  int iters = 10;  // steps of the next "Run eager vs compiled"
  char trace_path[256] = "trace.json";
};

/// File > Open and File > Save session.
struct FileDialogState {
  bool open_requested = false, save_requested = false;  // open the popup on the next frame
  char path[512] = "", spec[512] = "", out[512] = "session.json";
  std::vector<std::string> recent;  // File > Recent (persisted)
};

struct AppState {
  std::string model;           // built-in model name or .pt path being debugged
  std::string device = "cpu";  // device the compiled graphs run on
  int current_stage = -1;      // index into pipeline::stageList() of the last stage run; -1 = none yet
  int iters = 0;               // execution-stage steps for newly opened models
  /// The pipeline being debugged (runs on its own worker thread); panels read its snapshots and change it only
  /// through requests.
  std::unique_ptr<pipeline::DebugSession> session;
  size_t snapshots_logged = 0;         // snapshots already reported in the log
  std::set<std::string> panel_errors;  // what a panel could not show, logged once each
  NodeTimes node_times;

  // What the Graph panel shows this frame, read by the other panels.
  std::shared_ptr<const ir::Graph> view_graph;  // the graph on the Graph panel (its tab's)
  std::shared_ptr<const partition::PartitionResult> view_partition;  // the partition drawn (latest), any tab
  /// The latest partition snapshot's results, any tab: aotviz's, and PyTorch's own for a TORCH_TRACE compile
  /// (drawn instead of aotviz's while partition_panel.draw_pytorch is on).
  std::shared_ptr<const partition::PartitionResult> computed_partition, pytorch_partition;
  std::shared_ptr<const ir::Graph> joint_graph;  // the graph the partition stage cut (the Joint tab's), any tab

  PipelinePanelState pipeline_panel;
  GraphPanelState graph_panel;
  PartitionPanelState partition_panel;
  MemoryPanelState memory_panel;
  ExecutionPanelState execution_panel;
  FileDialogState dialogs;
  PanelVisibility show;
  std::vector<LogLine> log;
  /// CPU milliseconds from ImGui::NewFrame to ImGui::Render of the latest frames (at most 4096), for --state-out.
  std::vector<float> frame_build_ms;
  bool quit_requested = false;
  /// What the panels asked for this frame, applied in order after they are drawn (applyRequests).
  std::vector<Request> requests;

  void addLog(LogLevel level, std::string stage, std::string text) {
    log.push_back({level, std::move(stage), std::move(text)});
  }
  void request(Request r) { requests.push_back(std::move(r)); }
  /// The snapshots the panels show: all of them, or those up to the Pipeline panel's slider stage when it looks at
  /// an earlier one.
  std::vector<pipeline::SnapshotPtr> visibleSnapshots() const {
    if (!session) return {};
    auto snaps = session->snapshots();
    const int v = pipeline_panel.view_stage;
    if (v >= 0 && static_cast<size_t>(v) + 1 < snaps.size()) snaps.resize(static_cast<size_t>(v) + 1);
    return snaps;
  }
};

}  // namespace aotviz::gui
