// core/metadata/view_and_mutation_meta.h — AOTAutograd's ViewAndMutationMeta: what the metadata stage learns about
// a function's input mutations and output aliasing (../shared/reference/aot_autograd_spec.md §2.2–§2.5), with the
// same field names and enum values (lower-case in JSON). Plain data; the stages that fill it are
// collect_metadata.h (metadata), dedupe.h and synthetic_base.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aotviz::meta {

/// MutationType (schemas.py): where an input mutation is applied.
enum class MutationType { NotMutated, MutatedInGraph, MutatedOutGraph };

/// OutputType (schemas.py), in PyTorch's order.
enum class OutputType {
  NonAlias,
  AliasOfInput,
  IsInput,
  AliasOfIntermediateSaveAsOutput,
  AliasOfIntermediate,
  AliasOfIntermediateBaseIsUserOutput,
  UnsafeViewAlias,
  CustomFunctionView,
};

const char* mutationTypeName(MutationType t);  // "not_mutated", "mutated_in_graph", "mutated_out_graph"
const char* outputTypeName(OutputType t);      // "non_alias", "alias_of_input", ...

/// One in-place operation on an input's storage, as the metadata run saw it (for display and diagnostics).
struct MutationRecord {
  std::string op;  // "aten::mul_.Tensor"
  bool grad_enabled = true;
  bool inference_mode = false;
  bool metadata_only = false;  // an in-place view op (t_, unsqueeze_, as_strided_, ...)
};

/// InputAliasInfo: one per flat input of the described function.
struct InputAliasInfo {
  bool is_leaf = true;
  bool mutates_data = false;
  bool mutates_metadata = false;
  bool mutates_storage_metadata = false;  // a net set_
  bool mutations_hidden_from_autograd = false;
  bool mutations_under_no_grad_or_inference_mode = false;
  bool mutation_inductor_storage_resize = false;
  bool requires_grad = false;  // after the function ran
  bool keep_input_mutations = false;
  MutationType mutation_type = MutationType::NotMutated;
  std::vector<MutationRecord> mutations;  // aotviz: the in-place ops seen on this input's storage
};

/// OutputAliasInfo: one per flat user output.
struct OutputAliasInfo {
  OutputType output_type = OutputType::NonAlias;
  int base_idx = -1;  // -1: None. Input index, intermediate-base index or user-output index (spec §2.4)
  bool is_tensor = true;
  bool requires_grad = false;
  bool requires_grad_for_backward = false;
  std::vector<int64_t> sizes, strides;  // the traced output's metadata
  int64_t storage_offset = 0;
};

struct ViewAndMutationMeta {
  std::vector<InputAliasInfo> input_info;
  std::vector<OutputAliasInfo> output_info;
  int num_intermediate_bases = 0;
  bool keep_input_mutations = false;
  /// AOTAutograd's needs_autograd after metadata collection (§3.0): trace a joint (training) graph.
  bool is_train = false;
  bool grad_enabled = true;  // grad mode the function ran under
  int grad_enabled_mutation = -1;  // -1: None; else the grad mode the function left behind (0/1)

  // Derived (schemas.py __post_init__).
  std::vector<size_t> mutatedInpRuntimeIndices() const;  // MUTATED_OUT_GRAPH inputs
  std::vector<size_t> mutatedGraphHandledIndices() const;  // MUTATED_IN_GRAPH inputs
  std::vector<size_t> aliasedOutIndices() const;
  size_t numOutputsAliasedToInputs() const;
  size_t numOutputsAliasedToIntermediates() const;
  size_t numUnsafeViewOutputs() const;
  /// [mutated inputs (out of graph), user outputs, intermediate bases]
  size_t numForwardReturns() const;
  /// Tangent mask over the forward returns (§3.1): data-mutated inputs that require grad, differentiable
  /// non-aliased user outputs, every intermediate base.
  std::vector<bool> tangentMask() const;
  size_t numTangents() const;
};

/// PyTorch's _check_if_mutation_can_be_in_graph (functional_utils.py).
bool mutationCanBeInGraph(const InputAliasInfo& i);
/// Sets `mutation_type` from the other fields; throws AotError (stage "metadata") for a set_ that cannot be kept in
/// the graph, with PyTorch's message.
void assignMutationType(InputAliasInfo& i, size_t index);

inline constexpr int kMetaSchemaVersion = 1;

/// The meta.json object for one ViewAndMutationMeta (fields named as in PyTorch, enum values lower-case).
nlohmann::json metaToJson(const ViewAndMutationMeta& m);
/// Reads back exactly what metaToJson writes (a session's saved metadata): every stored field, enums by name. The
/// derived fields (mutated_inp_runtime_indices, num_tangents, ...) must be there with their type but their values
/// are not used: the struct's methods compute them from the stored ones. AotError (stage "load") naming the field's
/// full path under `path`, e.g. "snapshots[1].meta.input_info[0].mutates_data: missing field".
ViewAndMutationMeta metaFromJson(const nlohmann::json& j, const std::string& path);

}  // namespace aotviz::meta
