// core/capture/trace_mode.h — what capture traces on: fake (meta) or real tensors, and the mode's names.
#pragma once

#include "core/util/enum_names.h"

namespace aotviz::capture {

enum class TraceMode {
  Fake,  // inner tensors on meta: no data, no compute (ops without Meta kernels run on CPU stand-ins)
  Real,  // inner tensors are real CPU tensors: values are computed while tracing
};

inline constexpr auto kTraceModeNames = util::enumNames<TraceMode>(
    "trace mode", util::EnumName<TraceMode>{TraceMode::Fake, "fake"}, util::EnumName<TraceMode>{TraceMode::Real, "real"});

}  // namespace aotviz::capture
