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
  /// torchvision's ResNet convolutions: no bias, kaiming_normal_(mode="fan_out", nonlinearity="relu").
  void conv2dNoBias(const std::string& name, int64_t in, int64_t out, int64_t k) {
    param(name + ".weight", at::randn({out, in, k, k}) * std::sqrt(2.0 / static_cast<double>(out * k * k)));
  }
  /// nn.Embedding: N(0, 1) (GPT-2 style models re-initialise it to N(0, 0.02)).
  void embedding(const std::string& name, int64_t n, int64_t d, double std = 0.02) {
    param(name + ".weight", at::randn({n, d}) * std);
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

/// A module's scope given by its full path ("h.0.attn.c_attn", as its parameters are named): it pushes only what the
/// enclosing module scopes do not already say ("c_attn" inside "h.0.attn"), so a nested module's scope never
/// repeats its parent's path ("h.0.h.0.attn").
class ModuleScope {
 public:
  explicit ModuleScope(const std::string& path) : guard_(relative(path)) { open().push_back(path); }
  ~ModuleScope() { open().pop_back(); }
  ModuleScope(const ModuleScope&) = delete;
  ModuleScope& operator=(const ModuleScope&) = delete;

 private:
  static std::vector<std::string>& open() {
    static thread_local std::vector<std::string> paths;
    return paths;
  }
  static std::string relative(const std::string& path) {
    if (open().empty()) return path;
    const std::string& parent = open().back();
    return path.size() > parent.size() && path.compare(0, parent.size(), parent) == 0 && path[parent.size()] == '.'
               ? path.substr(parent.size() + 1)
               : path;
  }
  ScopeGuard guard_;
};

at::Tensor linear(const Bound& p, const std::string& name, const at::Tensor& x) {
  ModuleScope s(name);
  return at::linear(x, p[name + ".weight"], p[name + ".bias"]);
}

at::Tensor layerNorm(const Bound& p, const std::string& name, const at::Tensor& x) {
  ModuleScope s(name);
  return at::layer_norm(x, {x.size(-1)}, p[name + ".weight"], p[name + ".bias"], 1e-5);
}

/// nn.BatchNorm2d.forward in training mode: count the batch, then batch_norm with momentum 0.1.
at::Tensor batchNormTrain(const Bound& p, const std::string& name, const at::Tensor& x) {
  ModuleScope s(name);
  at::Tensor nbt = p[name + ".num_batches_tracked"];
  nbt.add_(wrappedNumber(int64_t{1}));
  return at::batch_norm(x, p[name + ".weight"], p[name + ".bias"], p[name + ".running_mean"],
                        p[name + ".running_var"], true, 0.1, 1e-5, true);
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
    x = batchNormTrain(p, "1", x);
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


at::Tensor conv(const Bound& p, const std::string& name, const at::Tensor& x, int64_t stride, int64_t padding) {
  ModuleScope s(name);
  return at::conv2d(x, p[name + ".weight"], {}, {stride, stride}, {padding, padding});
}

/// torchvision.models.resnet18 (BasicBlock, [2, 2, 2, 2]), train mode, on 2x3x64x64 images (smaller than
/// ImageNet's 224 so a CPU step stays well under a second; the graph is the same).
Model resnet18(uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  Params ps;
  ps.conv2dNoBias("conv1", 3, 64, 7);
  ps.batchNorm("bn1", 64);
  const int64_t widths[4] = {64, 128, 256, 512};
  int64_t in = 64;
  for (int l = 0; l < 4; ++l)
    for (int b = 0; b < 2; ++b) {
      const std::string n = "layer" + std::to_string(l + 1) + "." + std::to_string(b);
      const int64_t out = widths[l];
      ps.conv2dNoBias(n + ".conv1", in, out, 3);
      ps.batchNorm(n + ".bn1", out);
      ps.conv2dNoBias(n + ".conv2", out, out, 3);
      ps.batchNorm(n + ".bn2", out);
      if (b == 0 && l > 0) {
        ps.conv2dNoBias(n + ".downsample.0", in, out, 1);
        ps.batchNorm(n + ".downsample.1", out);
      }
      in = out;
    }
  ps.linear("fc", 512, 1000);
  at::manual_seed(static_cast<int64_t>(seed) + 1);
  auto inputs = ps.finish({userInput("x", at::randn({2, 3, 64, 64}))});
  auto idx = ps.index(inputs);
  Model m{"", "", inputs, nullptr};
  m.fn = [idx](const Tensors& in) {
    Bound p{in, idx};
    at::Tensor x = conv(p, "conv1", p["x"], 2, 3);
    x = batchNormTrain(p, "bn1", x);
    {
      ScopeGuard s("relu");
      x = at::relu(x);
    }
    {
      ScopeGuard s("maxpool");
      x = at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    }
    for (int l = 0; l < 4; ++l)
      for (int b = 0; b < 2; ++b) {
        const std::string n = "layer" + std::to_string(l + 1) + "." + std::to_string(b);
        ModuleScope block(n);
        const int64_t stride = b == 0 && l > 0 ? 2 : 1;
        at::Tensor identity = x;
        at::Tensor y = conv(p, n + ".conv1", x, stride, 1);
        y = at::relu(batchNormTrain(p, n + ".bn1", y));
        y = batchNormTrain(p, n + ".bn2", conv(p, n + ".conv2", y, 1, 1));
        if (b == 0 && l > 0) identity = batchNormTrain(p, n + ".downsample.1", conv(p, n + ".downsample.0", x, stride, 0));
        x = at::relu(at::add(y, identity));
      }
    {
      ScopeGuard s("avgpool");
      x = at::flatten(at::adaptive_avg_pool2d(x, {1, 1}), 1);
    }
    return Tensors{linear(p, "fc", x)};
  };
  return m;
}

/// A GPT-2-style decoder (nanoGPT's layout): token and position embeddings, 4 pre-LN blocks with causal
/// self-attention (masked_fill with a causal-mask buffer, softmax) and a GELU MLP, final LayerNorm, and an LM head
/// tied to the token embedding. d_model 256, 4 heads, sequence 128, vocabulary 512, batch 2. Positions are the
/// first T rows of the position table (a slice; nanoGPT indexes it with arange(T), the same values and gradient).
Model gpt(uint64_t seed, const ModelOptions& o) {
  const int64_t d = o.at("width"), heads = o.at("heads"), layers = o.at("layers"), T = o.at("seq"),
                vocab = o.at("vocab"), batch = o.at("batch");
  if (d % heads != 0)
    fail("inputs", "gpt", "width " + std::to_string(d) + " is not a multiple of heads " + std::to_string(heads),
         "pick a width that heads divides, e.g. --width " + std::to_string(heads * 64));
  at::manual_seed(static_cast<int64_t>(seed));
  Params ps;
  ps.embedding("wte", vocab, d);
  ps.embedding("wpe", T, d);
  for (int64_t l = 0; l < layers; ++l) {
    const std::string n = "h." + std::to_string(l);
    ps.layerNorm(n + ".ln_1", d);
    ps.linear(n + ".attn.c_attn", d, 3 * d);
    ps.linear(n + ".attn.c_proj", d, d);
    ps.layerNorm(n + ".ln_2", d);
    ps.linear(n + ".mlp.c_fc", d, 4 * d);
    ps.linear(n + ".mlp.c_proj", 4 * d, d);
  }
  ps.layerNorm("ln_f", d);
  ps.buffer("causal_mask", at::triu(at::ones({T, T}, at::kBool), 1));
  at::manual_seed(static_cast<int64_t>(seed) + 1);
  auto inputs = ps.finish({userInput("idx", at::randint(vocab, {batch, T}, at::kLong))});
  auto idx = ps.index(inputs);
  Model m{"", "", inputs, nullptr};
  m.fn = [idx, heads, layers](const Tensors& in) {
    Bound p{in, idx};
    const at::Tensor& tokens = p["idx"];
    const int64_t B = tokens.size(0), Tn = tokens.size(1);
    at::Tensor x;
    {
      ScopeGuard s("wte");
      x = at::embedding(p["wte.weight"], tokens);
    }
    {
      ScopeGuard s("wpe");
      x = at::add(x, p["wpe.weight"].slice(0, 0, Tn));
    }
    for (int64_t l = 0; l < layers; ++l) {
      const std::string n = "h." + std::to_string(l);
      ModuleScope block(n);
      at::Tensor h = layerNorm(p, n + ".ln_1", x);
      at::Tensor y;
      {
        ModuleScope s(n + ".attn");
        const int64_t C = h.size(2), H = heads, D = C / H;
        auto qkv = linear(p, n + ".attn.c_attn", h).split(C, 2);
        at::Tensor q = qkv[0].view({B, Tn, H, D}).transpose(1, 2);
        at::Tensor k = qkv[1].view({B, Tn, H, D}).transpose(1, 2);
        at::Tensor v = qkv[2].view({B, Tn, H, D}).transpose(1, 2);
        at::Tensor att = at::mul(at::matmul(q, k.transpose(-2, -1)), wrappedNumber(1.0 / std::sqrt(static_cast<double>(D))));
        att = at::masked_fill(att, p["causal_mask"].slice(0, 0, Tn).slice(1, 0, Tn), -INFINITY);
        att = at::softmax(att, -1);
        y = at::matmul(att, v).transpose(1, 2).contiguous().view({B, Tn, C});
        y = linear(p, n + ".attn.c_proj", y);
      }
      x = at::add(x, y);
      at::Tensor f = linear(p, n + ".mlp.c_fc", layerNorm(p, n + ".ln_2", x));
      {
        ModuleScope s(n + ".mlp.act");
        f = at::gelu(f);
      }
      x = at::add(x, linear(p, n + ".mlp.c_proj", f));
    }
    x = layerNorm(p, "ln_f", x);
    ScopeGuard s("lm_head");
    return Tensors{at::linear(x, p["wte.weight"])};
  };
  return m;
}

struct Entry {
  ModelInfo info;
  Model (*build)(uint64_t);
  Model (*sized)(uint64_t, const ModelOptions&) = nullptr;  // instead of build, for a model with size options
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
      {{"gpt",
        "GPT-2-style decoder: token+position embeddings, 4 pre-LN blocks (causal self-attention, 4 heads; GELU "
        "MLP 4x), final LN, LM head tied to the embedding; d_model=256 seq=128 vocab=512 batch=2 (sizes: --layers "
        "--width --heads --seq --vocab --batch)",
        {{"layers", 4}, {"width", 256}, {"heads", 4}, {"seq", 128}, {"vocab", 512}, {"batch", 2}}},
       nullptr,
       gpt},
      {{"resnet18", "torchvision resnet18 (BasicBlock x [2,2,2,2], BatchNorm in train mode), input 2x3x64x64"},
       resnet18},
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

Model buildModel(const std::string& name, uint64_t seed, const ModelOptions& options) {
  for (const auto& e : registry()) {
    if (e.info.name != name) continue;
    ModelOptions sized = e.info.options;
    std::string valid;
    for (const auto& [k, v] : sized) valid += (valid.empty() ? "" : ", ") + k + " (default " + std::to_string(v) + ")";
    for (const auto& [k, v] : options) {
      if (!sized.count(k))
        fail("inputs", name, valid.empty() ? "this model takes no size options ('" + k + "' given)" : "no size option '" + k + "'",
             valid.empty() ? "drop the size flags, or use gpt (aotviz models)" : "its size options are: " + valid);
      if (v < 1) fail("inputs", name, "size option " + k + " must be at least 1, got " + std::to_string(v), "");
      sized[k] = v;
    }
    Model m = e.sized ? e.sized(seed, sized) : e.build(seed);
    m.name = e.info.name;
    m.description = e.info.description;
    std::string given;
    for (const auto& [k, v] : options) given += (given.empty() ? "" : ", ") + k + "=" + std::to_string(v);
    if (!given.empty()) m.notes.push_back("sized with " + given);
    return m;
  }
  std::string names;
  for (const auto& info : modelList()) names += (names.empty() ? "" : ", ") + info.name;
  fail("inputs", "", "unknown model '" + name + "'", "built-in models are: " + names + "; or pass a .pt file");
}

}  // namespace aotviz::models
