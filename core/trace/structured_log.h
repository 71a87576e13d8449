// core/trace/structured_log.h — reads PyTorch's TORCH_TRACE structured compile logs into records
// (docs/torch_trace_format.md).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aotviz::trace {

/// One record of a log: a header line and, when it has one, its payload.
struct Record {
  size_t line = 0;   // 1-based line number of the header in its file
  std::string kind;  // the record kind: first key of the header object that is not a context key ("aot_joint_graph",
                     // "artifact", "str", ...)
  std::string artifact;     // kind == "artifact": metadata["name"]; else ""
  nlohmann::json metadata;  // the value under the kind key
  std::optional<int64_t> rank, compiled_autograd_id, frame_id, frame_compile_id, attempt;
  bool has_payload = false;
  std::string payload;     // TAB stripped from each line, joined with '\n', no trailing newline
  bool payload_ok = true;  // false when the payload's MD5 does not match has_payload (damaged or truncated)
  /// "0/0", "0/0_1", "!1/0/0" (CompileId/TraceId as torch/_guards.py prints them); "" when the record has no frame_id.
  /// (With compiled autograd and no frame it is "!1", as CompileId prints it; a missing frame_compile_id is "-".)
  std::string compileId() const;
};

/// A problem found while reading, with where it is. Reading goes on after it: everything readable is kept.
struct Problem {
  std::string file;
  size_t line = 0;
  std::string message;
};

struct LogFile {
  std::string path;
  std::optional<int64_t> rank;  // from the name's rank_<R>_, else from the first record carrying "rank"
  std::vector<Record> records;
  std::vector<Problem> problems;
};

/// Reads one log file. A file that cannot be opened is an AotError (stage "trace", naming the file).
LogFile readLogFile(const std::string& path);

/// Every dedicated_log_torch_trace_*.log of `dir` (sorted by name), read. `dir` may also name one log file.
/// A directory with no such file is an AotError naming the directory and saying what it expected (hint: run with
/// TORCH_TRACE=DIR).
std::vector<LogFile> readTraceDirectory(const std::string& dir);

}  // namespace aotviz::trace
