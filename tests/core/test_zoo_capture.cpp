// tests/core/test_zoo_capture.cpp — every built-in model captures (fake tensors) and its joint graph, replayed on
// CPU, equals eager autograd: outputs, gradients, mutated inputs.
#include <gtest/gtest.h>

#include "core/ir/verify.h"
#include "core/models/zoo.h"
#include "tests/core/capture_testing.h"

namespace aotviz {
namespace {

class ZooCapture : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooCapture, JointGraphReplaysLikeEager) {
  models::Model m = models::buildModel(GetParam());
  auto cap = capture::captureGraph(m.fn, m.inputs);
  EXPECT_TRUE(cap.is_joint);
  EXPECT_TRUE(ir::verify(cap.graph).empty());
  EXPECT_GT(cap.graph.numCalls(), 0u);
  testing::expectReplayMatchesEager(m.fn, m.inputs, capture::TraceMode::Fake, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Models, ZooCapture,
                         ::testing::Values("mlp", "mlp_gelu_ln", "cnn", "attn_block", "mutation_fn", "deep_mlp", "gpt",
                                           "resnet18"));

TEST(Zoo, UnknownModelNamesTheAvailableOnes) {
  try {
    models::buildModel("resnet9000");
    FAIL();
  } catch (const AotError& e) {
    EXPECT_NE(std::string(e.what()).find("attn_block"), std::string::npos);
  }
}

TEST(Zoo, MutationFnReportsItsInputMutationAndAlias) {
  models::Model m = models::buildModel("mutation_fn");
  auto cap = capture::captureGraph(m.fn, m.inputs);
  EXPECT_TRUE(cap.meta.input_info[0].mutates_data);
  EXPECT_EQ(cap.meta.input_info[0].mutation_type, meta::MutationType::MutatedOutGraph);
  EXPECT_EQ(cap.meta.output_info[0].output_type, meta::OutputType::NonAlias);
  EXPECT_EQ(cap.meta.output_info[1].output_type, meta::OutputType::AliasOfInput);
  EXPECT_EQ(cap.meta.output_info[1].base_idx, 0);
}

// gpt takes its size as options: the joint graph grows linearly with the layers (each block adds the same ops),
// the defaults are the registry's, a small non-default size still replays like eager, and a bad option is a clear
// error naming the valid ones.
TEST(Zoo, GptTakesItsSizeAsOptions) {
  auto calls = [](const models::ModelOptions& o) {
    models::Model m = models::buildModel("gpt", 0, o);
    return capture::captureGraph(m.fn, m.inputs).graph.numCalls();
  };
  const size_t one = calls({{"layers", 1}, {"seq", 16}, {"width", 64}}),
               two = calls({{"layers", 2}, {"seq", 16}, {"width", 64}}),
               four = calls({{"layers", 4}, {"seq", 16}, {"width", 64}});
  EXPECT_GT(two, one);
  EXPECT_EQ(four - two, 2 * (two - one));  // linear in the layers
  EXPECT_EQ(calls({}), calls({{"layers", 4}, {"width", 256}, {"seq", 128}}));  // the defaults
  models::Model small = models::buildModel("gpt", 0, {{"layers", 2}, {"width", 32}, {"heads", 2}, {"seq", 8}, {"vocab", 64}, {"batch", 1}});
  EXPECT_EQ(small.inputs.back().example.sizes().vec(), (std::vector<int64_t>{1, 8}));
  EXPECT_FALSE(small.notes.empty());
  testing::expectReplayMatchesEager(small.fn, small.inputs, capture::TraceMode::Fake, 1e-4);
  auto error = [](const std::string& model, const models::ModelOptions& o) {
    try {
      models::buildModel(model, 0, o);
    } catch (const AotError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("gpt", {{"depth", 3}}).find("layers (default 4)"), std::string::npos) << error("gpt", {{"depth", 3}});
  EXPECT_NE(error("gpt", {{"width", 100}, {"heads", 3}}).find("not a multiple of heads"), std::string::npos);
  EXPECT_NE(error("gpt", {{"layers", 0}}).find("at least 1"), std::string::npos);
  EXPECT_NE(error("mlp", {{"layers", 3}}).find("takes no size options"), std::string::npos);
}

}  // namespace
}  // namespace aotviz
