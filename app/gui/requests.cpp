// app/gui/requests.cpp — the one place the GUI changes the session: what the panels asked for this frame.
#include "app/gui/requests.h"

#include <algorithm>
#include <type_traits>

#include "app/gui/app_state.h"
#include "app/gui/panels/panels.h"
#include "core/trace/trace_session.h"

namespace aotviz::gui {

namespace {

/// Re-runs the pipeline with `config` (keeping unaffected stages) up to the last stage that had run, or to
/// `at_least` if later.
void rerun(AppState& s, const pipeline::Config& config, std::optional<pipeline::StageId> at_least) {
  const size_t ran = s.session->nextStage();
  s.device = config.device;
  s.session->restart(config);
  size_t target = ran == 0 ? 0 : ran - 1;
  if (at_least) target = std::max(target, pipeline::index(*at_least));
  s.session->runToStage(pipeline::stageList()[target].name);
}

/// Undo and Redo: take the config from one stack, remember the current one on the other, re-run the partition.
void undoStep(AppState& s, std::vector<pipeline::Config>& from, std::vector<pipeline::Config>& to) {
  if (from.empty()) return;
  to.push_back(s.session->config());
  pipeline::Config next = std::move(from.back());
  from.pop_back();
  rerun(s, next, pipeline::StageId::Partition);
}

void openAndRemember(AppState& s, const std::string& path, const std::string& spec) {
  openModel(s, path, spec);
  auto& recent = s.dialogs.recent;
  recent.erase(std::remove(recent.begin(), recent.end(), path), recent.end());
  recent.insert(recent.begin(), path);
  if (recent.size() > 10) recent.resize(10);
}

void apply(AppState& s, const Request& r) {
  std::visit(
      [&](const auto& q) {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, request::Open>) {
          openAndRemember(s, q.path, q.spec);
        } else if constexpr (std::is_same_v<T, request::OpenScenario>) {
          openModel(s, q.scenario.model);
          s.graph_panel.requested_tab = q.scenario.tab;
          s.session->runToStage(q.scenario.stage);
          s.addLog(LogLevel::Info, q.scenario.stage, q.scenario.title + ": " + q.scenario.what);
        } else if constexpr (std::is_same_v<T, request::Quit>) {
          s.quit_requested = true;
        } else if constexpr (std::is_same_v<T, request::Select>) {
          if (!showNode(s, q.node) && q.report_missing) s.addLog(LogLevel::Error, "graph", "no node named '" + q.node + "'");
        } else {
          if (!s.session) return;  // the rest act on the open session
          if constexpr (std::is_same_v<T, request::Rerun>) {
            rerun(s, q.config, q.at_least);
          } else if constexpr (std::is_same_v<T, request::WhatIf>) {
            s.partition_panel.undo.push_back(s.session->config());
            s.partition_panel.redo.clear();
            rerun(s, q.config, pipeline::StageId::Partition);
          } else if constexpr (std::is_same_v<T, request::Undo>) {
            undoStep(s, s.partition_panel.undo, s.partition_panel.redo);
          } else if constexpr (std::is_same_v<T, request::Redo>) {
            undoStep(s, s.partition_panel.redo, s.partition_panel.undo);
          } else if constexpr (std::is_same_v<T, request::Step>) {
            s.session->step();
          } else if constexpr (std::is_same_v<T, request::Continue>) {
            s.session->continueRun();
          } else if constexpr (std::is_same_v<T, request::Restart>) {
            s.session->restart(s.session->config(), true);
          } else if constexpr (std::is_same_v<T, request::RunTo>) {
            s.session->runToStage(pipeline::stageName(q.stage));
          } else if constexpr (std::is_same_v<T, request::Breakpoint>) {
            s.session->setBreakpoint(pipeline::stageName(q.stage), q.on);
          } else if constexpr (std::is_same_v<T, request::Save>) {
            s.session->save(q.path);
            s.addLog(LogLevel::Info, "pipeline", "saved the session to " + q.path);
          } else {
            static_assert(sizeof(T) == 0, "applyRequests: a request type without a case");
          }
        }
      },
      r);
}

/// The stage a failed request's log line names.
const char* stageOf(const Request& r) {
  if (std::holds_alternative<request::Open>(r) || std::holds_alternative<request::OpenScenario>(r)) return "inputs";
  if (std::holds_alternative<request::Select>(r)) return "graph";
  return "pipeline";
}

}  // namespace

bool isSessionFile(const std::string& path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
}

void openModel(AppState& s, const std::string& model, const std::string& inputs_spec,
               const std::map<std::string, int64_t>& model_options) {
  s.snapshots_logged = 0;
  s.current_stage = -1;
  s.graph_panel.collapsed_scopes.clear();  // the next joint graph decides: a module overview when it is big
  s.graph_panel.overview_pending = true;
  s.graph_panel.overview_path.clear();
  const bool trace = trace::looksLikeTrace(model);
  if (trace || isSessionFile(model)) {
    pipeline::SessionRecord rec = trace ? trace::traceSession(model) : pipeline::loadSession(model);
    const std::vector<std::string> rec_warnings = rec.warnings;
    s.model = rec.config.model;
    s.device = rec.config.device;
    s.session = std::make_unique<pipeline::DebugSession>(std::move(rec));
    s.addLog(LogLevel::Info, "inputs",
             trace ? "opened PyTorch's compile " + s.model + " from its TORCH_TRACE logs (nothing to run; the partition stage compares PyTorch's partition with aotviz's)"
                   : "opened the saved session " + model + " (nothing runs until Restart, which runs its config again)");
    for (const auto& w : rec_warnings) s.addLog(LogLevel::Warning, trace ? "trace" : "load", model + ": " + w);
    return;
  }
  pipeline::Config c;
  c.model = model;
  c.inputs_spec = inputs_spec;
  c.model_options = model_options;
  c.device = s.device;
  c.iters = s.iters;
  s.session = std::make_unique<pipeline::DebugSession>(c);
  s.model = model;
  s.addLog(LogLevel::Info, "inputs", "opened " + model + (inputs_spec.empty() ? "" : " with inputs " + inputs_spec) +
                                         "; paused before the first stage (F10 steps, F5 continues)");
}

void applyRequests(AppState& state) {
  std::vector<Request> queued;
  queued.swap(state.requests);  // a request never adds more; swapped so a throwing one cannot leave the rest queued
  for (const Request& r : queued) {
    try {
      apply(state, r);
    } catch (const std::exception& e) {
      state.addLog(LogLevel::Error, stageOf(r), e.what());
    }
  }
}

}  // namespace aotviz::gui
