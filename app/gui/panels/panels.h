// app/gui/panels/panels.h — one function per panel, each in its own file. Every panel: Begin with its visibility
// flag, early-out when collapsed (Begin/End stay paired), an explicit empty state, then its contents.
#pragma once

#include <string>

#include "app/gui/app_state.h"

namespace aotviz::gui {

void drawPipelinePanel(AppState& state);
void drawGraphPanel(AppState& state);
void drawInspectorPanel(AppState& state);
void drawMetadataPanel(AppState& state);
void drawPartitionPanel(AppState& state);
void drawMemoryPanel(AppState& state);
void drawMemoryTimeline(AppState& state);  // the Memory panel's Timeline tab (inside its window)
void drawExecutionPanel(AppState& state);
void drawLogPanel(AppState& state);

/// Selects the node named `name` on `canvas` showing `g` (selection follows across views); false when `g` has none.
bool selectByName(viz::Canvas& canvas, const ir::Graph& g, const std::string& name);

/// Selects the node named `name` on the Graph panel's canvas; when a collapsed module hides it, opens the modules
/// around it and centres it once laid out (as a search hit does). False when the shown graph has no such node.
/// Other panels ask for this with request::Select; applyRequests calls it.
bool showNode(AppState& state, const std::string& name);

/// A centred, dimmed line of text for a panel that has nothing to show yet.
void emptyState(const char* text);

/// The per-node times of the visible execution snapshot (empty maps when none ran), re-parsed only when it changes.
const NodeTimes& nodeTimes(AppState& state);

/// An explanation from assets/teaching/help.json ("stages", "input_fields" or "output_fields" → key), "" when
/// there is none (or the file is missing).
const std::string& helpText(const std::string& section, const std::string& key);

}  // namespace aotviz::gui
