// tests/core/test_fidelity.cpp — aotviz against PyTorch 2.11's own AOTAutograd, run live: tests/fidelity/torch211_aot.py
// drives aot_module / aot_function (fake tensors, recording compilers and partition functions) on every built-in
// model and every scenario asset with the venv's torch, and this test compares, model by model:
//   - the joint graph: op multiset (getitem and detach aside), numbers of primals and tangents, the order of the
//     inputs, the number of outputs;
//   - ViewAndMutationMeta field by field (every input_info and output_info field, num_intermediate_bases,
//     keep_input_mutations, is_train, the traced tangents);
//   - forward and backward op multisets, the saved-value set and saved bytes under both partitioners.
// Every difference fails, unless kKnown lists it with the reason (the README's "Differences from PyTorch 2.11").
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/capture/capture.h"
#include "core/models/torchscript.h"
#include "core/models/zoo.h"
#include "core/models/exported_program.h"
#include "core/partition/partition.h"
#include "tests/core/pytorch_reference.h"

namespace aotviz {
namespace {

using nlohmann::json;
using testing::Multiset;

/// tests/fidelity/torch211_aot.py's output (about 15 s to run, then cached); nullptr with the reason when it
/// cannot run.
const json* pytorchResults(std::string* why) { return testing::pytorchReference("torch211_aot.py", why); }

using testing::diff;
using testing::ourOps;
using testing::theirOps;

template <class T>
std::string field(const std::string& what, const T& ours, const json& theirs) {
  if (json(ours) == theirs) return "";
  return what + ": ours " + json(ours).dump() + " vs 2.11 " + theirs.dump() + "; ";
}

std::string setDiff(const std::set<std::string>& ours, const std::set<std::string>& theirs) {
  std::string d;
  for (const auto& s : ours)
    if (!theirs.count(s)) d += "ours " + s + "; ";
  for (const auto& s : theirs)
    if (!ours.count(s)) d += "2.11 " + s + "; ";
  return d;
}

/// Where aotviz differs from PyTorch 2.11 on purpose, by (model, partitioner, what): the expected diff text, why.
struct KnownDifference {
  const char* model;
  const char* partitioner;  // "*" for both, "" where no partitioner is involved
  const char* what;
  const char* expected;
  const char* why;
};
/// Empty: every comparison above is exact on every model. A deliberate difference is added here with its reason
/// and listed in the README.
const std::vector<KnownDifference> kKnown = {};

void expectSame(const std::string& model, const std::string& part, const std::string& what, const std::string& d) {
  for (const auto& k : kKnown)
    if (model == k.model && (std::string(k.partitioner) == "*" || part == k.partitioner) && what == k.what) {
      EXPECT_EQ(d, k.expected) << model << " " << part << " " << what << " (known difference: " << k.why << ")";
      return;
    }
  EXPECT_EQ(d, "") << model << " " << part << " " << what;
}

std::string compareMeta(const meta::ViewAndMutationMeta& m, const json& py) {
  std::string d;
  const json& ins = py.at("input_info");
  d += field("inputs", m.input_info.size(), json(ins.size()));
  for (size_t i = 0; i < std::min(m.input_info.size(), ins.size()); ++i) {
    const meta::InputAliasInfo& a = m.input_info[i];
    const json& b = ins[i];
    const std::string p = "input " + std::to_string(i) + " ";
    d += field(p + "is_leaf", a.is_leaf, b.at("is_leaf"));
    d += field(p + "mutates_data", a.mutates_data, b.at("mutates_data"));
    d += field(p + "mutates_metadata", a.mutates_metadata, b.at("mutates_metadata"));
    d += field(p + "mutates_storage_metadata", a.mutates_storage_metadata, b.at("mutates_storage_metadata"));
    d += field(p + "mutations_hidden_from_autograd", a.mutations_hidden_from_autograd,
               b.at("mutations_hidden_from_autograd"));
    d += field(p + "mutations_under_no_grad_or_inference_mode", a.mutations_under_no_grad_or_inference_mode,
               b.at("mutations_under_no_grad_or_inference_mode"));
    d += field(p + "mutation_inductor_storage_resize", a.mutation_inductor_storage_resize,
               b.at("mutation_inductor_storage_resize"));
    d += field(p + "requires_grad", a.requires_grad, b.at("requires_grad"));
    d += field(p + "keep_input_mutations", a.keep_input_mutations, b.at("keep_input_mutations"));
    d += field(p + "mutation_type", std::string(meta::mutationTypeName(a.mutation_type)), b.at("mutation_type"));
  }
  const json& outs = py.at("output_info");
  d += field("outputs", m.output_info.size(), json(outs.size()));
  for (size_t k = 0; k < std::min(m.output_info.size(), outs.size()); ++k) {
    const meta::OutputAliasInfo& a = m.output_info[k];
    const json& b = outs[k];
    const std::string p = "output " + std::to_string(k) + " ";
    d += field(p + "output_type", std::string(meta::outputTypeName(a.output_type)), b.at("output_type"));
    d += field(p + "base_idx", a.base_idx < 0 ? json(nullptr) : json(a.base_idx), b.at("base_idx"));
    d += field(p + "requires_grad", a.requires_grad, b.at("requires_grad"));
  }
  d += field("num_intermediate_bases", m.num_intermediate_bases, py.at("num_intermediate_bases"));
  d += field("keep_input_mutations", m.keep_input_mutations, py.at("keep_input_mutations"));
  d += field("is_train", m.is_train, py.at("is_train"));
  return d;
}

/// The traced tangents (shapes, in order) of our joint graph against meta_traced.traced_tangents.
std::string compareTangents(const ir::Graph& joint, const json& py) {
  std::vector<std::vector<int64_t>> ours, theirs;
  for (const auto& n : joint.nodes)
    if (n.kind == ir::NodeKind::Placeholder && n.role == ir::InputRole::Tangent)
      ours.push_back(joint.value(n.outputs.at(0)).meta.sizes);
  for (const auto& t : py.at("traced_tangents")) theirs.push_back(t.at("shape").get<std::vector<int64_t>>());
  return field("traced_tangents", ours, json(theirs));
}

std::string compareJointShape(const ir::Graph& g, const json& py) {
  std::vector<std::string> names;
  size_t primals = 0, tangents = 0;
  for (const auto& n : g.nodes)
    if (n.kind == ir::NodeKind::Placeholder) {
      names.push_back(n.name);
      primals += n.role == ir::InputRole::Primal;
      tangents += n.role == ir::InputRole::Tangent;
    }
  std::string d;
  d += field("num_primals", primals, py.at("num_primals"));
  d += field("num_tangents", tangents, py.at("num_tangents"));
  d += field("placeholders", names, py.at("placeholders"));
  d += field("num_outputs", g.outputNode()->args.size(), py.at("num_outputs"));
  return d;
}

std::string modelPath(const std::string& name) {
  if (models::hasModel(name)) return name;
  if (models::looksLikeExportedProgram(name)) return AOTVIZ_SOURCE_DIR "/assets/export/" + name;
  return AOTVIZ_SOURCE_DIR "/assets/torchscript/" + name + ".pt";
}

class Fidelity : public ::testing::TestWithParam<std::string> {};

TEST_P(Fidelity, MatchesPyTorch211) {
  std::string why;
  const json* py = pytorchResults(&why);
  ASSERT_NE(py, nullptr) << why;
  const std::string model = GetParam();
  ASSERT_TRUE(py->at("models").contains(model)) << "torch211_aot.py has no entry for " << model;
  const json& theirs = py->at("models").at(model);
  ASSERT_FALSE(theirs.contains("error")) << "PyTorch itself failed: " << theirs.at("error");
  models::Model m = models::openModel(modelPath(model));
  capture::CaptureResult cap = capture::captureGraph(m.fn, m.inputs);

  expectSame(model, "", "meta", compareMeta(cap.user_meta, theirs.at("meta")));
  if (!theirs.at("is_train").get<bool>()) {
    EXPECT_FALSE(cap.meta.is_train) << model << ": PyTorch traced an inference graph";
    expectSame(model, "", "inference_ops", diff(ourOps(cap.graph), theirOps(theirs.at("inference").at("ops"))));
    return;
  }
  ASSERT_TRUE(cap.meta.is_train) << model << ": PyTorch traced a joint graph";
  const json& joint = theirs.at("joint");
  expectSame(model, "", "tangents", compareTangents(cap.graph, theirs.at("meta_traced")));
  expectSame(model, "", "joint_ops", diff(ourOps(cap.graph), theirOps(joint.at("ops"))));
  expectSame(model, "", "joint_shape", compareJointShape(cap.graph, joint));
  EXPECT_EQ(cap.numForwardOutputs(), joint.at("num_fwd_outputs").get<size_t>()) << model;

  // The partitioners get PyTorch's own static inputs: aot_module outside Dynamo marks none (parameters are then not
  // free to save); the pipeline passes the parameters, as torch.compile's Dynamo does (README, "Differences").
  std::vector<size_t> statics;
  for (const auto& i : theirs.at("partition_kwargs").at("static_lifetime_input_indices")) statics.push_back(i.get<size_t>());
  for (const std::string part : {"default", "mincut"}) {
    const json& pt = theirs.at("partitions").at(part);
    partition::Options o;
    o.partitioner = partition::parsePartitioner(part);
    o.rules = partition::Rules::Current;
    partition::PartitionResult r = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), statics, o);
    // PyTorch's partitions keep impure nodes nothing uses (a dead copy of SDPA's forward in default_partition's
    // backward); aotviz removes them (Note [Dead random ops in PyTorch's partitions], test_corpus.cpp).
    auto live = [&](const char* ops, const char* graph) {
      const bool has = pt.contains("dead_ops") && pt.at("dead_ops").contains(graph);
      return testing::liveOps(pt.at(ops), has ? &pt.at("dead_ops").at(graph) : nullptr);
    };
    expectSame(model, part, "forward_ops", diff(ourOps(r.forward), live("forward_ops", "forward")));
    expectSame(model, part, "backward_ops", diff(ourOps(r.backward), live("backward_ops", "backward")));
    std::set<std::string> ours, want;
    for (const auto& s : r.saved) ours.insert(s.name);
    for (const auto& s : pt.at("saved_resolved")) want.insert(s.get<std::string>());
    expectSame(model, part, "saved", setDiff(ours, want));
    expectSame(model, part, "saved_bytes",
               field("saved_bytes", r.totals.saved_bytes, pt.at("saved_resolved_bytes")));
  }
}

INSTANTIATE_TEST_SUITE_P(BuiltIn, Fidelity,
                         ::testing::Values("mlp", "mlp_gelu_ln", "cnn", "attn_block", "mutation_fn", "deep_mlp", "gpt",
                                           "resnet18"));
INSTANTIATE_TEST_SUITE_P(Scenarios, Fidelity,
                         ::testing::Values("scoped_mlp", "buffer_mutation", "output_aliasing", "duplicate_inputs",
                                           "duplicate_mutation", "aliased_mutation", "metadata_mutation"));
// torch.export archives: aotviz's replay against PyTorch's AOTAutograd on torch.export.load(...).module().
INSTANTIATE_TEST_SUITE_P(Exported, Fidelity,
                         ::testing::Values("scoped_mlp.pt2", "scoped_mlp_decomposed.pt2", "buffer_mutation.pt2",
                                           "buffer_mutation_decomposed.pt2", "tiny_decoder.pt2",
                                           "tiny_decoder_decomposed.pt2"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return p.param.substr(0, p.param.size() - 4);  // without ".pt2"
                         });

}  // namespace
}  // namespace aotviz
