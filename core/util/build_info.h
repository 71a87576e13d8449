// core/util/build_info.h — what this binary was built against: the LibTorch version and whether CUDA support is
// compiled in (both from CMake, cmake/AotvizDependencies.cmake).
#pragma once

#include <string>

namespace aotviz {

/// "2.11.0": the LibTorch this binary was compiled against.
inline const char* torchVersionString() { return AOTVIZ_TORCH_VERSION_STRING; }

#ifdef AOTVIZ_WITH_CUDA
inline constexpr bool kCudaCompiledIn = true;
inline const char* cudaVersionString() { return AOTVIZ_CUDA_VERSION_STRING; }
#else
inline constexpr bool kCudaCompiledIn = false;
inline const char* cudaVersionString() { return ""; }
#endif

/// Number of CUDA devices visible now (0 without CUDA support, a driver or a GPU). Never throws.
int visibleCudaDevices();

/// "aotviz 0.2.0 · LibTorch 2.11.0 · CUDA 13.0 compiled in · no GPU visible"
std::string versionLine();

}  // namespace aotviz
