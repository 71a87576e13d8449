// tests/core/test_ir_text.cpp — the IR's text form (core/ir/parse.h): graphs written as text read back, every graph
// the project makes printed and parsed back unchanged, bad text named by line, and golden-text tests of CSE, DCE and
// both partitioners on graphs written as text (no capture), as PyTorch's parseIR + FileCheck and MLIR's lit tests.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/ir/cse.h"
#include "core/ir/dce.h"
#include "core/ir/parse.h"
#include "core/ir/printer.h"
#include "core/ir/serialize.h"
#include "core/models/zoo.h"
#include "core/partition/partition.h"
#include "core/util/diagnostic.h"

namespace aotviz::ir {
namespace {

// ---------------------------------------------------------------------------------------------- helpers

/// A raw string literal written as `R"(` newline … `)"` without its first newline.
std::string text(const char* s) { return *s == '\n' ? std::string(s + 1) : std::string(s); }

std::vector<std::string> splitLines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

/// Line diff of two texts (longest common subsequence): "  " same, "- " only expected, "+ " only actual.
std::string lineDiff(const std::string& want, const std::string& got) {
  const auto a = splitLines(want), b = splitLines(got);
  std::vector<std::vector<size_t>> lcs(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;)
    for (size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "+ " + b[j++] + "\n";
    } else {
      out += "- " + a[i++] + "\n";
    }
  }
  if (want.size() && got.size() && (want.back() == '\n') != (got.back() == '\n'))
    out += "(one text ends in a newline, the other does not)\n";
  return out;
}

::testing::AssertionResult sameText(const char* want_expr, const char* got_expr, const std::string& want,
                                    const std::string& got) {
  if (want == got) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got_expr << " is not " << want_expr << " (- expected, + actual):\n"
                                       << lineDiff(want, got);
}
#define EXPECT_SAME_TEXT(want, got) EXPECT_PRED_FORMAT2(sameText, want, got)

/// Everything on: what the round trip must reproduce.
PrintOptions fullText() {
  PrintOptions o;
  o.show_provenance = true;
  o.show_strides = true;
  o.show_device = true;
  return o;
}

/// The parse error `text` gives ("" when it parses).
std::string parseError(const std::string& t) {
  try {
    (void)parseGraph(t);
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "parse");
    return e.what();
  }
  return "";
}

capture::InputDesc inputX(at::Tensor example, bool requires_grad) {
  capture::InputDesc d;
  d.name = "x";
  d.example = std::move(example);
  d.requires_grad = requires_grad;
  return d;
}

const Node& nodeNamed(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

// ---------------------------------------------------------------------------------------------- reading text

const char* const kSample = R"(
def forward(self, primals_1: "f32[4, 8]", primals_2: "f32[8, 8]"):
    mm: "f32[4, 8]" = torch.ops.aten.mm.default(primals_1, primals_2)
    mul: "f32[4, 8]" = torch.ops.aten.mul.Tensor(mm, 2)
    split = torch.ops.aten.split.Tensor(mul, 2)
    getitem: "f32[2, 8]" = split[0]
    getitem_1: "f32[2, 8]" = split[1]
    view: "f32[32]" = torch.ops.aten.view.default(mm, [32])
    sum_1: "f32[]" = torch.ops.aten.sum.default(getitem)
    return [sum_1, getitem_1, None]
)";

TEST(IrText, ReadsThePrintersFormBackUnchanged) {
  const Graph g = parseGraph(text(kSample));
  EXPECT_SAME_TEXT(text(kSample), printGraph(g));
  ASSERT_EQ(g.nodes.size(), 8u);
  EXPECT_EQ(g.nodes[0].role, InputRole::Primal);
  EXPECT_EQ(g.value(g.nodes[0].outputs[0]).meta.strides, (std::vector<int64_t>{8, 1}));  // contiguous by default
  EXPECT_EQ(g.value(g.nodes[0].outputs[0]).meta.device, c10::Device(c10::kCPU));
  const Node& mul = nodeNamed(g, "mul");
  ASSERT_EQ(mul.args.size(), 2u);
  ASSERT_EQ(mul.args[1].kind, Arg::Kind::Tensor);  // a Python number where the schema takes a Tensor
  EXPECT_TRUE(mul.args[1].tensor->wrapped_number);
  EXPECT_EQ(mul.args[1].tensor->dtype, c10::kLong);
  const Node& split = nodeNamed(g, "split");
  EXPECT_TRUE(split.list_output);
  ASSERT_EQ(split.outputs.size(), 2u);
  EXPECT_EQ(g.value(split.outputs[1]).name, "getitem_1");
  EXPECT_EQ(split.arg_names, (std::vector<std::string>{"self", "split_size", "dim"}));
  EXPECT_EQ(split.args[2], Arg::ofInt(0));  // left out: the schema's default
  const Node& sum = nodeNamed(g, "sum_1");
  EXPECT_EQ(sum.args[1], Arg::none());
  EXPECT_TRUE(g.value(sum.outputs[0]).meta.sizes.empty());
  const Node* out = g.outputNode();
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->args[1], Arg::ofValue(split.outputs[1]));
  EXPECT_EQ(out->args[2], Arg::none());
}

TEST(IrText, BindsArgumentsByTheSchemaAndFillsDefaults) {
  const Graph g = parseGraph(text(R"(
def forward(self, x: "f32[3]", y: "f32[3]"):
    add: "f32[3]" = torch.ops.aten.add.Tensor(x, y)
    add_1: "f32[3]" = torch.ops.aten.add.Tensor(x, y, alpha = 2)
    add_2: "f32[3]" = torch.ops.aten.add.Tensor(other = y, self = x)
    return [add, add_1, add_2]
)"));
  const Node& add = nodeNamed(g, "add");
  EXPECT_EQ(add.arg_names, (std::vector<std::string>{"self", "other", "alpha"}));
  EXPECT_EQ(add.args[2], Arg::ofInt(1));
  EXPECT_EQ(nodeNamed(g, "add_1").args[2], Arg::ofInt(2));
  EXPECT_EQ(nodeNamed(g, "add_2").args, add.args);  // keywords bind by name, in any order
  EXPECT_EQ(g.nodes[0].role, InputRole::Arg);
  EXPECT_NE(printGraph(g).find("add_2: \"f32[3]\" = torch.ops.aten.add.Tensor(x, y)\n"), std::string::npos)
      << printGraph(g);
}

// One op per kind of constant the IR has, through parse → print → parse.
TEST(IrText, ReadsEveryConstantKind) {
  const std::string t = text(R"(
def forward(self, arg0_1: "f32[2, 3, 4, 4]", arg1_1: "i64[2]", arg2_1: "b8[2, 3, 4, 4]", arg3_1: "f32[8, 3, 3, 3]"):
    gelu: "f32[2, 3, 4, 4]" = torch.ops.aten.gelu.default(arg0_1, approximate = 'tanh')
    clamp: "f32[2, 3, 4, 4]" = torch.ops.aten.clamp.default(gelu, -inf, 2.5)
    div: "f32[2, 3, 4, 4]" = torch.ops.aten.div.Tensor_mode(clamp, arg0_1, rounding_mode = 'floor')
    mul: "f32[2, 3, 4, 4]" = torch.ops.aten.mul.Tensor(div, 1e-05)
    mul_1: "f32[2, 3, 4, 4]" = torch.ops.aten.mul.Tensor(mul, True)
    new_zeros: "f32[4]" = torch.ops.aten.new_zeros.default(arg0_1, [4], dtype = torch.float32, layout = torch.strided, device = device(type='cpu'))
    full: "f64[2]" = torch.ops.aten.full.default([2], nan, dtype = torch.float64, pin_memory = False)
    clone: "f32[2, 3, 4, 4]" = torch.ops.aten.clone.default(mul_1, memory_format = torch.channels_last)
    index: "f32[2, 2, 4, 4]" = torch.ops.aten.index.Tensor(clone, [None, arg1_1])
    where: "f32[2, 3, 4, 4]" = torch.ops.aten.where.self(arg2_1, clone, -1.5)
    lift_fresh_copy: "f32[2, 2]" = torch.ops.aten.lift_fresh_copy.default(torch.tensor([0.5, -1.25, 3.0, 4.0], dtype=torch.float32).reshape([2, 2]))
    add: "f32[2, 3, 4, 4]" = torch.ops.aten.add.Tensor(where, torch.tensor(3, dtype=torch.int64))
    upsample_bilinear2d: "f32[2, 3, 8, 8]" = torch.ops.aten.upsample_bilinear2d.vec(add, None, False, [2.0, 2.0])
    convolution_backward = torch.ops.aten.convolution_backward.default(upsample_bilinear2d, upsample_bilinear2d, arg3_1, [8], [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, True, False])
    getitem: "f32[2, 3, 8, 8]" = convolution_backward[0]
    getitem_1: "f32[8, 3, 3, 3]" = convolution_backward[1]
    getitem_2: "f32[]" = convolution_backward[2]
    einsum: "f32[2, 2]" = torch.ops.aten.einsum.default('ij,jk->ik', [lift_fresh_copy, lift_fresh_copy])
    einsum_1: "f32[2, 2]" = torch.ops.aten.einsum.default('it\'s \\ "quoted"', [lift_fresh_copy])
    native_dropout = torch.ops.aten.native_dropout.default(getitem, 0.5, True)
    getitem_3: "f32[2, 3, 8, 8]" = native_dropout[0]
    getitem_4: "b8[2, 3, 8, 8]" = native_dropout[1]
    return [getitem_3, getitem_1, new_zeros, full, index, einsum, einsum_1]
)");
  const Graph g = parseGraph(t);
  EXPECT_SAME_TEXT(t, printGraph(g));
  EXPECT_TRUE(parseGraph(printGraph(g, fullText())) == g);
  EXPECT_EQ(nodeNamed(g, "gelu").args[1], Arg::ofString("tanh"));
  EXPECT_EQ(nodeNamed(g, "clamp").args[1].kind, Arg::Kind::Double);
  EXPECT_TRUE(std::isinf(nodeNamed(g, "clamp").args[1].d) && nodeNamed(g, "clamp").args[1].d < 0);
  EXPECT_EQ(nodeNamed(g, "clamp").args[2], Arg::ofDouble(2.5));
  EXPECT_EQ(nodeNamed(g, "mul").args[1].tensor->dtype, c10::kDouble);
  EXPECT_EQ(nodeNamed(g, "mul_1").args[1].tensor->dtype, c10::kBool);
  const Node& nz = nodeNamed(g, "new_zeros");
  EXPECT_EQ(nz.args[2], Arg::ofInt(static_cast<int64_t>(c10::kFloat)));
  EXPECT_EQ(nz.args[3], Arg::ofInt(static_cast<int64_t>(c10::kStrided)));
  EXPECT_EQ(nz.args[4], Arg::ofDevice(c10::Device(c10::kCPU)));
  EXPECT_EQ(nz.args[5], Arg::none());
  EXPECT_TRUE(std::isnan(nodeNamed(g, "full").args[1].d));
  EXPECT_EQ(nodeNamed(g, "full").args[5], Arg::ofBool(false));
  const Node& clone = nodeNamed(g, "clone");
  EXPECT_EQ(clone.args[1], Arg::ofInt(static_cast<int64_t>(c10::MemoryFormat::ChannelsLast)));
  EXPECT_EQ(nodeNamed(g, "index").args[1], Arg::ofValues({ValueId(), g.nodes[1].outputs[0]}));
  EXPECT_TRUE(nodeNamed(g, "where").args[2].tensor->wrapped_number);
  const ConstTensor& c = *nodeNamed(g, "lift_fresh_copy").args[0].tensor;
  EXPECT_EQ(c.sizes, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(c.data, (std::vector<double>{0.5, -1.25, 3.0, 4.0}));
  EXPECT_FALSE(c.wrapped_number);
  const ConstTensor& three = *nodeNamed(g, "add").args[1].tensor;
  EXPECT_TRUE(three.sizes.empty());
  EXPECT_EQ(three.dtype, c10::kLong);
  EXPECT_FALSE(three.wrapped_number);
  EXPECT_EQ(nodeNamed(g, "upsample_bilinear2d").args[1], Arg::none());
  EXPECT_EQ(nodeNamed(g, "upsample_bilinear2d").args[3], Arg::ofDoubles({2.0, 2.0}));
  const Node& cb = nodeNamed(g, "convolution_backward");
  EXPECT_EQ(cb.args[10], Arg::ofBools({true, true, false}));
  EXPECT_EQ(cb.outputs.size(), 3u);
  EXPECT_FALSE(cb.list_output);
  EXPECT_EQ(nodeNamed(g, "einsum_1").args[0], Arg::ofString("it's \\ \"quoted\""));
  EXPECT_TRUE(nodeNamed(g, "native_dropout").nondeterministic_seeded);
  EXPECT_FALSE(nodeNamed(g, "einsum").nondeterministic_seeded);
}

// Shortest round-trip doubles (subnormals included: std::stod throws on them), -0.0 and the int64 extremes.
TEST(IrText, ExtremeNumbersPrintAndReadBackExactly) {
  const std::string t = text(R"(
def forward(self, arg0_1: "f64[3]"):
    mul: "f64[3]" = torch.ops.aten.mul.Tensor(arg0_1, 5e-324)
    mul_1: "f64[3]" = torch.ops.aten.mul.Tensor(mul, -0.0)
    add: "f64[3]" = torch.ops.aten.add.Tensor(mul_1, 1e+300, alpha = -9223372036854775808)
    add_1: "f64[3]" = torch.ops.aten.add.Tensor(add, 0.1, alpha = 9223372036854775807)
    return [add_1]
)");
  const Graph g = parseGraph(t);
  EXPECT_SAME_TEXT(t, printGraph(g));
  EXPECT_EQ(nodeNamed(g, "mul").args[1].tensor->data[0], std::numeric_limits<double>::denorm_min());
  EXPECT_TRUE(std::signbit(nodeNamed(g, "mul_1").args[1].tensor->data[0]));
  EXPECT_EQ(nodeNamed(g, "add").args[2], Arg::ofInt(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(nodeNamed(g, "add_1").args[1].tensor->data[0], 0.1);
}

TEST(IrText, ReadsStridesDevicesAndProvenance) {
  const std::string t = text(R"(
def forward(self, primals_1: "f32[4, 8][8, 1]cpu", primals_2: "f32[8, 8][1, 8]meta", tangents_1: "f32[4, 8][8, 1]cpu"):
    t: "f32[8, 8][1, 8]cpu" = torch.ops.aten.t.default(primals_2)  # fw scope=layers.0.fc at model.py:12
    mm: "f32[4, 8][8, 1]cpu" = torch.ops.aten.mm.default(primals_1, t)  # fw scope=layers.0.fc at my model.py:13
    t_1: "f32[8, 8][8, 1]cpu" = torch.ops.aten.t.default(t)  # bw scope=layers.0.fc from MmBackward0
    mm_1: "f32[4, 8][8, 1]cpu" = torch.ops.aten.mm.default(tangents_1, t_1)  # bw from MmBackward0
    add: "f32[4, 8][8, 1]cpu" = torch.ops.aten.add.Tensor(mm_1, mm_1)  # bw
    return [mm, add]
)");
  const Graph g = parseGraph(t);
  EXPECT_SAME_TEXT(t, printGraph(g, fullText()));
  EXPECT_EQ(g.value(g.nodes[1].outputs[0]).meta.device, c10::Device(c10::kMeta));
  EXPECT_EQ(g.value(g.nodes[1].outputs[0]).meta.strides, (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(g.nodes[2].role, InputRole::Tangent);
  const Provenance& mm = nodeNamed(g, "mm").prov;
  EXPECT_EQ(mm.phase, Phase::Forward);
  EXPECT_EQ(mm.scope, "layers.0.fc");
  EXPECT_EQ(mm.source, "my model.py:13");
  EXPECT_EQ(mm.stage, "text");
  const Provenance& t1 = nodeNamed(g, "t_1").prov;
  EXPECT_EQ(t1.phase, Phase::Backward);
  EXPECT_EQ(t1.scope, "layers.0.fc");
  EXPECT_TRUE(t1.source.empty());
  EXPECT_EQ(t1.grad_fn, "MmBackward0");
  EXPECT_EQ(nodeNamed(g, "add").prov, (Provenance{"", "", "text", Phase::Backward, ""}));

  // PyTorch's form: `;  x = None` after statements, `return (…)`, other comments, lines broken inside brackets.
  const Graph p = parseGraph(text(R"(
# a comment before the graph
def forward(self,
            primals_1: "f32[4, 8][8, 1]cpu",
            primals_2: "f32[8, 8][1, 8]meta", tangents_1: "f32[4, 8][8, 1]cpu"):
    # File: model.py:12 in forward, code: y = self.fc(x)
    t: "f32[8, 8][1, 8]cpu" = torch.ops.aten.t.default(primals_2)  # fw scope=layers.0.fc at model.py:12
    mm: "f32[4, 8][8, 1]cpu" = torch.ops.aten.mm.default(primals_1, t);  primals_1 = None  # fw scope=layers.0.fc at my model.py:13
    t_1: "f32[8, 8][8, 1]cpu" = torch.ops.aten.t.default(t);  t = None  # bw scope=layers.0.fc from MmBackward0
    mm_1: "f32[4, 8][8, 1]cpu" = torch.ops.aten.mm.default(
        tangents_1,  # the gradient
        t_1);  tangents_1 = t_1 = None  # bw from MmBackward0
    add: "f32[4, 8][8, 1]cpu" = torch.ops.aten.add.Tensor(mm_1, mm_1)  # bw
    return (mm, add)
)"));
  EXPECT_TRUE(p == g) << printGraph(p, fullText());
}

// Without provenance comments, phases are what PyTorch's tracing would tag: the forward is what the outputs that
// do not depend on tangents need; the backward reads tangents or is needed only by what does.
TEST(IrText, PhaseWithoutCommentsFollowsTheTangents) {
  const std::string joint = text(R"(
def forward(self, primals_1: "f32[3]", tangents_1: "f32[3]"):
    sin: "f32[3]" = torch.ops.aten.sin.default(primals_1)
    exp: "f32[3]" = torch.ops.aten.exp.default(sin)
    cos: "f32[3]" = torch.ops.aten.cos.default(primals_1)
    mul: "f32[3]" = torch.ops.aten.mul.Tensor(tangents_1, cos)
    mul_1: "f32[3]" = torch.ops.aten.mul.Tensor(mul, sin)
    relu: "f32[3]" = torch.ops.aten.relu.default(primals_1)
    return [exp, mul_1]
)");
  const Graph g = parseGraph(joint);
  EXPECT_EQ(nodeNamed(g, "sin").prov.phase, Phase::Forward);  // the forward output needs it (the backward too)
  EXPECT_EQ(nodeNamed(g, "exp").prov.phase, Phase::Forward);
  EXPECT_EQ(nodeNamed(g, "cos").prov.phase, Phase::Backward);  // SinBackward0's own cos(x): only the backward needs it
  EXPECT_EQ(nodeNamed(g, "mul").prov.phase, Phase::Backward);
  EXPECT_EQ(nodeNamed(g, "mul_1").prov.phase, Phase::Backward);
  EXPECT_EQ(nodeNamed(g, "relu").prov.phase, Phase::Forward);  // nothing reads it
  // A comment wins; a graph without tangents is all forward.
  std::string commented = joint;
  commented.replace(commented.find("(primals_1)\n    mul:"), 11, "(primals_1)  # fw");
  EXPECT_EQ(nodeNamed(parseGraph(commented), "cos").prov.phase, Phase::Forward);
  const Graph fw = parseGraph(text(R"(
def forward(self, primals_1: "f32[3]"):
    cos: "f32[3]" = torch.ops.aten.cos.default(primals_1)
    return [primals_1]
)"));
  EXPECT_EQ(nodeNamed(fw, "cos").prov.phase, Phase::Forward);
}

TEST(IrText, PlaceholderRolesFollowTheirNames) {
  const std::string t = text(R"(
def forward(self, primals_1: "f32[3]", primals_x: "f32[3]", arg0_1: "f32[3]", tangents_1: "f32[3]"):
    return [primals_1, primals_x, arg0_1, tangents_1]
)");
  const Graph g = parseGraph(t);
  EXPECT_EQ(g.nodes[0].role, InputRole::Primal);
  EXPECT_EQ(g.nodes[1].role, InputRole::Arg);  // not primals_N
  EXPECT_EQ(g.nodes[2].role, InputRole::Arg);
  EXPECT_EQ(g.nodes[3].role, InputRole::Tangent);
  ParseOptions bw;
  bw.backward_graph = true;
  const Graph b = parseGraph(t, bw);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(b.nodes[i].role, InputRole::Saved) << i;
  EXPECT_EQ(b.nodes[3].role, InputRole::Tangent);
}

// ---------------------------------------------------------------------------------------------- bad text

TEST(IrText, BadTextNamesTheLineAndWhatWasExpected) {
  const std::string head = "def forward(self, x: \"f32[4]\"):\n";
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {"", "line 1: the text has no graph"},
      {"   \n# nothing\n", "the text has no graph"},
      {"forward(x)\n", "line 1, column 1: expected 'def forward(self, …):' on the first line, found 'forward'"},
      {"def forward(self, x):\n", "line 1, column 20: expected ':' and the input's type"},
      {"def forward(self, x: \"q32[4]\"):\n    return [x]\n", "line 1: the type \"q32[4]\" does not start with a dtype"},
      {"def forward(self, x: \"f32[4, s0]\"):\n    return [x]\n", "has sizes that are not integers"},
      {"def forward(self, x: \"f32[4][1, 1]\"):\n    return [x]\n", "has 1 sizes but 2 strides"},
      {"def forward(self, x: \"f32[0, 1099511627776, 1099511627776]\"):\n    return [x]\n", "is too large"},
      {"def forward(self, x: \"f32[4]gpu\"):\n    return [x]\n", "ends in 'gpu', which is not a device"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.nosuchop.default(x)\n    return [y]\n",
       "line 2: unknown operator torch.ops.aten.nosuchop.default (aten::nosuchop is not in LibTorch"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.add.Nope(x, x)\n    return [y]\n",
       "unknown operator torch.ops.aten.add.Nope (aten::add.Nope"},
      {head + "    y: \"f32[4]\" = torch.aten.relu(x)\n    return [y]\n",
       "line 2, column 19: expected an operator 'torch.ops.NAMESPACE.NAME.OVERLOAD'"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(z)\n    return [y]\n",
       "line 2: 'z' is not defined before this line"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(x)\n    y: \"f32[4]\" = torch.ops.aten.relu.default(y)\n    return [y]\n",
       "line 3: 'y' is defined twice (first on line 2)"},
      {head + "    y = torch.ops.aten.relu.default(x)\n    return [y]\n", "line 2: 'y' has no type"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.mm.default(x)\n    return [y]\n",
       "line 2: the call leaves out the argument 'mat2' of aten::mm, which has no default"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(x, x)\n    return [y]\n",
       "line 2: aten::relu takes 1 positional arguments, the call passes 2"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.sum.default(x, torch.float32)\n    return [y]\n",
       "the rest are keyword-only: name = value"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.add.Tensor(x, x, beta = 2)\n    return [y]\n",
       "aten::add.Tensor has no argument 'beta' (its arguments: self, other, alpha)"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.view.default(x, 4)\n    return [y]\n",
       "line 2, column 50: argument 'size' of aten::view (SymInt[]) must be a list, not the integer 4"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(x, alpha = 1, alpha = 2)\n    return [y]\n",
       "'alpha', which is given twice"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.sum.default(x, dtype = torch.strided)\n    return [y]\n",
       "argument 'dtype' of aten::sum (ScalarType?) must be a dtype (torch.float32), not torch.strided"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.sum.default(x, dtype = 999)\n    return [y]\n",
       "must be a dtype (torch.float32), not the integer 999"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.sum.default(x, dtype = torch.float99)\n    return [y]\n",
       "'torch.float99' is not a dtype, layout or memory format"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(x\n    return [y]\n",
       "line 2: the '(' opened on this line is never closed"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(x))\n    return [y]\n",
       "line 2, column 49: ')' does not close any open '('"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default($x)\n    return [y]\n",
       "line 2, column 47: unexpected character '$'"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.gelu.default(x, approximate = 'tanh)\n    return [y]\n",
       "line 2, column 64: the string is not closed on its line"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.add.Tensor(x, 99999999999999999999)\n    return [y]\n",
       "the integer 99999999999999999999 does not fit in 64 bits"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(x)  # bw scope=\n    return [y]\n",
       "line 2: the comment '# bw scope=' is not a provenance comment"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.relu.default(x)\n", "line 2: the graph does not end with 'return [...]'"},
      {head + "    return [x]\n    y: \"f32[4]\" = torch.ops.aten.relu.default(x)\n", "line 3: nothing may follow 'return'"},
      {head + "    return [x, 2]\n", "line 2: a graph output must be a value or None, not the integer 2"},
      {head + "    y: \"f32[4]\" = x[0]\n    return [y]\n", "line 2: 'x' is not a multi-output node (defined on line 1)"},
      {head + "    s = torch.ops.aten.split.Tensor(x, 2)\n    a: \"f32[2]\" = s[0]\n    b: \"f32[2]\" = s[1]\n    return [s]\n",
       "line 5: 's' is a multi-output node; use its outputs"},
      {head + "    s = torch.ops.aten.split.Tensor(x, 2)\n    return [x]\n",
       "line 2: aten::split.Tensor returns a list of tensors; give 's' no type"},
      {head + "    r: \"f32[4]\" = torch.ops.aten.relu.default(x)\n    a: \"f32[4]\" = r[0]\n    return [a]\n",
       "line 3: 'a' reads r[0], but aten::relu does not return a tuple or list"},
      {head + "    n = torch.ops.aten.native_layer_norm.default(x, [4], None, None, 1e-05)\n"
              "    a: \"f32[4]\" = n[0]\n    b: \"f32[1]\" = n[2]\n    return [a]\n",
       "line 2: output 1 of 'n' has no getitem line"},
      {head + "    n = torch.ops.aten.native_layer_norm.default(x, [4], None, None, 1e-05)\n    return [x]\n",
       "line 2: aten::native_layer_norm returns 3 tensors; give 'n' no type and read its outputs with getitem lines"},
      {head + "    s = torch.ops.aten.split.Tensor(x, 2)\n    a: \"f32[2]\" = s[0]\n    b: \"f32[2]\" = s[0]\n    return [a]\n",
       "line 4: output 0 of 's' is read twice (first on line 3)"},
      {head + "    y: \"f32[4]\" = torch.ops.aten.view.default(x, " + std::string(40, '[') + "4" + std::string(40, ']') +
           ")\n    return [y]\n",
       "brackets are nested more than 16 deep"},
      {"def forward(self, x: \"f32[4]\"):\n    return [x]\ndef forward(self, x: \"f32[4]\"):\n", "line 3: nothing may follow"},
  };
  for (const Case& c : cases) {
    const std::string e = parseError(c.text);
    EXPECT_NE(e.find(c.message), std::string::npos) << "text:\n" << c.text << "\nerror: " << e << "\nexpected: " << c.message;
  }
}

// Any damage to valid text gives either a graph that verifies or an AotError: never another exception or a crash.
TEST(IrText, DamagedTextNeverCrashesTheReader) {
  const std::string good = printGraph(parseGraph(text(kSample)), fullText());
  size_t parsed = 0, refused = 0;
  auto attempt = [&](const std::string& t) {
    try {
      (void)parseGraph(t);
      ++parsed;
    } catch (const AotError&) {
      ++refused;
    }
  };
  const std::string fillers[] = {"", "(", "]", "\"", "'", "#", "\n", "-", "=", ",", "x", "0", "[[", ":", "."};
  for (size_t i = 0; i <= good.size(); ++i) {
    attempt(good.substr(0, i));                                    // cut short
    if (i < good.size()) attempt(good.substr(0, i) + good.substr(i + 1));  // one character dropped
    for (const std::string& f : fillers)
      if (i % 7 == 0) attempt(good.substr(0, i) + f + good.substr(i));    // something inserted
  }
  EXPECT_GT(parsed, 0u);
  EXPECT_GT(refused, good.size());
}

// ---------------------------------------------------------------------------------------------- round trips

/// `g` without what the text does not carry: the stage, placeholder provenance, requires_grad, storage offsets.
Graph withoutUncarriedFields(Graph g) {
  for (Node& n : g.nodes) {
    n.prov.stage.clear();
    if (n.kind != NodeKind::Call) n.prov = Provenance{};
  }
  for (Value& v : g.values) {
    v.meta.requires_grad = false;
    v.meta.storage_offset = 0;
  }
  return g;
}

/// The first node or value where `a` and `b` differ, for failure messages.
std::string firstDifference(const Graph& a, const Graph& b) {
  for (size_t i = 0; i < std::min(a.nodes.size(), b.nodes.size()); ++i) {
    const Node& p = a.nodes[i];
    const Node& q = b.nodes[i];
    if (p.name != q.name || p.op != q.op || p.overload != q.overload || !(p.args == q.args) ||
        p.arg_names != q.arg_names || p.outputs != q.outputs || p.list_output != q.list_output || p.role != q.role ||
        p.nondeterministic_seeded != q.nondeterministic_seeded || !(p.prov == q.prov))
      return "node " + std::to_string(i) + " ('" + p.name + "' vs '" + q.name + "')";
  }
  for (size_t i = 0; i < std::min(a.values.size(), b.values.size()); ++i) {
    const Value& p = a.values[i];
    const Value& q = b.values[i];
    if (p.name != q.name || !(p.meta == q.meta) || p.producer != q.producer || p.output_index != q.output_index)
      return "value " + std::to_string(i) + " ('" + p.name + "' vs '" + q.name + "')";
  }
  return "sizes " + std::to_string(a.nodes.size()) + "/" + std::to_string(b.nodes.size()) + " nodes";
}

void expectRoundTrip(const Graph& g, bool backward, const std::string& what) {
  SCOPED_TRACE(what);
  const std::string t = printGraph(g, fullText());
  ParseOptions o;
  o.backward_graph = backward;
  Graph back;
  try {
    back = parseGraph(t, o);
  } catch (const AotError& e) {
    ADD_FAILURE() << e.what() << "\n" << t;
    return;
  }
  EXPECT_SAME_TEXT(t, printGraph(back, fullText()));
  const Graph want = withoutUncarriedFields(g), got = withoutUncarriedFields(back);
  EXPECT_TRUE(got == want) << "differs at " << firstDifference(want, got);
}

TEST(IrText, EveryZooGraphAndItsPartitionsRoundTrip) {
  for (const auto& info : models::modelList()) {
    models::ModelOptions sizes;
    if (info.name == "gpt") sizes = {{"layers", 2}, {"width", 32}, {"heads", 2}, {"seq", 8}, {"vocab", 64}, {"batch", 1}};
    models::Model m = models::buildModel(info.name, 0, sizes);
    capture::CaptureResult cap = capture::captureGraph(m.fn, m.inputs);
    expectRoundTrip(cap.graph, false, info.name + " joint");
    // Without provenance comments the reader infers each node's phase; it agrees with the capture's tags.
    PrintOptions no_comments = fullText();
    no_comments.show_provenance = false;
    const Graph inferred = parseGraph(printGraph(cap.graph, no_comments));
    ASSERT_EQ(inferred.nodes.size(), cap.graph.nodes.size());
    for (size_t i = 0; i < inferred.nodes.size(); ++i)
      if (inferred.nodes[i].kind == NodeKind::Call) {
        EXPECT_EQ(inferred.nodes[i].prov.phase, cap.graph.nodes[i].prov.phase) << info.name << " " << inferred.nodes[i].name;
      }
    for (auto p : {partition::Partitioner::MinCut, partition::Partitioner::Default}) {
      partition::Options o;
      o.partitioner = p;
      const auto r = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), models::parameterIndices(m), o);
      const std::string name = info.name + " " + partition::partitionerName(p);
      expectRoundTrip(r.forward, false, name + " forward");
      expectRoundTrip(r.backward, true, name + " backward");
      expectRoundTrip(r.joint, false, name + " joint after CSE");
    }
  }
}

TEST(IrText, ForwardOnlyAndRandomGraphsRoundTrip) {
  using Tensors = std::vector<at::Tensor>;
  auto fn = [](const Tensors& in) { return Tensors{at::dropout(in[0].sin(), 0.3, true).cos().sum()}; };
  auto fw_only = capture::captureGraph(fn, {inputX(at::randn({16, 32}), false)});
  expectRoundTrip(fw_only.graph, false, "forward-only");
  auto cap = capture::captureGraph(fn, {inputX(at::randn({16, 32}), true)});
  partition::Options o;
  o.functionalize_rng = true;  // the forward saves the RNG state; the backward replays it (aotviz::*_rng_state)
  const auto r = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), {}, o);
  expectRoundTrip(r.forward, false, "functionalize_rng forward");
  expectRoundTrip(r.backward, true, "functionalize_rng backward");
}

// ---------------------------------------------------------------------------------------------- golden: CSE

std::string afterCse(const std::string& t, std::vector<std::pair<std::string, std::string>>* merged = nullptr) {
  Graph g = parseGraph(t);
  auto m = eliminateCommonSubexpressions(g);
  if (merged) *merged = m;
  return printGraph(g);
}

TEST(IrTextCse, MergesRepeatsAndChainsOfRepeatsKeepingNames) {
  std::vector<std::pair<std::string, std::string>> merged;
  EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[4, 8]"):
    view: "f32[32]" = torch.ops.aten.view.default(primals_1, [32])
    relu: "f32[32]" = torch.ops.aten.relu.default(view)
    mul: "f32[32]" = torch.ops.aten.mul.Tensor(relu, relu)
    return [mul]
)"),
                   afterCse(text(R"(
def forward(self, primals_1: "f32[4, 8]"):
    view: "f32[32]" = torch.ops.aten.view.default(primals_1, [32])
    view_1: "f32[32]" = torch.ops.aten.view.default(primals_1, [32])
    relu: "f32[32]" = torch.ops.aten.relu.default(view)
    relu_1: "f32[32]" = torch.ops.aten.relu.default(view_1)
    mul: "f32[32]" = torch.ops.aten.mul.Tensor(relu, relu_1)
    return [mul]
)"),
                            &merged));
  EXPECT_EQ(merged, (std::vector<std::pair<std::string, std::string>>{{"view_1", "view"}, {"relu_1", "relu"}}));
}

// PyTorch 2.11's fx_graph_cse keeps random ops, mutations, aten.empty and nodes sharing storage with an output.
TEST(IrTextCse, KeepsRandomOpsMutationsAndAliasesOfOutputs) {
  const std::string t = text(R"(
def forward(self, arg0_1: "f32[4]", arg1_1: "f32[4]"):
    rand_like: "f32[4]" = torch.ops.aten.rand_like.default(arg0_1)
    rand_like_1: "f32[4]" = torch.ops.aten.rand_like.default(arg0_1)
    add: "f32[4]" = torch.ops.aten.add.Tensor(rand_like, rand_like_1)
    empty: "f32[4]" = torch.ops.aten.empty.memory_format([4], device = device(type='cpu'))
    empty_1: "f32[4]" = torch.ops.aten.empty.memory_format([4], device = device(type='cpu'))
    add_1: "f32[4]" = torch.ops.aten.add.Tensor(empty, empty_1)
    add_: "f32[4]" = torch.ops.aten.add_.Tensor(arg1_1, add)
    add__1: "f32[4]" = torch.ops.aten.add_.Tensor(arg1_1, add)
    view: "f32[2, 2]" = torch.ops.aten.view.default(arg0_1, [2, 2])
    view_1: "f32[2, 2]" = torch.ops.aten.view.default(arg0_1, [2, 2])
    return [add_1, view, view_1]
)");
  EXPECT_SAME_TEXT(t, afterCse(t));
}

// Note [CPython's hash(-1)] in cse.cpp: after sum(x, [-2]), the repeated sum(x, [-1]) is not merged (PyTorch 2.11
// gives the same graph); without the [-2] it is.
TEST(IrTextCse, AHashCollisionOfMinusOneBlocksLaterRepeatsAsInPyTorch) {
  const std::string head = "def forward(self, arg0_1: \"f32[4, 4]\"):\n";
  const std::string sum2 = "    sum_1: \"f32[4]\" = torch.ops.aten.sum.dim_IntList(arg0_1, [-2])\n";
  const std::string sums = "    sum_2: \"f32[4]\" = torch.ops.aten.sum.dim_IntList(arg0_1, [-1])\n"
                           "    sum_3: \"f32[4]\" = torch.ops.aten.sum.dim_IntList(arg0_1, [-1])\n";
  // (Graph outputs are never merged, so the sums feed an add.)
  const std::string blocked = head + sum2 + sums +
                              "    add: \"f32[4]\" = torch.ops.aten.add.Tensor(sum_1, sum_2)\n"
                              "    add_1: \"f32[4]\" = torch.ops.aten.add.Tensor(add, sum_3)\n"
                              "    return [add_1]\n";
  EXPECT_SAME_TEXT(blocked, afterCse(blocked));
  EXPECT_SAME_TEXT(head + "    sum_2: \"f32[4]\" = torch.ops.aten.sum.dim_IntList(arg0_1, [-1])\n"
                          "    add: \"f32[4]\" = torch.ops.aten.add.Tensor(sum_2, sum_2)\n"
                          "    return [add]\n",
                   afterCse(head + sums + "    add: \"f32[4]\" = torch.ops.aten.add.Tensor(sum_2, sum_3)\n"
                                          "    return [add]\n"));
}

// Wrapped numbers are Python scalars in PyTorch's graphs: mul.Tensor(x, 2) twice is one node after fx_graph_cse
// (checked on PyTorch 2.11), and 2 and 2.0 differ (its hash includes the type).
TEST(IrTextCse, MergesEqualWrappedNumbersButNotEqualValuesOfAnotherType) {
  EXPECT_SAME_TEXT(text(R"(
def forward(self, arg0_1: "f32[3]"):
    mul: "f32[3]" = torch.ops.aten.mul.Tensor(arg0_1, 2)
    mul_2: "f32[3]" = torch.ops.aten.mul.Tensor(arg0_1, 2.0)
    add: "f32[3]" = torch.ops.aten.add.Tensor(mul, mul)
    add_1: "f32[3]" = torch.ops.aten.add.Tensor(add, mul_2)
    lift_fresh_copy: "f32[]" = torch.ops.aten.lift_fresh_copy.default(torch.tensor(1.0, dtype=torch.float32))
    lift_fresh_copy_1: "f32[]" = torch.ops.aten.lift_fresh_copy.default(torch.tensor(1.0, dtype=torch.float32))
    add_2: "f32[]" = torch.ops.aten.add.Tensor(lift_fresh_copy, lift_fresh_copy_1)
    return [add_1, add_2]
)"),
                   afterCse(text(R"(
def forward(self, arg0_1: "f32[3]"):
    mul: "f32[3]" = torch.ops.aten.mul.Tensor(arg0_1, 2)
    mul_1: "f32[3]" = torch.ops.aten.mul.Tensor(arg0_1, 2)
    mul_2: "f32[3]" = torch.ops.aten.mul.Tensor(arg0_1, 2.0)
    add: "f32[3]" = torch.ops.aten.add.Tensor(mul, mul_1)
    add_1: "f32[3]" = torch.ops.aten.add.Tensor(add, mul_2)
    lift_fresh_copy: "f32[]" = torch.ops.aten.lift_fresh_copy.default(torch.tensor(1.0, dtype=torch.float32))
    lift_fresh_copy_1: "f32[]" = torch.ops.aten.lift_fresh_copy.default(torch.tensor(1.0, dtype=torch.float32))
    add_2: "f32[]" = torch.ops.aten.add.Tensor(lift_fresh_copy, lift_fresh_copy_1)
    return [add_1, add_2]
)")));
}

// ---------------------------------------------------------------------------------------------- golden: DCE

TEST(IrTextDce, RemovesDeadChainsAndKeepsMutationsAndUsedTuples) {
  Graph g = parseGraph(text(R"(
def forward(self, primals_1: "f32[2, 4]", primals_2: "f32[8]"):
    view: "f32[2, 4]" = torch.ops.aten.view.default(primals_2, [2, 4])
    view_1: "f32[2, 4]" = torch.ops.aten.view.default(primals_2, [2, 4])
    mul: "f32[2, 4]" = torch.ops.aten.mul.Tensor(view_1, 2)
    relu: "f32[2, 4]" = torch.ops.aten.relu.default(mul)
    neg: "f32[2, 4]" = torch.ops.aten.neg.default(relu)
    native_layer_norm = torch.ops.aten.native_layer_norm.default(mul, [4], None, None, 1e-05)
    getitem: "f32[2, 4]" = native_layer_norm[0]
    getitem_1: "f32[2, 1]" = native_layer_norm[1]
    getitem_2: "f32[2, 1]" = native_layer_norm[2]
    split = torch.ops.aten.split.Tensor(neg, 1)
    getitem_3: "f32[1, 4]" = split[0]
    getitem_4: "f32[1, 4]" = split[1]
    copy_: "f32[2, 4]" = torch.ops.aten.copy_.default(primals_1, mul)
    return [getitem]
)"));
  EXPECT_EQ(eliminateDeadCode(g), 4u);  // view, relu, neg, split
  EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[2, 4]", primals_2: "f32[8]"):
    view_1: "f32[2, 4]" = torch.ops.aten.view.default(primals_2, [2, 4])
    mul: "f32[2, 4]" = torch.ops.aten.mul.Tensor(view_1, 2)
    native_layer_norm = torch.ops.aten.native_layer_norm.default(mul, [4], None, None, 1e-05)
    getitem: "f32[2, 4]" = native_layer_norm[0]
    getitem_1: "f32[2, 1]" = native_layer_norm[1]
    getitem_2: "f32[2, 1]" = native_layer_norm[2]
    copy_: "f32[2, 4]" = torch.ops.aten.copy_.default(primals_1, mul)
    return [getitem]
)"),
                   printGraph(g));
}

// ---------------------------------------------------------------------------------------------- golden: partitions

struct Split {
  std::string forward, backward;
  partition::PartitionResult result;
};

/// Partitions a joint graph written as text (its first `num_fwd_outputs` outputs are the forward's) and prints the
/// forward and backward graphs.
Split partitionText(const std::string& joint, size_t num_fwd_outputs, partition::Partitioner p) {
  partition::Options o;
  o.partitioner = p;
  Split s;
  s.result = partition::partitionJoint(parseGraph(joint), num_fwd_outputs, {}, o);
  s.forward = printGraph(s.result.forward);
  s.backward = printGraph(s.result.backward);
  return s;
}

// test_min_cut_partitioner: x.cos().cos().cos() saves only the input and recomputes the chain; the default
// partitioner saves what eager autograd saves. Both graphs as PyTorch 2.11 partitions the same joint.
TEST(IrTextPartition, CosChainMinCutSavesTheInputDefaultSavesEagersValues) {
  const std::string joint = text(R"(
def forward(self, primals_1: "f32[3]", tangents_1: "f32[3]"):
    cos: "f32[3]" = torch.ops.aten.cos.default(primals_1)
    cos_1: "f32[3]" = torch.ops.aten.cos.default(cos)
    cos_2: "f32[3]" = torch.ops.aten.cos.default(cos_1)
    sin: "f32[3]" = torch.ops.aten.sin.default(cos_1)
    neg: "f32[3]" = torch.ops.aten.neg.default(sin)
    mul: "f32[3]" = torch.ops.aten.mul.Tensor(tangents_1, neg)
    sin_1: "f32[3]" = torch.ops.aten.sin.default(cos)
    neg_1: "f32[3]" = torch.ops.aten.neg.default(sin_1)
    mul_1: "f32[3]" = torch.ops.aten.mul.Tensor(mul, neg_1)
    sin_2: "f32[3]" = torch.ops.aten.sin.default(primals_1)
    neg_2: "f32[3]" = torch.ops.aten.neg.default(sin_2)
    mul_2: "f32[3]" = torch.ops.aten.mul.Tensor(mul_1, neg_2)
    return [cos_2, mul_2]
)");
  const std::string forward = text(R"(
def forward(self, primals_1: "f32[3]"):
    cos: "f32[3]" = torch.ops.aten.cos.default(primals_1)
    cos_1: "f32[3]" = torch.ops.aten.cos.default(cos)
    cos_2: "f32[3]" = torch.ops.aten.cos.default(cos_1)
)");
  const std::string backward_ops = text(R"(
    sin: "f32[3]" = torch.ops.aten.sin.default(cos_1)
    neg: "f32[3]" = torch.ops.aten.neg.default(sin)
    mul: "f32[3]" = torch.ops.aten.mul.Tensor(tangents_1, neg)
    sin_1: "f32[3]" = torch.ops.aten.sin.default(cos)
    neg_1: "f32[3]" = torch.ops.aten.neg.default(sin_1)
    mul_1: "f32[3]" = torch.ops.aten.mul.Tensor(mul, neg_1)
    sin_2: "f32[3]" = torch.ops.aten.sin.default(primals_1)
    neg_2: "f32[3]" = torch.ops.aten.neg.default(sin_2)
    mul_2: "f32[3]" = torch.ops.aten.mul.Tensor(mul_1, neg_2)
    return [mul_2]
)");
  const Split m = partitionText(joint, 1, partition::Partitioner::MinCut);
  EXPECT_SAME_TEXT(forward + "    return [cos_2, primals_1]\n", m.forward);
  EXPECT_SAME_TEXT("def forward(self, primals_1: \"f32[3]\", tangents_1: \"f32[3]\"):\n"
                   "    cos: \"f32[3]\" = torch.ops.aten.cos.default(primals_1)\n"
                   "    cos_1: \"f32[3]\" = torch.ops.aten.cos.default(cos)\n" +
                       backward_ops,
                   m.backward);
  const Split d = partitionText(joint, 1, partition::Partitioner::Default);
  EXPECT_SAME_TEXT(forward + "    return [cos_2, primals_1, cos, cos_1]\n", d.forward);
  EXPECT_SAME_TEXT("def forward(self, primals_1: \"f32[3]\", cos: \"f32[3]\", cos_1: \"f32[3]\", tangents_1: \"f32[3]\"):\n" +
                       backward_ops,
                   d.backward);
}

// (a + b + c + d).cos().cos(): the min-cut saves only the sum, the default partitioner the sum and the first cos
// (PyTorch 2.11: the same graphs).
TEST(IrTextPartition, FourInputsMinCutSavesOnlyTheirSum) {
  const std::string joint = text(R"(
def forward(self, primals_1: "f32[3]", primals_2: "f32[3]", primals_3: "f32[3]", primals_4: "f32[3]", tangents_1: "f32[3]"):
    add: "f32[3]" = torch.ops.aten.add.Tensor(primals_1, primals_2)
    add_1: "f32[3]" = torch.ops.aten.add.Tensor(add, primals_3)
    add_2: "f32[3]" = torch.ops.aten.add.Tensor(add_1, primals_4)
    cos: "f32[3]" = torch.ops.aten.cos.default(add_2)
    cos_1: "f32[3]" = torch.ops.aten.cos.default(cos)
    sin: "f32[3]" = torch.ops.aten.sin.default(cos)
    neg: "f32[3]" = torch.ops.aten.neg.default(sin)
    mul: "f32[3]" = torch.ops.aten.mul.Tensor(tangents_1, neg)
    sin_1: "f32[3]" = torch.ops.aten.sin.default(add_2)
    neg_1: "f32[3]" = torch.ops.aten.neg.default(sin_1)
    mul_1: "f32[3]" = torch.ops.aten.mul.Tensor(mul, neg_1)
    return [cos_1, mul_1, mul_1, mul_1, mul_1]
)");
  const Split m = partitionText(joint, 1, partition::Partitioner::MinCut);
  EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[3]", primals_2: "f32[3]", primals_3: "f32[3]", primals_4: "f32[3]"):
    add: "f32[3]" = torch.ops.aten.add.Tensor(primals_1, primals_2)
    add_1: "f32[3]" = torch.ops.aten.add.Tensor(add, primals_3)
    add_2: "f32[3]" = torch.ops.aten.add.Tensor(add_1, primals_4)
    cos: "f32[3]" = torch.ops.aten.cos.default(add_2)
    cos_1: "f32[3]" = torch.ops.aten.cos.default(cos)
    return [cos_1, add_2]
)"),
                   m.forward);
  EXPECT_SAME_TEXT(text(R"(
def forward(self, add_2: "f32[3]", tangents_1: "f32[3]"):
    cos: "f32[3]" = torch.ops.aten.cos.default(add_2)
    sin: "f32[3]" = torch.ops.aten.sin.default(cos)
    neg: "f32[3]" = torch.ops.aten.neg.default(sin)
    mul: "f32[3]" = torch.ops.aten.mul.Tensor(tangents_1, neg)
    sin_1: "f32[3]" = torch.ops.aten.sin.default(add_2)
    neg_1: "f32[3]" = torch.ops.aten.neg.default(sin_1)
    mul_1: "f32[3]" = torch.ops.aten.mul.Tensor(mul, neg_1)
    return [mul_1, mul_1, mul_1, mul_1]
)"),
                   m.backward);
  ASSERT_EQ(m.result.saved.size(), 1u);
  EXPECT_EQ(m.result.saved[0].rule, partition::Rule::CheaperToSave);
  const Split d = partitionText(joint, 1, partition::Partitioner::Default);
  EXPECT_NE(d.forward.find("    return [cos_1, add_2, cos]\n"), std::string::npos) << d.forward;
  EXPECT_NE(d.backward.find("def forward(self, add_2: \"f32[3]\", cos: \"f32[3]\", tangents_1: \"f32[3]\"):\n"),
            std::string::npos)
      << d.backward;
}

// (x.sin() * x.cos()).sum(): the backward's own sin(x) and cos(x) (SinBackward0, CosBackward0) repeat the forward's;
// the min-cut partitioner's CSE merges them, saves only x and recomputes the pointwise ops, the default partitioner
// saves sin and cos and keeps the backward's copies. PyTorch 2.11 saves the same values and runs the same ops; its
// min-cut backward is also reordered to mimic the autograd engine (reordering_to_mimic_autograd_engine: expand
// first, each recomputed op just before its first use), which aotviz does not do.
TEST(IrTextPartition, PointwiseOpsAreRecomputedFromTheInputAfterCse) {
  const std::string joint = text(R"(
def forward(self, primals_1: "f32[4, 8]", tangents_1: "f32[]"):
    sin: "f32[4, 8]" = torch.ops.aten.sin.default(primals_1)
    cos: "f32[4, 8]" = torch.ops.aten.cos.default(primals_1)
    mul: "f32[4, 8]" = torch.ops.aten.mul.Tensor(sin, cos)
    sum_1: "f32[]" = torch.ops.aten.sum.default(mul)
    expand: "f32[4, 8]" = torch.ops.aten.expand.default(tangents_1, [4, 8])
    mul_1: "f32[4, 8]" = torch.ops.aten.mul.Tensor(expand, sin)
    mul_2: "f32[4, 8]" = torch.ops.aten.mul.Tensor(expand, cos)
    sin_1: "f32[4, 8]" = torch.ops.aten.sin.default(primals_1)
    neg: "f32[4, 8]" = torch.ops.aten.neg.default(sin_1)
    mul_3: "f32[4, 8]" = torch.ops.aten.mul.Tensor(mul_1, neg)
    cos_1: "f32[4, 8]" = torch.ops.aten.cos.default(primals_1)
    mul_4: "f32[4, 8]" = torch.ops.aten.mul.Tensor(mul_2, cos_1)
    add: "f32[4, 8]" = torch.ops.aten.add.Tensor(mul_3, mul_4)
    return [sum_1, add]
)");
  const Split m = partitionText(joint, 1, partition::Partitioner::MinCut);
  EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[4, 8]"):
    sin: "f32[4, 8]" = torch.ops.aten.sin.default(primals_1)
    cos: "f32[4, 8]" = torch.ops.aten.cos.default(primals_1)
    mul: "f32[4, 8]" = torch.ops.aten.mul.Tensor(sin, cos)
    sum_1: "f32[]" = torch.ops.aten.sum.default(mul)
    return [sum_1, primals_1]
)"),
                   m.forward);
  EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[4, 8]", tangents_1: "f32[]"):
    sin: "f32[4, 8]" = torch.ops.aten.sin.default(primals_1)
    cos: "f32[4, 8]" = torch.ops.aten.cos.default(primals_1)
    expand: "f32[4, 8]" = torch.ops.aten.expand.default(tangents_1, [4, 8])
    mul_1: "f32[4, 8]" = torch.ops.aten.mul.Tensor(expand, sin)
    mul_2: "f32[4, 8]" = torch.ops.aten.mul.Tensor(expand, cos)
    neg: "f32[4, 8]" = torch.ops.aten.neg.default(sin)
    mul_3: "f32[4, 8]" = torch.ops.aten.mul.Tensor(mul_1, neg)
    mul_4: "f32[4, 8]" = torch.ops.aten.mul.Tensor(mul_2, cos)
    add: "f32[4, 8]" = torch.ops.aten.add.Tensor(mul_3, mul_4)
    return [add]
)"),
                   m.backward);
  const Split d = partitionText(joint, 1, partition::Partitioner::Default);
  EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[4, 8]", sin: "f32[4, 8]", cos: "f32[4, 8]", tangents_1: "f32[]"):
    expand: "f32[4, 8]" = torch.ops.aten.expand.default(tangents_1, [4, 8])
    mul_1: "f32[4, 8]" = torch.ops.aten.mul.Tensor(expand, sin)
    mul_2: "f32[4, 8]" = torch.ops.aten.mul.Tensor(expand, cos)
    sin_1: "f32[4, 8]" = torch.ops.aten.sin.default(primals_1)
    neg: "f32[4, 8]" = torch.ops.aten.neg.default(sin_1)
    mul_3: "f32[4, 8]" = torch.ops.aten.mul.Tensor(mul_1, neg)
    cos_1: "f32[4, 8]" = torch.ops.aten.cos.default(primals_1)
    mul_4: "f32[4, 8]" = torch.ops.aten.mul.Tensor(mul_2, cos_1)
    add: "f32[4, 8]" = torch.ops.aten.add.Tensor(mul_3, mul_4)
    return [add]
)"),
                   d.backward);
}

// x.view(4, 3).t() * y: the min-cut saves the inputs and recomputes the view chain, the default partitioner saves
// the transposed view (PyTorch 2.11: the same, its min-cut backward again reordered with expand first).
TEST(IrTextPartition, AViewChainIsRecomputedFromTheInput) {
  const std::string joint = text(R"(
def forward(self, primals_1: "f32[12]", primals_2: "f32[3, 4]", tangents_1: "f32[]"):
    view: "f32[4, 3]" = torch.ops.aten.view.default(primals_1, [4, 3])
    t: "f32[3, 4][1, 3]" = torch.ops.aten.t.default(view)
    mul: "f32[3, 4]" = torch.ops.aten.mul.Tensor(t, primals_2)
    sum_1: "f32[]" = torch.ops.aten.sum.default(mul)
    expand: "f32[3, 4][0, 0]" = torch.ops.aten.expand.default(tangents_1, [3, 4])
    mul_1: "f32[3, 4]" = torch.ops.aten.mul.Tensor(expand, t)
    mul_2: "f32[3, 4]" = torch.ops.aten.mul.Tensor(expand, primals_2)
    t_1: "f32[4, 3][1, 4]" = torch.ops.aten.t.default(mul_2)
    clone: "f32[4, 3]" = torch.ops.aten.clone.default(t_1, memory_format = torch.contiguous_format)
    _unsafe_view: "f32[12]" = torch.ops.aten._unsafe_view.default(clone, [12])
    return [sum_1, _unsafe_view, mul_1]
)");
  const std::string bw_ops = text(R"(
    expand: "f32[3, 4]" = torch.ops.aten.expand.default(tangents_1, [3, 4])
    mul_1: "f32[3, 4]" = torch.ops.aten.mul.Tensor(expand, t)
    mul_2: "f32[3, 4]" = torch.ops.aten.mul.Tensor(expand, primals_2)
    t_1: "f32[4, 3]" = torch.ops.aten.t.default(mul_2)
    clone: "f32[4, 3]" = torch.ops.aten.clone.default(t_1, memory_format = torch.contiguous_format)
    _unsafe_view: "f32[12]" = torch.ops.aten._unsafe_view.default(clone, [12])
    return [_unsafe_view, mul_1]
)");
  const Split m = partitionText(joint, 1, partition::Partitioner::MinCut);
  EXPECT_NE(m.forward.find("    return [sum_1, primals_1, primals_2]\n"), std::string::npos) << m.forward;
  EXPECT_SAME_TEXT("def forward(self, primals_1: \"f32[12]\", primals_2: \"f32[3, 4]\", tangents_1: \"f32[]\"):\n"
                   "    view: \"f32[4, 3]\" = torch.ops.aten.view.default(primals_1, [4, 3])\n"
                   "    t: \"f32[3, 4]\" = torch.ops.aten.t.default(view)\n" +
                       bw_ops,
                   m.backward);
  const Split d = partitionText(joint, 1, partition::Partitioner::Default);
  EXPECT_NE(d.forward.find("    return [sum_1, primals_2, t]\n"), std::string::npos) << d.forward;
  EXPECT_SAME_TEXT("def forward(self, primals_2: \"f32[3, 4]\", t: \"f32[3, 4]\", tangents_1: \"f32[]\"):\n" + bw_ops,
                   d.backward);
  // The strides written in the joint are the values' strides in both graphs.
  EXPECT_NE(printGraph(d.result.backward, fullText()).find("t: \"f32[3, 4][1, 3]cpu\""), std::string::npos);
}

// test_default_partitioner_getitem: layer_norm's saved statistics are getitems of a multi-output node; both
// partitioners save the inputs and getitem_1, getitem_2 (PyTorch 2.11: the same).
TEST(IrTextPartition, LayerNormSavesTheGetitemsOfItsStatistics) {
  const std::string joint = text(R"(
def forward(self, primals_1: "f32[2, 4]", primals_2: "f32[4]", primals_3: "f32[4]", tangents_1: "f32[2, 4]"):
    native_layer_norm = torch.ops.aten.native_layer_norm.default(primals_1, [4], primals_2, primals_3, 1e-05)
    getitem: "f32[2, 4]" = native_layer_norm[0]
    getitem_1: "f32[2, 1]" = native_layer_norm[1]
    getitem_2: "f32[2, 1]" = native_layer_norm[2]
    native_layer_norm_backward = torch.ops.aten.native_layer_norm_backward.default(tangents_1, primals_1, [4], getitem_1, getitem_2, primals_2, primals_3, [True, True, True])
    getitem_3: "f32[2, 4]" = native_layer_norm_backward[0]
    getitem_4: "f32[4]" = native_layer_norm_backward[1]
    getitem_5: "f32[4]" = native_layer_norm_backward[2]
    return [getitem, getitem_3, getitem_4, getitem_5]
)");
  for (auto p : {partition::Partitioner::MinCut, partition::Partitioner::Default}) {
    SCOPED_TRACE(partition::partitionerName(p));
    const Split s = partitionText(joint, 1, p);
    EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[2, 4]", primals_2: "f32[4]", primals_3: "f32[4]"):
    native_layer_norm = torch.ops.aten.native_layer_norm.default(primals_1, [4], primals_2, primals_3, 1e-05)
    getitem: "f32[2, 4]" = native_layer_norm[0]
    getitem_1: "f32[2, 1]" = native_layer_norm[1]
    getitem_2: "f32[2, 1]" = native_layer_norm[2]
    return [getitem, primals_1, primals_2, primals_3, getitem_1, getitem_2]
)"),
                     s.forward);
    EXPECT_SAME_TEXT(text(R"(
def forward(self, primals_1: "f32[2, 4]", primals_2: "f32[4]", primals_3: "f32[4]", getitem_1: "f32[2, 1]", getitem_2: "f32[2, 1]", tangents_1: "f32[2, 4]"):
    native_layer_norm_backward = torch.ops.aten.native_layer_norm_backward.default(tangents_1, primals_1, [4], getitem_1, getitem_2, primals_2, primals_3, [True, True, True])
    getitem_3: "f32[2, 4]" = native_layer_norm_backward[0]
    getitem_4: "f32[4]" = native_layer_norm_backward[1]
    getitem_5: "f32[4]" = native_layer_norm_backward[2]
    return [getitem_3, getitem_4, getitem_5]
)"),
                     s.backward);
  }
}

}  // namespace
}  // namespace aotviz::ir

