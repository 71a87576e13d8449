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

}  // namespace
}  // namespace aotviz
