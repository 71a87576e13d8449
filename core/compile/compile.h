// core/compile/compile.h — the compile stage: turns a graph into something that runs, with a backend chosen by
// name (AOTAutograd's fw_compiler / bw_compiler).
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/compile/backend.h"
#include "core/compile/interpreter.h"
#include "core/ir/graph.h"

namespace aotviz::exec {

/// "interpreter" | "cuda_graph"; AotError (stage "compile") naming the known backends otherwise.
Backend parseBackend(const std::string& name);
/// "cpu" or "cuda" (AotError, stage "inputs", when unknown or when this LibTorch has no usable GPU).
c10::Device parseDevice(const std::string& name);

struct CompileOptions {
  Backend backend = Backend::Interpreter;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
};

/// A compiled graph. Owns its graph; run() is const and may be called many times.
class CompiledGraph {
 public:
  CompiledGraph(ir::Graph g, std::string label, const CompileOptions& opts);
  /// See Interpreter::run: inputs moved in are freed after their last use.
  std::vector<at::Tensor> run(std::vector<at::Tensor> inputs, Profile* profile = nullptr) const;
  const ir::Graph& graph() const { return *graph_; }
  const std::string& label() const { return label_; }  // "forward", "backward", "inference"

 private:
  std::unique_ptr<ir::Graph> graph_;  // stable address for the interpreter
  std::string label_;
  std::unique_ptr<Interpreter> interp_;
};

/// Compiles one graph. Throws AotError (stage "compile"): unknown operator (naming the node), a backend this build
/// or device cannot run.
std::shared_ptr<const CompiledGraph> compileGraph(ir::Graph g, const std::string& label, const CompileOptions& opts);

}  // namespace aotviz::exec
