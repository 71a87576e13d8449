// app/cli/commands.h — the headless subcommands of `aotviz` (they link aotviz_core only).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace aotviz::cli {

/// Adds `models`, `compile`, `run`, `bench`, `import-trace`, `inspect` and `render` to `app`. Each subcommand runs from its callback and
/// stores its exit code in `exit_code`. The returned object holds the parsed options; keep it alive until parsing
/// and the callbacks are done.
std::shared_ptr<void> addCommands(CLI::App& app, int& exit_code);

/// --layers, --width, ...: one flag per size option of the built-in models (models::ModelInfo::options), each
/// stored in `options` under its name when given.
void addModelSizeFlags(CLI::App* cmd, std::map<std::string, int64_t>& options);

}  // namespace aotviz::cli
