// core/compile/backend.h — the compile stage's backends and their names.
#pragma once

#include "core/util/enum_names.h"

namespace aotviz::exec {

enum class Backend {
  Interpreter,  // the boxed interpreter (every build)
  CudaGraph,    // the interpreter's run captured into a CUDA graph and replayed (CUDA builds, --device cuda)
};

inline constexpr auto kBackendNames = util::enumNames<Backend>(
    "backend", util::EnumName<Backend>{Backend::Interpreter, "interpreter"},
    util::EnumName<Backend>{Backend::CudaGraph, "cuda_graph"});
inline const char* backendName(Backend b) { return kBackendNames.name(b); }

}  // namespace aotviz::exec
