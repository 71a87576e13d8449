// app/gui/test_hooks.cpp — the state JSON and the screenshot of a scripted GUI run.
#include "app/gui/test_hooks.h"

#include <GLFW/glfw3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <vector>

#include "core/execution/report.h"
#include "core/pipeline/stage_results.h"
#include "core/pipeline/stages.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"

namespace aotviz::gui {

nlohmann::json stateJson(const AppState& s) {
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& sn : s.session->snapshots()) stages[pipeline::stageName(sn->stage)] = pipeline::stageStatusName(sn->status);
  nlohmann::json j = {{"model", s.model},
                      {"stage", s.current_stage < 0 ? "" : pipeline::stageList()[static_cast<size_t>(s.current_stage)].name},
                      {"stages", stages},
                      {"graph_tab", s.graph_panel.tab},
                      {"log_lines", s.log.size()},
                      {"errors", nlohmann::json::array()}};
  for (const auto& l : s.log)
    if (l.level == LogLevel::Error) j["errors"].push_back(l.text);
  const bool right = s.graph_panel.side_by_side && s.graph_panel.inspect_right && s.graph_panel.right_graph;
  const int32_t sel = right ? s.graph_panel.canvas_right.selected() : s.graph_panel.canvas.selected();
  const ir::Graph* shown = right ? s.graph_panel.right_graph.get() : s.view_graph.get();
  j["side_by_side"] = s.graph_panel.side_by_side;
  j["memory_wide"] = s.show.memory_wide;
  if (shown && sel >= 0 && sel < static_cast<int32_t>(shown->nodes.size())) {
    const ir::Node& n = shown->nodes[static_cast<size_t>(sel)];
    nlohmann::json ins = {{"node", n.name}, {"op", n.kind == ir::NodeKind::Call ? n.qualifiedOp() : ""}};
    if (s.view_partition)
      for (const auto& d : s.view_partition->nodes)
        if (d.name == n.name) ins["placement"] = partition::placementName(d.placement);
    j["inspector"] = ins;
  }
  if (s.view_graph) j["graph_nodes"] = s.view_graph->nodes.size();
  j["collapsed_scopes"] = s.graph_panel.collapsed_scopes;
  j["overview_path"] = s.graph_panel.overview_path;
  auto totals = [](const partition::PartitionResult& p) {
    return nlohmann::json{{"saved", p.saved.size()}, {"saved_bytes", p.totals.saved_bytes}, {"recomputed", p.totals.recomputed_nodes}};
  };
  if (s.view_partition) j["partition"] = totals(*s.view_partition);
  if (s.pytorch_partition) {
    j["pytorch_partition"] = totals(*s.pytorch_partition);
    j["drawn_partition"] = s.view_partition == s.pytorch_partition ? "pytorch" : "aotviz";
    j["moved_vs_pytorch"] = s.partition_panel.compared_moved.size();
  }
  if (!s.frame_build_ms.empty()) {
    std::vector<float> ms = s.frame_build_ms;
    std::sort(ms.begin(), ms.end());
    j["frame_build_ms"] = {{"frames", ms.size()}, {"median", ms[ms.size() / 2]}, {"max", ms.back()}};
  }
  j["memory_budget"] = s.session->config().memory_budget;
  if (s.memory_panel.pareto.result)
    j["pareto"] = {{"points", s.memory_panel.pareto.result->points.size()}, {"knee", s.memory_panel.pareto.result->knee},
                   {"partitions", s.memory_panel.pareto.result->partitions}};
  if (s.memory_panel.pareto.measured_graph == s.joint_graph && !s.memory_panel.pareto.measured_ms.empty())
    j["pareto_measured"] = s.memory_panel.pareto.measured_ms.size();
  if (s.memory_panel.timeline.of && !s.memory_panel.timeline.timeline.points.empty()) {
    const auto& tl = s.memory_panel.timeline.timeline;
    j["timeline"] = {{"points", tl.points.size()}, {"forward_points", tl.forward_points},
                     {"peak_node", tl.points[tl.peak].node}, {"peak_bytes", tl.points[tl.peak].live_bytes},
                     {"saved_at_peak", tl.saved_at_peak}, {"modules_at_peak", tl.saved_by_module.size()},
                     {"measured_points", s.memory_panel.timeline.measured.size()}};
  }
  for (const auto& sn : s.session->snapshots()) {
    if (sn->stage == pipeline::StageId::Metadata && sn->status == pipeline::StageStatus::Done && sn->view_meta)
      j["metadata"] = {{"inputs", sn->view_meta->input_info.size()}, {"outputs", sn->view_meta->output_info.size()}};
    if (const auto* ex = sn->as<pipeline::ExecutionResult>()) j["execution"] = execution::reportToJson(ex->report);
    for (const auto& u : sn->unavailable) j["unavailable"].push_back(std::string(pipeline::stageName(sn->stage)) + ": " + u);
  }
  return j;
}

void writeScreenshot(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  std::vector<unsigned char> flipped(pixels.size());
  const size_t row = static_cast<size_t>(w) * 4;
  for (int y = 0; y < h; ++y)
    std::copy_n(&pixels[static_cast<size_t>(h - 1 - y) * row], row, &flipped[static_cast<size_t>(y) * row]);
  std::string png;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(sink, &png, w, h, 4, flipped.data(), static_cast<int>(row)))
    fail("screenshot", path, "PNG encoding failed", "");
  util::writeFileAtomic(path, png);
}

}  // namespace aotviz::gui
