// app/gui/test_hooks.h — what scripted GUI runs (--screenshot, --state-out) write for the tests to check.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "app/gui/app_state.h"

struct GLFWwindow;

namespace aotviz::gui {

/// Stage statuses, the selection and what the panels show, as data read from the same state the panels draw.
nlohmann::json stateJson(const AppState& s);

/// Reads the window's back buffer and writes it as a PNG (atomically); throws a Diagnostic on failure.
void writeScreenshot(GLFWwindow* window, const std::string& path);

}  // namespace aotviz::gui
