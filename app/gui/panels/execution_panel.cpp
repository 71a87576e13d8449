// app/gui/panels/execution_panel.cpp — run eager and compiled side by side (the execution stage) and show times,
// ratio, numerics and peak memory; export the profiled step's Chrome trace.
#include <imgui.h>

#include <ATen/Context.h>

#include "app/gui/panels/panels.h"
#include "core/util/atomic_file.h"

namespace aotviz::gui {

void drawExecutionPanel(AppState& state) {
  if (!ImGui::Begin("Execution", &state.show.execution)) {
    ImGui::End();
    return;
  }
  if (!state.session) {
    emptyState("No model open.");
    ImGui::End();
    return;
  }
  pipeline::Config c = state.session->config();
  ExecutionPanelState& own = state.execution_panel;
  // Device: CUDA only when this LibTorch has it and a GPU is visible. A change re-runs from the metadata stage.
  const bool cuda = at::hasCUDA();
  int dev = c.device == "cuda" ? 1 : 0;
  ImGui::SetNextItemWidth(90);
  ImGui::BeginDisabled(state.session->busy() || !state.session->live());
  if (ImGui::Combo("device", &dev, cuda ? "cpu\0cuda\0" : "cpu\0")) {
    c.device = dev == 1 ? "cuda" : "cpu";
    state.request(request::Rerun{c, std::nullopt});
  }
  ImGui::EndDisabled();
  if (!cuda && ImGui::IsItemHovered()) ImGui::SetTooltip("this LibTorch has no CUDA, or no GPU is visible");
  ImGui::SameLine();
  ImGui::Text("backend %s", exec::backendName(c.backend));
  ImGui::SetNextItemWidth(100);
  ImGui::InputInt("iterations", &own.iters);
  own.iters = std::clamp(own.iters, 1, 1000);
  ImGui::SameLine();
  ImGui::BeginDisabled(state.session->busy() || !state.session->live());
  if (ImGui::Button("Run eager vs compiled")) {
    c.iters = own.iters;
    state.request(request::Rerun{c, pipeline::StageId::Execution});
  }
  ImGui::EndDisabled();
  const pipeline::Snapshot* ex = nullptr;
  for (const auto& s : state.visibleSnapshots())
    if (s->stage == pipeline::StageId::Execution) ex = s.get();
  const ImVec4 red(1.0f, 0.45f, 0.4f, 1.0f), green(0.45f, 0.85f, 0.5f, 1.0f);
  if (ex && ex->error) {  // e.g. out of memory: say so here too, and leave the controls above usable
    ImGui::PushStyleColor(ImGuiCol_Text, red);
    ImGui::TextWrapped("The run failed: %s", ex->error->message.c_str());
    ImGui::PopStyleColor();
    if (!ex->error->hint.empty()) ImGui::TextWrapped("What to do: %s", ex->error->hint.c_str());
    if (!ex->as<pipeline::ExecutionResult>()) {  // a failed numeric check keeps its report: shown below
      ImGui::End();
      return;
    }
  }
  const pipeline::ExecutionResult* result = ex ? ex->as<pipeline::ExecutionResult>() : nullptr;
  if (!result) {
    emptyState(ex && !ex->unavailable.empty() ? ("The saved report is unavailable: " + ex->unavailable.front()).c_str()
               : ex && !ex->notes.empty()     ? ex->notes.front().c_str()
                                              : "Nothing has run yet. Run eager and compiled side by side here.");
    ImGui::End();
    return;
  }
  const execution::Report& r = result->report;
  auto mib = [](int64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); };
  if (ImGui::BeginTable("times", 3, ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("");
    ImGui::TableSetupColumn("median ms");
    ImGui::TableSetupColumn("peak MiB");
    ImGui::TableHeadersRow();
    using Row = std::pair<const char*, const execution::Side*>;
    for (const auto& [name, side] : {Row{"eager", &r.eager}, Row{"compiled", &r.compiled}}) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(name);
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%.3f", side->median_step_ms);
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%.2f", mib(side->peak_bytes));
    }
    ImGui::EndTable();
  }
  ImGui::Text("compiled / eager: %.3f (%d steps)", r.ratio, r.iters);
  ImGui::Text("max |diff|: outputs %.2g, gradients %.2g, inputs %.2g", r.max_abs_diff_outputs, r.max_abs_diff_grads,
              r.max_abs_diff_inputs);
  {
    ImGui::PushStyleColor(ImGuiCol_Text, r.ok ? green : red);
    ImGui::TextWrapped("%s: %zu tensors compared; worst %s", r.ok ? "check passed" : "CHECK FAILED", r.checks.size(),
                       r.checks.empty() ? "-" : execution::describeCheck(r.checks[r.worst]).c_str());
    ImGui::PopStyleColor();
    ImGui::TextDisabled("%s", r.rng.c_str());
    if (!r.ok && ImGui::TreeNode("tensors beyond tolerance")) {
      for (const auto& t : r.checks)
        if (!t.ok)
          ImGui::BulletText("%s: max |diff| %.3g%s", t.name.c_str(), t.max_abs_diff,
                            t.problem.empty() ? "" : (" (" + t.problem + ")").c_str());
      ImGui::TreePop();
    }
  }
  if (state.view_partition)
    ImGui::TextDisabled("predicted backward peak (partition estimate): %.2f MiB",
                        static_cast<double>(state.view_partition->totals.backward_peak_bytes) / (1024.0 * 1024.0));
  ImGui::SetNextItemWidth(160);
  ImGui::InputText("##trace", own.trace_path, sizeof own.trace_path);
  ImGui::SameLine();
  if (ImGui::Button("Export Chrome trace")) {
    try {
      util::writeFileAtomic(own.trace_path, exec::chromeTrace(result->profile).dump() + "\n");
      state.addLog(LogLevel::Info, "execution", std::string("wrote ") + own.trace_path + " (open it in Perfetto)");
    } catch (const std::exception& e) {
      state.addLog(LogLevel::Error, "execution", e.what());
    }
  }
  ImGui::End();
}

}  // namespace aotviz::gui
