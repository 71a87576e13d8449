// app/gui/panels/pipeline_panel.cpp — the stages with status and time, stepping controls and breakpoints.
#include <imgui.h>

#include <GLFW/glfw3.h>

#include <algorithm>

#include "app/gui/panels/panels.h"
#include "core/pipeline/snapshot.h"
#include "core/pipeline/stages.h"

namespace aotviz::gui {

void drawPipelinePanel(AppState& state) {
  if (!ImGui::Begin("Pipeline", &state.show.pipeline)) {
    ImGui::End();
    return;
  }
  const pipeline::DebugSession* s = state.session.get();
  if (!s) {
    emptyState("No model open. File > Built-in models.");
    ImGui::End();
    return;
  }
  const bool busy = s->busy();
  const auto snaps = s->snapshots();
  const size_t next = snaps.size();
  const auto& stages = pipeline::stageList();
  ImGui::TextDisabled("model: %s", state.model.c_str());
  ImGui::BeginDisabled(busy || next >= stages.size() || s->halted() || !s->live());
  if (ImGui::Button("Step (F10)")) state.request(request::Step{});
  ImGui::SameLine();
  if (ImGui::Button("Continue (F5)")) state.request(request::Continue{});
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(busy);
  if (ImGui::Button("Restart (Ctrl+R)")) state.request(request::Restart{});
  ImGui::EndDisabled();
  if (busy) {
    ImGui::SameLine();
    ImGui::TextDisabled("running %s...", next < stages.size() ? stages[next].name : "");
  }
  const cache::Stats cs = s->cacheStats();
  ImGui::TextDisabled("cache: %zu hit, %zu miss%s", cs.hits, cs.misses, s->config().use_cache ? "" : " (off)");
  ImGui::Separator();
  const auto breakpoints = s->breakpoints();
  // Stage slider: the other panels show the snapshots up to the chosen stage (the latest when at the right end).
  if (!snaps.empty()) {
    int view = state.pipeline_panel.view_stage < 0 ? static_cast<int>(snaps.size()) - 1 : std::min(state.pipeline_panel.view_stage, static_cast<int>(snaps.size()) - 1);
    ImGui::SetNextItemWidth(-1);
    if (ImGui::SliderInt("##view_stage", &view, 0, static_cast<int>(snaps.size()) - 1, pipeline::stageName(snaps[static_cast<size_t>(view)]->stage)))
      state.pipeline_panel.view_stage = view == static_cast<int>(snaps.size()) - 1 ? -1 : view;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("look at the snapshots up to an earlier stage");
  }
  if (ImGui::BeginTable("stages", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    ImGui::TableSetupColumn("bp", ImGuiTableColumnFlags_WidthFixed, 22);
    ImGui::TableSetupColumn("stage");
    ImGui::TableSetupColumn("status");
    ImGui::TableSetupColumn("ms");
    ImGui::TableSetupColumn("KiB");
    ImGui::TableHeadersRow();
    for (size_t i = 0; i < stages.size(); ++i) {
      ImGui::PushID(static_cast<int>(i));
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      bool bp = breakpoints.count(stages[i].name) > 0;
      if (ImGui::Checkbox("##bp", &bp)) state.request(request::Breakpoint{stages[i].id, bp});
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("breakpoint: Continue pauses before %s", stages[i].name);
      ImGui::TableSetColumnIndex(1);
      if (ImGui::Selectable(stages[i].name, i == next, ImGuiSelectableFlags_AllowDoubleClick) &&
          ImGui::IsMouseDoubleClicked(0) && !busy && i >= next && s->live())
        state.request(request::RunTo{stages[i].id});
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextUnformatted(stages[i].summary);
        ImGui::TextDisabled("AOTAutograd: %s", stages[i].aot_counterpart);
        const std::string& teach = helpText("stages", stages[i].name);
        if (!teach.empty()) ImGui::TextUnformatted(teach.c_str());
        ImGui::TextDisabled("double-click: run to here");
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
      ImGui::TableSetColumnIndex(2);
      if (i < snaps.size()) {
        const auto& sn = *snaps[i];
        const ImVec4 c = sn.status == pipeline::StageStatus::Failed    ? ImVec4(1.0f, 0.45f, 0.4f, 1.0f)
                         : sn.status == pipeline::StageStatus::Skipped ? ImVec4(0.6f, 0.6f, 0.6f, 1.0f)
                                                                       : ImVec4(0.5f, 0.85f, 0.55f, 1.0f);
        ImGui::TextColored(c, "%s", pipeline::stageStatusName(sn.status));
        if (ImGui::IsItemHovered() && (sn.error || !sn.notes.empty())) {
          ImGui::BeginTooltip();
          if (sn.error) ImGui::TextWrapped("%s", sn.error->format().c_str());
          for (const auto& n : sn.notes) ImGui::TextWrapped("%s", n.c_str());
          ImGui::EndTooltip();
        }
        ImGui::TableSetColumnIndex(3);
        ImGui::Text("%.1f", sn.seconds * 1e3);
        ImGui::TableSetColumnIndex(4);
        auto size = state.pipeline_panel.snapshot_bytes.find(snaps[i]);
        if (size == state.pipeline_panel.snapshot_bytes.end())  // once per snapshot: its size as saved in a session file
          size = state.pipeline_panel.snapshot_bytes.emplace(snaps[i], pipeline::snapshotToJson(sn).dump().size()).first;
        ImGui::Text("%.1f", static_cast<double>(size->second) / 1024.0);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("size of this snapshot in a saved session");
      } else {
        ImGui::TextDisabled(i == next ? (busy ? "running" : "next") : "not run");
      }
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  ImGuiIO& io = ImGui::GetIO();
  if (!busy && s->live() && !s->halted() && next < stages.size()) {
    if (ImGui::IsKeyPressed(GLFW_KEY_F10)) state.request(request::Step{});
    if (ImGui::IsKeyPressed(GLFW_KEY_F5)) state.request(request::Continue{});
  }
  if (!busy && io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_R)) state.request(request::Restart{});
  ImGui::End();
}

}  // namespace aotviz::gui
