// core/trace/trace_session.h — one compile of a TORCH_TRACE directory as a session the desktop app opens like a
// saved one: PyTorch's joint graph at the joint and passes stages, aotviz's partition of it at the partition stage,
// and how PyTorch's own partition differs in that stage's notes.
#pragma once

#include <string>

#include "core/pipeline/snapshot.h"

namespace aotviz::trace {

/// True for a directory holding dedicated_log_torch_trace_*.log files, for such a file, or for either followed by
/// "#<compile id>" ("/tmp/trace#0/0_1").
bool looksLikeTrace(const std::string& path);

/// The session of the compile `path` names ("DIR#0/0_1"; "DIR#rank1/0/0" for rank 1's in a multi-rank trace), or
/// of the first compile with a joint (or inference) graph. Problems reading the logs become warnings of the session; AotError (stage "trace") when no compile has
/// a graph to show or the named one does not exist.
pipeline::SessionRecord traceSession(const std::string& path);

}  // namespace aotviz::trace
