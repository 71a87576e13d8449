// tests/core/test_ir.cpp — graph IR: FX-style printing, JSON round-trip, verifier diagnostics, DCE, loader errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/ir/cse.h"
#include "core/ir/dce.h"
#include "core/ir/printer.h"
#include "core/ir/serialize.h"
#include "core/ir/verify.h"
#include "core/util/diagnostic.h"

namespace aotviz::ir {
namespace {

TensorMeta meta(std::vector<int64_t> sizes) {
  TensorMeta m;
  m.sizes = sizes;
  m.strides.assign(sizes.size(), 1);
  for (size_t i = sizes.size(); i-- > 1;) m.strides[i - 1] = m.strides[i] * sizes[i];
  return m;
}

/// x[4,8], w[8,8] → mm, mul by a wrapped 2, split into two, a dead view, sum; returns (sum, getitem_1, None).
Graph sampleGraph() {
  Graph g;
  ValueId x = g.addPlaceholder("primals_1", InputRole::Primal, meta({4, 8}));
  ValueId w = g.addPlaceholder("primals_2", InputRole::Primal, meta({8, 8}));
  ValueId mm = g.node(g.addCall("aten::mm", "", {"self", "mat2"}, {Arg::ofValue(x), Arg::ofValue(w)}, {meta({4, 8})})).outputs[0];
  ConstTensor two;
  two.dtype = c10::ScalarType::Long;
  two.data = {2};
  two.wrapped_number = true;
  ValueId mul = g.node(g.addCall("aten::mul", "Tensor", {"self", "other"}, {Arg::ofValue(mm), Arg::ofTensor(two)}, {meta({4, 8})})).outputs[0];
  NodeId split = g.addCall("aten::split", "Tensor", {"self", "split_size", "dim"}, {Arg::ofValue(mul), Arg::ofInt(2), Arg::ofInt(0)},
                           {meta({2, 8}), meta({2, 8})}, {}, /*list_output=*/true);
  g.addCall("aten::view", "", {"self", "size"}, {Arg::ofValue(mm), Arg::ofInts({32})}, {meta({32})});  // dead
  ValueId s = g.node(g.addCall("aten::sum", "", {"self", "dtype"}, {Arg::ofValue(g.node(split).outputs[0]), Arg::none()}, {meta({})})).outputs[0];
  g.setOutputs({Arg::ofValue(s), Arg::ofValue(g.node(split).outputs[1]), Arg::none()});
  g.assignNames();
  return g;
}

TEST(IrPrinter, PrintsFxStyleCodeWithPyTorchNaming) {
  Graph g = sampleGraph();
  EXPECT_EQ(printGraph(g),
            "def forward(self, primals_1: \"f32[4, 8]\", primals_2: \"f32[8, 8]\"):\n"
            "    mm: \"f32[4, 8]\" = torch.ops.aten.mm.default(primals_1, primals_2)\n"
            "    mul: \"f32[4, 8]\" = torch.ops.aten.mul.Tensor(mm, 2)\n"
            "    split = torch.ops.aten.split.Tensor(mul, 2)\n"
            "    getitem: \"f32[2, 8]\" = split[0]\n"
            "    getitem_1: \"f32[2, 8]\" = split[1]\n"
            "    view: \"f32[32]\" = torch.ops.aten.view.default(mm, [32])\n"
            "    sum_1: \"f32[]\" = torch.ops.aten.sum.default(getitem)\n"
            "    return [sum_1, getitem_1, None]\n");
}

TEST(IrPrinter, KeywordOnlyArgumentsPrintAsKeywords) {
  Graph g;
  ValueId x = g.addPlaceholder("arg0_1", InputRole::Arg, meta({3}));
  g.addCall("aten::new_zeros", "", {"self", "size", "dtype", "layout", "device", "pin_memory"},
            {Arg::ofValue(x), Arg::ofInts({4}), Arg::ofInt(static_cast<int>(c10::ScalarType::Float)), Arg::ofInt(0),
             Arg::ofDevice(c10::Device("cpu")), Arg::none()},
            {meta({4})});
  g.setOutputs({Arg::ofValue(ValueId(1))});
  g.assignNames();
  EXPECT_NE(printGraph(g).find("torch.ops.aten.new_zeros.default(arg0_1, [4], dtype = torch.float32, layout = "
                               "torch.strided, device = device(type='cpu'))"),
            std::string::npos)
      << printGraph(g);
}

TEST(IrJson, RoundTripIsIdentical) {
  Graph g = sampleGraph();
  g.nodes[2].prov = Provenance{"layers.0", "model.py:12", "capture", Phase::Backward, "MmBackward0"};
  std::string text = graphToJsonString(g);
  Graph back = graphFromJsonString(text);
  EXPECT_TRUE(back == g);
  EXPECT_EQ(printGraph(back), printGraph(g));
  EXPECT_EQ(graphToJsonString(back), text);
}

TEST(IrJson, RoundTripKeepsEveryConstantKind) {
  Graph g;
  ValueId x = g.addPlaceholder("arg0_1", InputRole::Arg, meta({2}));
  ConstTensor c;
  c.dtype = c10::ScalarType::Double;
  c.sizes = {2};
  c.data = {0.5, -1.25};
  std::vector<Arg> args = {Arg::ofValue(x), Arg::ofValues({x, ValueId()}), Arg::none(), Arg::ofBool(true),
                           Arg::ofInt(-3), Arg::ofDouble(1e-5), Arg::ofDouble(INFINITY), Arg::ofString("tanh"),
                           Arg::ofInts({1, 2}), Arg::ofDoubles({0.25}), Arg::ofBools({true, false}),
                           Arg::ofDevice(c10::Device("cpu")), Arg::ofTensor(c)};
  std::vector<std::string> names(args.size(), "a");
  g.addCall("aten::fake_op_for_test", "", names, args, {meta({2})});
  g.setOutputs({Arg::ofValue(ValueId(1))});
  g.assignNames();
  Graph back = graphFromJsonString(graphToJsonString(g));
  EXPECT_TRUE(back == g);
}

TEST(IrVerify, WellFormedGraphHasNoDiagnostics) {
  auto d = verify(sampleGraph());
  EXPECT_TRUE(d.empty()) << d.front().format();
}

TEST(IrVerify, ReportsUseBeforeDefinition) {
  Graph g = sampleGraph();
  std::swap(g.nodes[2], g.nodes[3]);  // mul before mm
  g.nodes[2].id = NodeId(2);
  g.nodes[3].id = NodeId(3);
  for (auto& v : g.values) {
    if (v.name == "mul") v.producer = NodeId(2);
    if (v.name == "mm") v.producer = NodeId(3);
  }
  auto d = verify(g);
  ASSERT_FALSE(d.empty());
  EXPECT_NE(d.front().format().find("before it is defined"), std::string::npos) << d.front().format();
  EXPECT_EQ(d.front().node, "mul");
}

TEST(IrVerify, ReportsUnknownOperatorAndArity) {
  Graph g = sampleGraph();
  g.nodes[2].op = "aten::no_such_op";
  g.nodes[3].args.pop_back();
  g.nodes[3].arg_names.pop_back();
  auto d = verify(g);
  std::string all;
  for (const auto& x : d) all += x.format() + "\n";
  EXPECT_NE(all.find("aten::no_such_op does not exist"), std::string::npos) << all;
  EXPECT_NE(all.find("aten::mul.Tensor takes 2 arguments, the node has 1"), std::string::npos) << all;
}

TEST(IrVerify, ReportsMissingOutputAndDuplicateNames) {
  Graph g = sampleGraph();
  g.nodes[3].name = "mm";
  g.nodes.pop_back();
  auto d = verify(g);
  std::string all;
  for (const auto& x : d) all += x.format() + "\n";
  EXPECT_NE(all.find("duplicate node name 'mm'"), std::string::npos) << all;
  EXPECT_NE(all.find("exactly one output node"), std::string::npos) << all;
}

TEST(IrDce, RemovesDeadNodesKeepsNamesAndStaysValid) {
  Graph g = sampleGraph();
  EXPECT_EQ(eliminateDeadCode(g), 1u);
  std::string text = printGraph(g);
  EXPECT_EQ(text.find("view"), std::string::npos) << text;
  EXPECT_NE(text.find("sum_1"), std::string::npos);
  auto d = verify(g);
  EXPECT_TRUE(d.empty()) << d.front().format();
  EXPECT_EQ(eliminateDeadCode(g), 0u);
}

TEST(IrDce, KeepsMutationsOfInputs) {
  Graph g;
  ValueId a = g.addPlaceholder("primals_1", InputRole::Primal, meta({3}));
  ValueId b = g.addPlaceholder("primals_2", InputRole::Primal, meta({3}));
  g.addCall("aten::copy_", "", {"self", "src", "non_blocking"}, {Arg::ofValue(a), Arg::ofValue(b), Arg::ofBool(false)}, {meta({3})});
  g.setOutputs({});
  g.assignNames();
  EXPECT_EQ(eliminateDeadCode(g), 0u);
  EXPECT_EQ(g.numCalls(), 1u);
}

// Note [CPython's hash(-1)]: PyTorch 2.11's fx_graph_cse merges unsqueeze(x, -2) repeats, but an unsqueeze(x, -1)
// after an unsqueeze(x, -2) hashes alike without being equal, so neither it nor its repeats are merged. PyTorch's
// own result on this graph (fx_graph_cse run on it with the venv's torch): unsqueeze_2 merged into unsqueeze,
// unsqueeze_1 and unsqueeze_3 both kept, the adds of each kept unsqueeze merged.
TEST(IrCse, MergesRepeatsButNotAfterAPythonHashCollisionAsPyTorchDoes) {
  Graph g;
  ValueId x = g.addPlaceholder("primals_1", InputRole::Primal, meta({16}));
  std::vector<ValueId> u;
  for (int64_t dim : {-2, -1, -2, -1})
    u.push_back(g.node(g.addCall("aten::unsqueeze", "", {"self", "dim"}, {Arg::ofValue(x), Arg::ofInt(dim)},
                                 {dim == -2 ? meta({1, 16}) : meta({16, 1})})).outputs[0]);
  std::vector<Arg> outs;  // mul(add(u, u), add(u, u)) per unsqueeze: graph outputs are never merged
  for (size_t k = 0; k < u.size(); ++k) {
    auto add = [&] {
      return g.node(g.addCall("aten::add", "Tensor", {"self", "other", "alpha"}, {Arg::ofValue(u[k]), Arg::ofValue(u[k]), Arg::ofInt(1)},
                              {meta({16, 16})})).outputs[0];
    };
    const ValueId a = add(), b = add();
    outs.push_back(Arg::ofValue(g.node(g.addCall("aten::mul", "Tensor", {"self", "other"}, {Arg::ofValue(a), Arg::ofValue(b)},
                                                 {meta({16, 16})})).outputs[0]));
  }
  g.setOutputs(outs);
  g.assignNames();
  const auto merged = eliminateCommonSubexpressions(g);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(merged, (std::vector<P>{{"unsqueeze_2", "unsqueeze"}, {"add_1", "add"}, {"add_3", "add_2"}, {"add_4", "add"},
                                    {"add_5", "add"}, {"add_7", "add_6"}}))
      << printGraph(g);
  const std::string text = printGraph(g);
  EXPECT_NE(text.find("unsqueeze_1"), std::string::npos) << text;
  EXPECT_NE(text.find("unsqueeze_3"), std::string::npos) << text;
  EXPECT_TRUE(verify(g).empty());
}

void expectLoadError(const std::string& text, const std::string& fragment) {
  try {
    graphFromJsonString(text);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "load");
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(IrJson, LoaderErrorsNameThePath) {
  std::string good = graphToJsonString(sampleGraph());
  expectLoadError(good.substr(0, good.size() / 2), "not valid JSON");
  expectLoadError("[]", "$: expected a JSON object");
  auto j = nlohmann::json::parse(good);
  j["schema_version"] = 99;
  expectLoadError(j.dump(), "version 99 is not supported");
  j = nlohmann::json::parse(good);
  j["nodes"][2]["args"][1] = {{"v", 1000}};
  expectLoadError(j.dump(), "$.nodes[2].args[1].v: value id 1000 is out of range");
  j = nlohmann::json::parse(good);
  j["values"][0]["meta"]["dtype"] = "float99";
  expectLoadError(j.dump(), "$.values[0].meta.dtype: unknown dtype 'float99'");
  j = nlohmann::json::parse(good);
  j["nodes"][3].erase("op");
  expectLoadError(j.dump(), "$.nodes[3].op: missing field");
}

TEST(IrJson, AGraphThatFailsTheVerifierIsRefusedAtLoad) {
  const std::string good = graphToJsonString(sampleGraph());
  auto j = nlohmann::json::parse(good);
  // mm (node 2) uses mul's value (defined by node 3): well-formed field by field, but used before defined.
  j["nodes"][2]["args"][0] = {{"v", 3}};
  expectLoadError(j.dump(), "$.nodes[2]: mm: argument 0 uses 'mul' before it is defined");
  j = nlohmann::json::parse(good);
  j["nodes"].erase(j["nodes"].size() - 1);  // no output node
  expectLoadError(j.dump(), "exactly one output node");
  j = nlohmann::json::parse(good);
  j["nodes"][3]["name"] = "mm";
  expectLoadError(j.dump(), "$.nodes[3]: mm: duplicate node name 'mm'");
}

TEST(IrVerify, SchemaWarningsNameOperatorsThisLibTorchDoesNotHave) {
  Graph g = sampleGraph();
  EXPECT_TRUE(schemaWarnings(g).empty());
  for (Node& n : g.nodes)
    if (n.op == "aten::mm" || n.op == "aten::sum") n.op += "_from_the_future";
  Graph back = graphFromJsonString(graphToJsonString(g));  // loads: well formed
  auto w = schemaWarnings(back);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("node 'mm': operator aten::mm_from_the_future does not exist in this LibTorch"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("shown, not run"), std::string::npos) << w[0];
  EXPECT_EQ(schemaWarnings(back, 1).back(), "and 1 more such nodes");
}

}  // namespace
}  // namespace aotviz::ir
