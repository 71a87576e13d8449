// core/metadata/records.h — what the dedupe and synthetic_base stages decided, as plain data: the part of their
// results that a session saves and the app and meta.json show (the rewritten function and its example inputs stay
// with the running pipeline). No LibTorch here, so a session loads, and its fuzz target links, without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aotviz::meta {

enum class DedupeStrategy {
  None,         // no tensor appears twice
  LeafifyDupes, // strategy 1: no duplicate is mutated; later duplicates are traced as distinct inputs
  RemoveDupes,  // strategy 2: some duplicate is mutated; the graph takes each tensor once
};

const char* dedupeStrategyName(DedupeStrategy s);  // "none", "leafify", "remove_dupes"

/// What dedupe did (AOTDedupeWrapper's keep_arg_mask and add_dupe_map). meta::DedupeResult is one of these plus the
/// deduplicated function.
struct DedupeRecord {
  DedupeStrategy strategy = DedupeStrategy::None;
  std::vector<bool> keep_arg_mask;   // per outer input: kept (RemoveDupes)
  std::vector<size_t> add_dupe_map;  // per outer input: its index among the kept inputs (RemoveDupes)
};

/// How one outer input is made from the inner inputs: the inner input `inner`, or an as_strided view of the base
/// `base` (sizes, strides, storage offset relative to the base's).
struct SyntheticArg {
  int inner = -1;
  int base = -1;
  std::vector<int64_t> sizes, strides;
  int64_t storage_offset = 0;
};

/// What merge_view_inputs did. meta::SyntheticBaseResult is one of these plus the function over the bases.
struct SyntheticBaseRecord {
  bool applied = false;
  std::vector<SyntheticArg> info;  // per outer input (empty when not applied)
  /// Per base: true when it is the inputs' common autograd ._base (ViewBaseAOTInput), false when it is a tensor
  /// over the whole storage (SyntheticBaseAOTInput).
  std::vector<bool> base_is_view_base;
  /// Outer inputs that alias a base and had metadata mutations: the function returns their final value as extra
  /// outputs after the user outputs, and the runtime applies as_strided_ on the originals.
  std::vector<size_t> aliased_arg_idx_with_metadata_mutations;
};

/// meta.json's "dedupe" object: strategy, keep_arg_mask, add_dupe_map.
nlohmann::json dedupeToJson(const DedupeRecord& d);
/// meta.json's "synthetic_base" object: applied, info (per outer input: {inner} or {base, size, stride,
/// storage_offset}), base_is_view_base, aliased_arg_idx_with_metadata_mutations.
nlohmann::json syntheticBaseToJson(const SyntheticBaseRecord& s);

/// Read back exactly what the two above write; AotError (stage "load") naming the field's full path under `path`
/// ("snapshots[2].meta.dedupe.strategy: is 'x', expected none, leafify or remove_dupes").
DedupeRecord dedupeFromJson(const nlohmann::json& j, const std::string& path);
SyntheticBaseRecord syntheticBaseFromJson(const nlohmann::json& j, const std::string& path);

}  // namespace aotviz::meta
