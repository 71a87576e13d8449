// core/models/zoo.cpp — the built-in models. Architectures and sizes follow ../shared/peer/peer_aot_baseline.py
// exactly; Python scalars are passed as wrapped numbers so the recorded ops match PyTorch's (mul.Tensor, not
// mul.Scalar).
#include "core/models/zoo.h"

#include <ATen/ATen.h>

#include <cmath>
#include <map>

#include "core/util/diagnostic.h"

namespace aotviz::models {

namespace {

using capture::InputDesc;
using capture::InputKind;
using capture::ScopeGuard;
using Tensors = std::vector<at::Tensor>;

using capture::wrappedNumber;

/// Collects named parameters/buffers with torch.nn's default initialisation, and hands them back in order.
class Params {
 public:
  at::Tensor uniform(std::vector<int64_t> shape, double bound) { return at::rand(shape) * (2 * bound) - bound; }
  void linear(const std::string& name, int64_t in, int64_t out) {
    double bound = 1.0 / std::sqrt(static_cast<double>(in));  // kaiming_uniform(a=sqrt(5)) and the bias rule
    param(name + ".weight", uniform({out, in}, bound));
    param(name + ".bias", uniform({out}, bound));
  }
  void conv2d(const std::string& name, int64_t in, int64_t out, int64_t k) {
    double bound = 1.0 / std::sqrt(static_cast<double>(in * k * k));
    param(name + ".weight", uniform({out, in, k, k}, bound));
    param(name + ".bias", uniform({out}, bound));
  }
  void layerNorm(const std::string& name, int64_t d) {
    param(name + ".weight", at::ones({d}));
    param(name + ".bias", at::zeros({d}));
  }
  void batchNorm(const std::string& name, int64_t c) {
    param(name + ".weight", at::ones({c}));
    param(name + ".bias", at::zeros({c}));
    buffer(name + ".running_mean", at::zeros({c}));
    buffer(name + ".running_var", at::ones({c}));
    buffer(name + ".num_batches_tracked", at::zeros({}, at::kLong));
  }
  void param(const std::string& name, at::Tensor t) { params_.push_back({name, InputKind::Param, t, true}); }
  void buffer(const std::string& name, at::Tensor t) { buffers_.push_back({name, InputKind::Buffer, t, false}); }
  /// params, buffers, then the user inputs.
  std::vector<InputDesc> finish(std::vector<InputDesc> user) {
    std::vector<InputDesc> all = params_;
    all.insert(all.end(), buffers_.begin(), buffers_.end());
    all.insert(all.end(), user.begin(), user.end());
    return all;
  }
  /// Index of a named input in finish()'s order.
  std::map<std::string, size_t> index(const std::vector<InputDesc>& all) const {
    std::map<std::string, size_t> m;
    for (size_t i = 0; i < all.size(); ++i) m[all[i].name] = i;
    return m;
  }

 private:
  std::vector<InputDesc> params_, buffers_;
};

InputDesc userInput(const std::string& name, at::Tensor t, bool requires_grad = false) {
  return {name, InputKind::User, std::move(t), requires_grad};
}

/// Looks inputs up by name inside a model's forward.
struct Bound {
  const Tensors& in;
  const std::map<std::string, size_t>& idx;
  const at::Tensor& operator[](const std::string& n) const { return in.at(idx.at(n)); }
};

at::Tensor linear(const Bound& p, const std::string& name, const at::Tensor& x) {
  ScopeGuard s(name);
  return at::linear(x, p[name + ".weight"], p[name + ".bias"]);
}

at::Tensor layerNorm(const Bound& p, const std::string& name, const at::Tensor& x) {
  ScopeGuard s(name);
  return at::layer_norm(x, {x.size(-1)}, p[name + ".weight"], p[name + ".bias"], 1e-5);
}

Model makeSequentialMlp(const std::vector<int64_t>& widths, const std::string& act, int64_t batch, uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  Params ps;
  // nn.Sequential numbering: Linear at 0, activation at 1, Linear at 2, …
  std::vector<std::string> linears;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    linears.push_back(std::to_string(2 * i));
    ps.linear(linears.back(), widths[i], widths[i + 1]);
  }
  at::manual_seed(static_cast<int64_t>(seed) + 1);
  auto inputs = ps.finish({userInput("x", at::randn({batch, widths.front()}))});
  auto idx = ps.index(inputs);
  Model m{"", "", inputs, nullptr};
  m.fn = [idx, linears, act](const Tensors& in) {
    Bound p{in, idx};
    at::Tensor x = p["x"];
    for (size_t i = 0; i < linears.size(); ++i) {
      x = linear(p, linears[i], x);
      if (i + 1 < linears.size() || act == "tanh") {
        ScopeGuard s(std::to_string(2 * i + 1));
        x = act == "tanh" ? at::tanh(x) : at::relu(x);
      }
    }
    return Tensors{x};
  };
  return m;
}

Model mlp(uint64_t seed) {
  return makeSequentialMlp({64, 128, 128, 10}, "relu", 32, seed);
}

Model deepMlp(uint64_t seed) {
  std::vector<int64_t> widths(25, 256);
  return makeSequentialMlp(widths, "tanh", 64, seed);
}

Model mlpGeluLn(uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  Params ps;
  ps.linear("0", 256, 1024);
  ps.layerNorm("2", 1024);
  ps.linear("3", 1024, 256);
  at::manual_seed(static_cast<int64_t>(seed) + 1);
  auto inputs = ps.finish({userInput("x", at::randn({16, 256}))});
  auto idx = ps.index(inputs);
  Model m{"", "", inputs, nullptr};
  m.fn = [idx](const Tensors& in) {
    Bound p{in, idx};
    at::Tensor x = linear(p, "0", p["x"]);
    {
      ScopeGuard s("1");
      x = at::gelu(x);
    }
    x = layerNorm(p, "2", x);
    return Tensors{linear(p, "3", x)};
  };
  return m;
}

Model cnn(uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  Params ps;
  ps.conv2d("0", 3, 16, 3);
  ps.batchNorm("1", 16);
  ps.conv2d("4", 16, 32, 3);
  ps.linear("8", 32, 10);
  at::manual_seed(static_cast<int64_t>(seed) + 1);
  auto inputs = ps.finish({userInput("x", at::randn({8, 3, 32, 32}))});
  auto idx = ps.index(inputs);
  Model m{"", "", inputs, nullptr};
  m.fn = [idx](const Tensors& in) {
    Bound p{in, idx};
    at::Tensor x;
    {
      ScopeGuard s("0");
      x = at::conv2d(p["x"], p["0.weight"], p["0.bias"]);
    }
    {
      ScopeGuard s("1");
      // nn.BatchNorm2d.forward in training mode: count the batch, then batch_norm with momentum 0.1.
      at::Tensor nbt = p["1.num_batches_tracked"];
      nbt.add_(wrappedNumber(int64_t{1}));
      x = at::batch_norm(x, p["1.weight"], p["1.bias"], p["1.running_mean"], p["1.running_var"], true, 0.1, 1e-5,
                         true);
    }
    {
      ScopeGuard s("2");
      x = at::relu(x);
    }
    {
      ScopeGuard s("3");
      x = at::max_pool2d(x, {2, 2});
    }
    {
      ScopeGuard s("4");
      x = at::conv2d(x, p["4.weight"], p["4.bias"]);
    }
    {
      ScopeGuard s("5");
      x = at::relu(x);
    }
    {
      ScopeGuard s("6");
      x = at::adaptive_avg_pool2d(x, {1, 1});
    }
    {
      ScopeGuard s("7");
      x = at::flatten(x, 1);
    }
    return Tensors{linear(p, "8", x)};
  };
  return m;
}

Model attnBlock(uint64_t seed) {
  const int64_t d = 128, heads = 4, ratio = 4;
  at::manual_seed(static_cast<int64_t>(seed));
  Params ps;
  ps.layerNorm("ln1", d);
  ps.linear("q", d, d);
  ps.linear("k", d, d);
  ps.linear("v", d, d);
  ps.linear("o", d, d);
  ps.layerNorm("ln2", d);
  ps.linear("fc1", d, ratio * d);
  ps.linear("fc2", ratio * d, d);
  at::manual_seed(static_cast<int64_t>(seed) + 1);
  auto inputs = ps.finish({userInput("x", at::randn({4, 64, d}))});
  auto idx = ps.index(inputs);
  Model m{"", "", inputs, nullptr};
  m.fn = [idx, heads](const Tensors& in) {
    Bound p{in, idx};
    at::Tensor x = p["x"];
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), H = heads, D = C / H;
    at::Tensor hdn = layerNorm(p, "ln1", x);
    at::Tensor q = linear(p, "q", hdn).view({B, T, H, D}).transpose(1, 2);
    at::Tensor k = linear(p, "k", hdn).view({B, T, H, D}).transpose(1, 2);
    at::Tensor v = linear(p, "v", hdn).view({B, T, H, D}).transpose(1, 2);
    at::Tensor scale = wrappedNumber(1.0 / std::sqrt(static_cast<double>(D)));
    at::Tensor att = at::mul(at::matmul(q, k.transpose(-2, -1)), scale);
    att = at::softmax(att, -1);
    {
      ScopeGuard s("attn_drop");
      att = at::dropout(att, 0.0, true);
    }
    at::Tensor y = at::matmul(att, v);
    y = y.transpose(1, 2).contiguous().view({B, T, C});
    at::Tensor o = linear(p, "o", y);
    {
      ScopeGuard s("resid_drop");
      o = at::dropout(o, 0.0, true);
    }
    x = at::add(x, o);
    at::Tensor h = linear(p, "fc1", layerNorm(p, "ln2", x));
    {
      ScopeGuard s("act");
      h = at::gelu(h);
    }
    h = linear(p, "fc2", h);
    {
      ScopeGuard s("mlp_drop");
      h = at::dropout(h, 0.0, true);
    }
    return Tensors{at::add(x, h)};
  };
  return m;
}

Model mutationFn(uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed) + 2);
  std::vector<InputDesc> inputs{userInput("a", at::randn({16, 16})), userInput("b", at::randn({16, 16}), true)};
  Model m{"", "", inputs, nullptr};
  m.fn = [](const Tensors& in) {
    at::Tensor a = in[0], b = in[1];
    a.add_(wrappedNumber(int64_t{1}));
    at::Tensor c = at::mul(a, b);
    c.mul_(wrappedNumber(int64_t{2}));
    return Tensors{c, a.view({-1})};
  };
  return m;
}

struct Entry {
  ModelInfo info;
  Model (*build)(uint64_t);
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> r = {
      {{"mlp", "Linear(64,128)-ReLU-Linear(128,128)-ReLU-Linear(128,10), batch 32"}, mlp},
      {{"mlp_gelu_ln", "Linear(256,1024)-GELU-LayerNorm(1024)-Linear(1024,256), batch 16"}, mlpGeluLn},
      {{"cnn",
        "Conv2d(3,16,3)-BatchNorm2d(16)-ReLU-MaxPool2d(2)-Conv2d(16,32,3)-ReLU-AdaptiveAvgPool2d(1)-Flatten-"
        "Linear(32,10), input 8x3x32x32, train mode"},
       cnn},
      {{"attn_block",
        "pre-LN transformer block: LN, MHSA (Linear q/k/v/out, softmax, dropout p=0), residual, LN, MLP GELU 4x, "
        "residual; d_model=128 heads=4 seq=64 batch=4"},
       attnBlock},
      {{"mutation_fn", "f(a,b): a.add_(1); c=a*b; c.mul_(2); return c, a.view(-1); a,b 16x16, b requires grad"},
       mutationFn},
      {{"deep_mlp", "24 x (Linear(256,256)+Tanh), batch 64"}, deepMlp},
  };
  return r;
}

}  // namespace

const std::vector<ModelInfo>& modelList() {
  static const std::vector<ModelInfo> list = [] {
    std::vector<ModelInfo> l;
    for (const auto& e : registry()) l.push_back(e.info);
    return l;
  }();
  return list;
}

bool hasModel(const std::string& name) {
  for (const auto& info : modelList())
    if (info.name == name) return true;
  return false;
}

std::vector<size_t> parameterIndices(const Model& m) {
  std::vector<size_t> r;
  for (size_t i = 0; i < m.inputs.size(); ++i)
    if (m.inputs[i].kind == capture::InputKind::Param) r.push_back(i);
  return r;
}

Model buildModel(const std::string& name, uint64_t seed) {
  for (const auto& e : registry())
    if (e.info.name == name) {
      Model m = e.build(seed);
      m.name = e.info.name;
      m.description = e.info.description;
      return m;
    }
  std::string names;
  for (const auto& info : modelList()) names += (names.empty() ? "" : ", ") + info.name;
  fail("inputs", "", "unknown model '" + name + "'", "built-in models are: " + names + "; or pass a .pt file");
}

}  // namespace aotviz::models
