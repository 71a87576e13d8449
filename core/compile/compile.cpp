// core/compile/compile.cpp — the compile stage.
#include "core/compile/compile.h"

#include "core/util/build_info.h"
#include "core/util/diagnostic.h"

namespace aotviz::exec {

namespace {
constexpr const char* kStage = "compile";
}

c10::Device parseDevice(const std::string& d) {
  if (d == "cpu") return c10::Device(c10::DeviceType::CPU);
  if (d == "cuda") {
    if (!kCudaCompiledIn)
      fail("inputs", "", "--device cuda: this build has no CUDA support (no CUDA toolkit was found when it was built)",
           "use --device cpu, or install the CUDA toolkit (nvcc on PATH) and build again");
    if (visibleCudaDevices() == 0)
      fail("inputs", "", std::string("--device cuda: no CUDA device visible; this build has CUDA support (CUDA ") +
                             cudaVersionString() + ", LibTorch " + torchVersionString() + ")",
           "run on a machine with an NVIDIA GPU and driver, or use --device cpu");
    return c10::Device(c10::DeviceType::CUDA, 0);
  }
  fail("inputs", "", "unknown device '" + d + "'", "use --device cpu or --device cuda");
}

Backend parseBackend(const std::string& name) {
  if (auto b = kBackendNames.parse(name)) return *b;
  fail(kStage, "", "unknown backend '" + name + "'", "use " + kBackendNames.choices());
}

CompiledGraph::CompiledGraph(ir::Graph g, std::string label, const CompileOptions& opts)
    : graph_(std::make_unique<ir::Graph>(std::move(g))), label_(std::move(label)) {
  if (opts.backend == Backend::CudaGraph)
    fail(kStage, "", "backend cuda_graph is not available in this build",
         "it needs a CUDA build of LibTorch and --device cuda; use --backend interpreter");
  interp_ = std::make_unique<Interpreter>(*graph_, opts.device);
}

std::vector<at::Tensor> CompiledGraph::run(std::vector<at::Tensor> inputs, Profile* profile) const {
  if (profile) profile->graph = label_;
  return interp_->run(std::move(inputs), profile);
}

std::shared_ptr<const CompiledGraph> compileGraph(ir::Graph g, const std::string& label, const CompileOptions& opts) {
  return std::make_shared<const CompiledGraph>(std::move(g), label, opts);
}

}  // namespace aotviz::exec
