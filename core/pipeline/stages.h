// core/pipeline/stages.h — the ordered list of pipeline stages and what each one does (shown by the app and CLI).
#pragma once

#include <string>
#include <vector>

namespace aotviz::pipeline {

struct StageInfo {
  const char* name;     // "joint"
  const char* summary;  // one line for tooltips and `--help`
  const char* aot_counterpart;
};

/// The stages in execution order (ARCHITECTURE.md, "core: the pipeline"). The metadata run comes before dedupe
/// and synthetic_base, as in AOTAutograd: both wrappers decide on the user function's metadata.
inline const std::vector<StageInfo>& stageList() {
  static const std::vector<StageInfo> s = {
      {"inputs", "open the model: parameters, buffers and user inputs with descriptors", "create_aot_state"},
      {"metadata", "functionalized forward run: input mutations and output aliasing (ViewAndMutationMeta)",
       "run_functionalized_fw_and_collect_metadata"},
      {"dedupe", "duplicate input tensors: trace them apart, or keep one when one is mutated", "AOTDedupeWrapper"},
      {"synthetic_base", "merge aliased inputs that are mutated into one synthetic base", "AOTSyntheticBaseWrapper"},
      {"joint", "trace forward and backward together through the real autograd engine", "create_joint"},
      {"passes", "dead-code elimination of the joint graph", "joint graph passes"},
      {"cache", "look the partition up in the on-disk cache (a hit skips partitioning)", "AOTAutogradCache"},
      {"partition", "split the joint graph into forward and backward; decide what to save or recompute",
       "min_cut_rematerialization_partition"},
      {"compile", "turn the forward and backward graphs into executables", "fw_compiler / bw_compiler"},
      {"runtime", "wrap them into a callable with autograd and runtime wrappers", "CompiledFunction"},
      {"execution", "run the compiled result next to eager PyTorch and compare", "(measurement)"},
  };
  return s;
}

}  // namespace aotviz::pipeline
