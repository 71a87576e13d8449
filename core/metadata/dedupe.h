// core/metadata/dedupe.h — the dedupe stage (AOTAutograd's AOTDedupeWrapper, ../shared/reference/aot_autograd_spec.md
// §5.5): the same tensor passed as several inputs.
#pragma once

#include <string>
#include <vector>

#include "core/metadata/collect_metadata.h"

namespace aotviz::meta {

enum class DedupeStrategy {
  None,         // no tensor appears twice
  LeafifyDupes, // strategy 1: no duplicate is mutated; later duplicates are traced as distinct inputs
  RemoveDupes,  // strategy 2: some duplicate is mutated; the graph takes each tensor once
};

const char* dedupeStrategyName(DedupeStrategy s);  // "none", "leafify", "remove_dupes"

struct DedupeResult {
  DedupeStrategy strategy = DedupeStrategy::None;
  std::vector<bool> keep_arg_mask;       // per outer input: kept (RemoveDupes)
  std::vector<size_t> add_dupe_map;      // per outer input: its index among the kept inputs (RemoveDupes)
  std::vector<capture::InputDesc> inputs;  // what the next stage sees
  capture::TracedFn fn;
  ViewAndMutationMeta meta;              // metadata of `fn` on `inputs`
};

/// Applies AOTAutograd's dedupe to `fn` on `inputs` whose metadata is `meta`. With RemoveDupes the deduplicated
/// function's metadata is collected again (PyTorch rewrites it with remove_dupe_metadata and checks the rewrite
/// against a fresh collection in debug mode; the results are equal).
DedupeResult dedupeInputs(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                          const ViewAndMutationMeta& meta, const MetadataOptions& opts);

/// meta.json's "dedupe" object: strategy, keep_arg_mask, add_dupe_map.
nlohmann::json dedupeToJson(const DedupeResult& d);

}  // namespace aotviz::meta
