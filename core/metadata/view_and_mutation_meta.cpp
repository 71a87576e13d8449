// core/metadata/view_and_mutation_meta.cpp — derived fields, the in-graph rule and JSON for ViewAndMutationMeta.
#include "core/metadata/view_and_mutation_meta.h"

#include <climits>

#include "core/util/diagnostic.h"
#include "core/util/json_read.h"

namespace aotviz::meta {

const char* mutationTypeName(MutationType t) {
  switch (t) {
    case MutationType::NotMutated: return "not_mutated";
    case MutationType::MutatedInGraph: return "mutated_in_graph";
    case MutationType::MutatedOutGraph: return "mutated_out_graph";
  }
  return "?";
}

const char* outputTypeName(OutputType t) {
  switch (t) {
    case OutputType::NonAlias: return "non_alias";
    case OutputType::AliasOfInput: return "alias_of_input";
    case OutputType::IsInput: return "is_input";
    case OutputType::AliasOfIntermediateSaveAsOutput: return "alias_of_intermediate_save_as_output";
    case OutputType::AliasOfIntermediate: return "alias_of_intermediate";
    case OutputType::AliasOfIntermediateBaseIsUserOutput: return "alias_of_intermediate_base_is_user_output";
    case OutputType::UnsafeViewAlias: return "unsafe_view_alias";
    case OutputType::CustomFunctionView: return "custom_function_view";
  }
  return "?";
}

bool mutationCanBeInGraph(const InputAliasInfo& i) {
  if (!i.keep_input_mutations) return false;
  return (i.mutates_data || i.mutates_storage_metadata || i.mutation_inductor_storage_resize) &&
         ((!i.mutates_metadata && !i.requires_grad) || i.mutations_hidden_from_autograd ||
          i.mutations_under_no_grad_or_inference_mode);
}

void assignMutationType(InputAliasInfo& i, size_t index) {
  if (!i.mutates_data && !i.mutates_metadata && !i.mutation_inductor_storage_resize) {
    i.mutation_type = MutationType::NotMutated;
    return;
  }
  const bool in_graph = mutationCanBeInGraph(i);
  if ((i.mutates_storage_metadata || i.mutation_inductor_storage_resize) && !in_graph) {
    const char* op = i.mutation_inductor_storage_resize ? "resize_" : "set_";
    fail("metadata", "input " + std::to_string(index),
         std::string("Encountered a ") + op +
             " on a graph input, but the input has other mutations that we cannot keep in the graph. This is not "
             "supported today (keep_input_mutations=" + (i.keep_input_mutations ? "True" : "False") +
             ", mutates_data=" + (i.mutates_data ? "True" : "False") + ", mutates_metadata=" +
             (i.mutates_metadata ? "True" : "False") + ", requires_grad=" + (i.requires_grad ? "True" : "False") + ")",
         std::string("perform the ") + op + " under no_grad and keep input mutations in the graph "
                                            "(--keep-input-mutations)");
  }
  i.mutation_type = in_graph ? MutationType::MutatedInGraph : MutationType::MutatedOutGraph;
}

std::vector<size_t> ViewAndMutationMeta::mutatedInpRuntimeIndices() const {
  std::vector<size_t> r;
  for (size_t i = 0; i < input_info.size(); ++i)
    if (input_info[i].mutation_type == MutationType::MutatedOutGraph) r.push_back(i);
  return r;
}

std::vector<size_t> ViewAndMutationMeta::mutatedGraphHandledIndices() const {
  std::vector<size_t> r;
  for (size_t i = 0; i < input_info.size(); ++i)
    if (input_info[i].mutation_type == MutationType::MutatedInGraph) r.push_back(i);
  return r;
}

namespace {
bool isAliasedType(OutputType t) {
  return t != OutputType::NonAlias && t != OutputType::UnsafeViewAlias && t != OutputType::CustomFunctionView;
}
bool isIntermediateAlias(OutputType t) {
  return t == OutputType::AliasOfIntermediate || t == OutputType::AliasOfIntermediateSaveAsOutput ||
         t == OutputType::AliasOfIntermediateBaseIsUserOutput;
}
}  // namespace

std::vector<size_t> ViewAndMutationMeta::aliasedOutIndices() const {
  std::vector<size_t> r;
  for (size_t k = 0; k < output_info.size(); ++k)
    if (isAliasedType(output_info[k].output_type)) r.push_back(k);
  return r;
}

size_t ViewAndMutationMeta::numOutputsAliasedToInputs() const {
  size_t n = 0;
  for (const auto& o : output_info)
    n += o.output_type == OutputType::AliasOfInput || o.output_type == OutputType::IsInput;
  return n;
}

size_t ViewAndMutationMeta::numOutputsAliasedToIntermediates() const {
  size_t n = 0;
  for (const auto& o : output_info) n += isIntermediateAlias(o.output_type);
  return n;
}

size_t ViewAndMutationMeta::numUnsafeViewOutputs() const {
  size_t n = 0;
  for (const auto& o : output_info) n += o.output_type == OutputType::UnsafeViewAlias;
  return n;
}

size_t ViewAndMutationMeta::numForwardReturns() const {
  return mutatedInpRuntimeIndices().size() + output_info.size() + static_cast<size_t>(num_intermediate_bases);
}

std::vector<bool> ViewAndMutationMeta::tangentMask() const {
  std::vector<bool> mask;
  for (size_t i : mutatedInpRuntimeIndices()) mask.push_back(input_info[i].mutates_data && input_info[i].requires_grad);
  for (const auto& o : output_info)
    mask.push_back(!isAliasedType(o.output_type) && o.is_tensor && o.requires_grad_for_backward);
  for (int b = 0; b < num_intermediate_bases; ++b) mask.push_back(true);
  return mask;
}

size_t ViewAndMutationMeta::numTangents() const {
  size_t n = 0;
  for (bool b : tangentMask()) n += b;
  return n;
}

nlohmann::json metaToJson(const ViewAndMutationMeta& m) {
  using json = nlohmann::json;
  json inputs = json::array();
  for (const auto& i : m.input_info) {
    json muts = json::array();
    for (const auto& r : i.mutations)
      muts.push_back({{"op", r.op}, {"grad_enabled", r.grad_enabled}, {"inference_mode", r.inference_mode},
                      {"metadata_only", r.metadata_only}});
    inputs.push_back({{"is_leaf", i.is_leaf},
                      {"mutates_data", i.mutates_data},
                      {"mutates_metadata", i.mutates_metadata},
                      {"mutates_storage_metadata", i.mutates_storage_metadata},
                      {"mutations_hidden_from_autograd", i.mutations_hidden_from_autograd},
                      {"mutations_under_no_grad_or_inference_mode", i.mutations_under_no_grad_or_inference_mode},
                      {"mutation_inductor_storage_resize", i.mutation_inductor_storage_resize},
                      {"requires_grad", i.requires_grad},
                      {"keep_input_mutations", i.keep_input_mutations},
                      {"mutation_type", mutationTypeName(i.mutation_type)},
                      {"mutating_ops", muts}});
  }
  json outputs = json::array();
  for (const auto& o : m.output_info)
    outputs.push_back({{"output_type", outputTypeName(o.output_type)},
                       {"base_idx", o.base_idx < 0 ? json(nullptr) : json(o.base_idx)},
                       {"requires_grad", o.requires_grad},
                       {"requires_grad_for_backward", o.requires_grad_for_backward},
                       {"raw_type", o.is_tensor ? "Tensor" : "None"},
                       {"size", o.sizes},
                       {"stride", o.strides},
                       {"storage_offset", o.storage_offset}});
  return {{"input_info", inputs},
          {"output_info", outputs},
          {"num_intermediate_bases", m.num_intermediate_bases},
          {"keep_input_mutations", m.keep_input_mutations},
          {"is_train", m.is_train},
          {"grad_enabled", m.grad_enabled},
          {"grad_enabled_mutation", m.grad_enabled_mutation < 0 ? json(nullptr) : json(m.grad_enabled_mutation == 1)},
          {"mutated_inp_runtime_indices", m.mutatedInpRuntimeIndices()},
          {"mutated_graph_handled_indices", m.mutatedGraphHandledIndices()},
          {"aliased_out_indices", m.aliasedOutIndices()},
          {"num_outputs", m.output_info.size()},
          {"num_outputs_aliased_to_inputs", m.numOutputsAliasedToInputs()},
          {"num_outputs_aliased_to_intermediates", m.numOutputsAliasedToIntermediates()},
          {"num_unsafe_view_outputs", m.numUnsafeViewOutputs()},
          {"num_forward_returns", m.numForwardReturns()},
          {"num_tangents", m.numTangents()}};
}

namespace {

using nlohmann::json;

const util::JsonReader kR{"load", "the saved metadata is damaged or from another aotviz version; run the stage again"};

/// An enum field by the name its name function gives; an unknown name is an error listing the valid ones.
template <class E, size_t N>
E enumAt(const json& j, const char* key, const std::string& p, const char* (*name)(E), const E (&values)[N]) {
  const std::string s = kR.stringAt(j, key, p);
  std::string choices;
  for (size_t k = 0; k < N; ++k) {
    if (s == name(values[k])) return values[k];
    choices += std::string(k == 0 ? "" : k + 1 == N ? " or " : ", ") + name(values[k]);
  }
  kR.bad(p + "." + key, "is '" + s + "', expected " + choices);
}

/// An int field (the struct's fields are int) in [lo, INT_MAX].
int intAt(const json& j, const char* key, const std::string& p, int lo) {
  const int64_t v = kR.intAt(j, key, p);
  if (v < lo || v > INT_MAX)
    kR.bad(p + "." + key, "is " + std::to_string(v) + ", expected " + std::to_string(lo) + " to " + std::to_string(INT_MAX));
  return static_cast<int>(v);
}

const json& arrayAt(const json& j, const char* key, const std::string& p) {
  return kR.array(kR.field(j, key, p), p + "." + key);
}

MutationRecord mutationFromJson(const json& j, const std::string& p) {
  MutationRecord r;
  r.op = kR.stringAt(j, "op", p);
  r.grad_enabled = kR.boolAt(j, "grad_enabled", p);
  r.inference_mode = kR.boolAt(j, "inference_mode", p);
  r.metadata_only = kR.boolAt(j, "metadata_only", p);
  return r;
}

InputAliasInfo inputFromJson(const json& j, const std::string& p) {
  static constexpr MutationType kMutationTypes[] = {MutationType::NotMutated, MutationType::MutatedInGraph,
                                                    MutationType::MutatedOutGraph};
  InputAliasInfo i;
  i.is_leaf = kR.boolAt(j, "is_leaf", p);
  i.mutates_data = kR.boolAt(j, "mutates_data", p);
  i.mutates_metadata = kR.boolAt(j, "mutates_metadata", p);
  i.mutates_storage_metadata = kR.boolAt(j, "mutates_storage_metadata", p);
  i.mutations_hidden_from_autograd = kR.boolAt(j, "mutations_hidden_from_autograd", p);
  i.mutations_under_no_grad_or_inference_mode = kR.boolAt(j, "mutations_under_no_grad_or_inference_mode", p);
  i.mutation_inductor_storage_resize = kR.boolAt(j, "mutation_inductor_storage_resize", p);
  i.requires_grad = kR.boolAt(j, "requires_grad", p);
  i.keep_input_mutations = kR.boolAt(j, "keep_input_mutations", p);
  i.mutation_type = enumAt(j, "mutation_type", p, mutationTypeName, kMutationTypes);
  const std::string op = p + ".mutating_ops";
  const json& ops = arrayAt(j, "mutating_ops", p);
  for (size_t k = 0; k < ops.size(); ++k) i.mutations.push_back(mutationFromJson(ops[k], util::indexPath(op, k)));
  return i;
}

OutputAliasInfo outputFromJson(const json& j, const std::string& p) {
  static constexpr OutputType kOutputTypes[] = {OutputType::NonAlias,
                                                OutputType::AliasOfInput,
                                                OutputType::IsInput,
                                                OutputType::AliasOfIntermediateSaveAsOutput,
                                                OutputType::AliasOfIntermediate,
                                                OutputType::AliasOfIntermediateBaseIsUserOutput,
                                                OutputType::UnsafeViewAlias,
                                                OutputType::CustomFunctionView};
  OutputAliasInfo o;
  o.output_type = enumAt(j, "output_type", p, outputTypeName, kOutputTypes);
  // None (-1) is written as null.
  const json& base = kR.field(j, "base_idx", p);
  if (base.is_null()) o.base_idx = -1;
  else if (base.is_number_integer()) o.base_idx = intAt(j, "base_idx", p, 0);
  else kR.bad(p + ".base_idx", "expected an integer or null");
  o.requires_grad = kR.boolAt(j, "requires_grad", p);
  o.requires_grad_for_backward = kR.boolAt(j, "requires_grad_for_backward", p);
  const std::string raw = kR.stringAt(j, "raw_type", p);
  if (raw != "Tensor" && raw != "None") kR.bad(p + ".raw_type", "is '" + raw + "', expected Tensor or None");
  o.is_tensor = raw == "Tensor";
  o.sizes = kR.getInts(kR.field(j, "size", p), p + ".size");
  o.strides = kR.getInts(kR.field(j, "stride", p), p + ".stride");
  o.storage_offset = kR.intAt(j, "storage_offset", p);
  return o;
}

}  // namespace

ViewAndMutationMeta metaFromJson(const json& j, const std::string& p) {
  ViewAndMutationMeta m;
  const json& inputs = arrayAt(j, "input_info", p);
  for (size_t i = 0; i < inputs.size(); ++i)
    m.input_info.push_back(inputFromJson(inputs[i], util::indexPath(p + ".input_info", i)));
  const json& outputs = arrayAt(j, "output_info", p);
  for (size_t k = 0; k < outputs.size(); ++k)
    m.output_info.push_back(outputFromJson(outputs[k], util::indexPath(p + ".output_info", k)));
  m.num_intermediate_bases = intAt(j, "num_intermediate_bases", p, 0);
  m.keep_input_mutations = kR.boolAt(j, "keep_input_mutations", p);
  m.is_train = kR.boolAt(j, "is_train", p);
  m.grad_enabled = kR.boolAt(j, "grad_enabled", p);
  // None (-1) is written as null, a grad mode as true or false.
  const json& gm = kR.field(j, "grad_enabled_mutation", p);
  if (gm.is_null()) m.grad_enabled_mutation = -1;
  else if (gm.is_boolean()) m.grad_enabled_mutation = gm.get<bool>() ? 1 : 0;
  else kR.bad(p + ".grad_enabled_mutation", "expected true, false or null");
  // Derived: checked for form only, since the methods recompute them (a hand-edited value cannot disagree with the
  // fields it comes from).
  for (const char* key : {"mutated_inp_runtime_indices", "mutated_graph_handled_indices", "aliased_out_indices"})
    (void)kR.getInts(kR.field(j, key, p), p + "." + key);
  for (const char* key : {"num_outputs", "num_outputs_aliased_to_inputs", "num_outputs_aliased_to_intermediates",
                          "num_unsafe_view_outputs", "num_forward_returns", "num_tangents"})
    (void)kR.intAt(j, key, p);
  return m;
}

}  // namespace aotviz::meta
