// core/metadata/dedupe.h — the dedupe stage (AOTAutograd's AOTDedupeWrapper, ../shared/reference/aot_autograd_spec.md
// §5.5): the same tensor passed as several inputs.
#pragma once

#include <string>
#include <vector>

#include "core/metadata/collect_metadata.h"
#include "core/metadata/records.h"

namespace aotviz::meta {

/// The dedupe record (strategy, keep_arg_mask, add_dupe_map: records.h) and what the next stage traces.
struct DedupeResult : DedupeRecord {
  std::vector<capture::InputDesc> inputs;  // what the next stage sees
  capture::TracedFn fn;
  ViewAndMutationMeta meta;              // metadata of `fn` on `inputs`
};

/// Applies AOTAutograd's dedupe to `fn` on `inputs` whose metadata is `meta`. With RemoveDupes the deduplicated
/// function's metadata is collected again (PyTorch rewrites it with remove_dupe_metadata and checks the rewrite
/// against a fresh collection in debug mode; the results are equal).
DedupeResult dedupeInputs(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                          const ViewAndMutationMeta& meta, const MetadataOptions& opts);

}  // namespace aotviz::meta
