// app/gui/gui_app.h — the desktop debugger's window and frame loop.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace aotviz::gui {

struct GuiOptions {
  std::string model;       // built-in model name, .pt file or saved session .json
  std::string inputs;      // input spec for a .pt ("" = the .json next to it)
  std::string screenshot;  // when set: render `frames` frames, write this PNG and exit
  int frames = 3;
  std::string stage;  // run the pipeline through this stage first ("" = paused before the first stage)
  int tab = 0;        // graph tab: 0 joint, 1 forward, 2 backward
  bool side_by_side = false;  // forward and backward next to each other
  std::string select;     // select this node (by name) on the graph once it is shown
  int iters = 0;          // execution-stage steps per side for the opened model (0: the stage is skipped)
  bool heat = false;      // colour graph nodes by measured time
  bool pytorch_partition = false;  // a TORCH_TRACE compile: draw PyTorch's own partition instead of aotviz's
  std::map<std::string, int64_t> model_options;  // a built-in model's size (gpt --layers 48)
  double budget = -1;     // >= 0: a what-if memory budget applied once the model is open (and --stage has run)
  bool pareto = false;    // sweep the memory budget once there is a partition (the Memory panel's button)
  bool memory_wide = false;  // the Memory panel under the Graph panel (View > Wide Memory panel)
  int memory_tab = -1;    // the Memory panel's tab: 0 timeline, 1 budget sweep (-1: the default; --pareto: 1)
  std::string state_out;  // with --screenshot: also write the app's state as JSON (for scripted tests)
  int width = 1600;
  int height = 1000;
};

/// Opens the window and runs until it is closed (or the screenshot is written). Returns the process exit code.
int runGui(const GuiOptions& opts);

}  // namespace aotviz::gui
