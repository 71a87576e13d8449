// core/util/build_info.cpp — see build_info.h.
#include "core/util/build_info.h"

#include <ATen/detail/CUDAHooksInterface.h>

namespace aotviz {

int visibleCudaDevices() {
  if (!kCudaCompiledIn) return 0;
  try {
    return static_cast<int>(at::detail::getCUDAHooks().deviceCount());
  } catch (const std::exception&) {
    return 0;  // no driver: the hooks throw instead of answering 0
  }
}

std::string versionLine() {
  std::string s = std::string("aotviz ") + AOTVIZ_VERSION + " · LibTorch " + torchVersionString() + " · ";
  s += kCudaCompiledIn ? std::string("CUDA ") + cudaVersionString() + " compiled in" : std::string("CPU only build");
  const int gpus = visibleCudaDevices();
  s += gpus == 0 ? " · no GPU visible" : " · " + std::to_string(gpus) + (gpus == 1 ? " GPU visible" : " GPUs visible");
  return s;
}

}  // namespace aotviz
