// app/gui/requests.h — what a panel asks the app to do. Panels never change the session or another panel's state
// while they draw: they push a request, and applyRequests carries them out in order once every panel is drawn
// (as imgui-node-editor's query/accept does), so a frame is drawn from one consistent state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>

#include "app/gui/scenarios.h"
#include "core/pipeline/config.h"
#include "core/pipeline/stages.h"

namespace aotviz::gui {

struct AppState;

namespace request {

/// Re-run with `config`, keeping the stages it does not affect, up to the last stage that had run (or `at_least`).
struct Rerun {
  pipeline::Config config;
  std::optional<pipeline::StageId> at_least;
};
/// A partition what-if edit: remembered for Undo, then re-run through the partition stage.
struct WhatIf {
  pipeline::Config config;
};
struct Undo {};
struct Redo {};
struct Step {};
struct Continue {};
struct Restart {};  // the same config, from the first stage
struct RunTo {
  pipeline::StageId stage;
};
struct Breakpoint {
  pipeline::StageId stage;
  bool on = false;
};
/// Select a node of the Graph panel's graph by name, opening the collapsed modules around it. `report_missing`
/// logs an error when the graph has no such node (--select); a click in another panel just does nothing.
struct Select {
  std::string node;
  bool report_missing = false;
};
/// Open a built-in model, .pt2, .pt (with `spec`, "" = the .json beside it), session or TORCH_TRACE compile, and
/// put it first in File > Recent.
struct Open {
  std::string path, spec;
};
/// A teaching scenario: open its model, show its graph tab, run to its stage, and log what it shows.
struct OpenScenario {
  Scenario scenario;
};
struct Save {
  std::string path;
};
struct Quit {};

}  // namespace request

using Request = std::variant<request::Rerun, request::WhatIf, request::Undo, request::Redo, request::Step,
                             request::Continue, request::Restart, request::RunTo, request::Breakpoint,
                             request::Select, request::Open, request::OpenScenario, request::Save, request::Quit>;

/// Carries out `state.requests` in order and clears them. A request that fails (a file that does not open, a save
/// that cannot be written) is logged as an error; the session is left as it was.
void applyRequests(AppState& state);

/// A .json path: a saved session.
bool isSessionFile(const std::string& path);

/// Opens `model` in a new paused session (the old one finishes its stage and is dropped); a saved session or a
/// TORCH_TRACE compile is shown as saved, without running anything. Throws on a file that cannot be opened.
void openModel(AppState& state, const std::string& model, const std::string& inputs_spec = "",
               const std::map<std::string, int64_t>& model_options = {});

}  // namespace aotviz::gui
