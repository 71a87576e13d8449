// tests/core/test_capture.cpp — joint capture of small functions: graphs op by op, replay equals eager autograd.
#include <gtest/gtest.h>

#include "core/ir/printer.h"
#include "tests/core/capture_testing.h"

namespace aotviz {
namespace {

using testing::callOps;
using testing::expectReplayMatchesEager;
using testing::input;

TEST(Capture, MatmulReluSum) {
  auto fn = [](const std::vector<at::Tensor>& in) { return std::vector<at::Tensor>{at::relu(at::mm(in[0], in[1])).sum()}; };
  std::vector<capture::InputDesc> inputs{input("x", at::randn({4, 8}), true), input("w", at::randn({8, 8}), true)};
  auto cap = capture::captureGraph(fn, inputs);
  std::cout << ir::printGraph(cap.graph);
  EXPECT_TRUE(cap.is_joint);
  expectReplayMatchesEager(fn, inputs);
}

}  // namespace
}  // namespace aotviz
