// app/main.cpp — the `aotviz` entry point: subcommands for headless work, no subcommand = the desktop debugger.
#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>

#include "app/cli/commands.h"
#include "core/util/build_info.h"
#include "core/models/zoo.h"
#ifdef AOTVIZ_WITH_GUI
#include "app/gui/gui_app.h"
#endif

int main(int argc, char** argv) {
  CLI::App app{"aotviz: step through PyTorch's AOTAutograd pipeline (capture, functionalization, joint graph, "
               "partitioning, compilation) on your model, in C++ on LibTorch.\n"
               "Without a subcommand, opens the desktop debugger on MODEL (default: attn_block)."};
  // A callback, not a string: whether a GPU is visible is asked when --version is given, not on every start.
  app.set_version_flag("--version", std::function<std::string()>([] { return aotviz::versionLine(); }));
  int exit_code = 0;
  auto commands = aotviz::cli::addCommands(app, exit_code);
  app.require_subcommand(0, 1);

  std::string model = aotviz::models::kDefaultModel, screenshot, size = "1600x1000";
  std::string stage, tab = "joint", select, state_out;
  int frames = 3;
  app.add_option("model", model, "Built-in model, torch.export .pt2, TorchScript .pt, saved session .json, or TORCH_TRACE directory (DIR#0/0_1: one compile) to open in the debugger")
      ->capture_default_str();
  app.add_option("--stage", stage, "Run the pipeline up to this stage before showing (with --screenshot: what to capture)");
  app.add_option("--tab", tab, "Graph tab to show: joint, forward, backward, or side (forward and backward side by side)")
      ->check(CLI::IsMember({"joint", "forward", "backward", "side"}))
      ->capture_default_str();
  app.add_option("--select", select, "Select this node (by name) on the graph");
  std::string inputs;
  app.add_option("--inputs", inputs, "Input spec JSON for a .pt model (default: the .json next to it) or a .pt2 (default: its sample inputs)");
  int iters = 0;
  bool heat = false;
  app.add_option("--iters", iters, "Execution-stage steps per side (0 skips the stage)")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--heat", heat, "Colour graph nodes by their measured time (needs --iters)");
  std::map<std::string, int64_t> model_options;
  aotviz::cli::addModelSizeFlags(&app, model_options);
  std::string partition_view = "aotviz";
  app.add_option("--partition", partition_view, "Partition to draw: aotviz's, or PyTorch's own (a TORCH_TRACE compile)")
      ->check(CLI::IsMember({"aotviz", "pytorch"}))
      ->capture_default_str();
  bool pareto = false;
  app.add_flag("--pareto", pareto, "Sweep the memory budget (the Memory panel's curve) once there is a partition");
  std::string memory_tab;
  app.add_option("--memory-tab", memory_tab, "The Memory panel's tab to show: timeline or sweep (default: sweep with "
                                             "--pareto, else timeline)")
      ->check(CLI::IsMember({"timeline", "sweep"}));
  bool memory_wide = false;
  app.add_flag("--memory-wide", memory_wide, "Show the Memory panel under the Graph panel, as wide as it");
  double budget = -1;
  app.add_option("--budget", budget, "A what-if activation memory budget in [0, 1], applied once the model is open "
                                     "(the Partition panel's slider)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--state-out", state_out, "With --screenshot: also write the app's state as JSON (scripted tests)");
  app.add_option("--screenshot", screenshot, "Render --frames frames, write this PNG and exit (for docs and tests)");
  app.add_option("--frames", frames, "Frames to render before --screenshot is taken")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--size", size, "Window size WIDTHxHEIGHT")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (!app.get_subcommands().empty()) return exit_code;

#ifdef AOTVIZ_WITH_GUI
  aotviz::gui::GuiOptions opts;
  opts.model = model;
  opts.screenshot = screenshot;
  opts.frames = frames;
  opts.stage = stage;
  opts.tab = tab == "forward" || tab == "side" ? 1 : tab == "backward" ? 2 : 0;
  opts.side_by_side = tab == "side";
  opts.select = select;
  opts.inputs = inputs;
  opts.iters = iters;
  opts.heat = heat;
  opts.pytorch_partition = partition_view == "pytorch";
  opts.budget = budget;
  opts.pareto = pareto;
  opts.memory_wide = memory_wide;
  opts.memory_tab = memory_tab == "timeline" ? 0 : memory_tab == "sweep" ? 1 : -1;
  opts.model_options = model_options;
  opts.state_out = state_out;
  if (std::sscanf(size.c_str(), "%dx%d", &opts.width, &opts.height) != 2 || opts.width < 320 || opts.height < 240) {
    std::cerr << "error: --size must be WIDTHxHEIGHT with at least 320x240, got '" << size << "'\n";
    return 1;
  }
  return aotviz::gui::runGui(opts);
#else
  (void)frames;
  (void)stage;
  (void)select;
  (void)inputs;
  (void)iters;
  (void)heat;
  (void)partition_view;
  (void)budget;
  (void)pareto;
  (void)memory_tab;
  (void)memory_wide;
  (void)model_options;
  (void)state_out;
  std::cerr << "error: this aotviz was built without the GUI (-DAOTVIZ_GUI=OFF); use a subcommand, e.g. "
               "`aotviz compile " << model << " --out out/`. See `aotviz --help`.\n";
  return 2;
#endif
}
