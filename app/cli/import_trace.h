// app/cli/import_trace.h — `aotviz import-trace TRACE_DIR --out OUT`: the compiles of a TORCH_TRACE directory,
// PyTorch's graphs as aotviz graph JSON, and PyTorch's partition next to aotviz's on the same joint graph.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace aotviz::cli {

struct ImportTraceOptions {
  std::string dir, out_dir;
  std::optional<int64_t> rank;   // only this rank's compiles
  std::string graph;             // only this compile id ("0/0_1")
  std::optional<double> budget;  // what-if: aotviz's min-cut under this budget instead of PyTorch's
  std::vector<std::string> must_save, must_recompute;  // what-if overrides on joint nodes, by name
  bool json = false;
};

/// Exit code 0 when every log record and graph was read, 1 otherwise (everything readable is still written).
int runImportTrace(const ImportTraceOptions& o);

}  // namespace aotviz::cli
