// core/execution/execution.cpp — the execution stage.
#include "core/execution/execution.h"

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <unordered_map>
#include <chrono>
#include <functional>
#include <limits>
#include <mutex>
#include <sstream>

#include "core/util/diagnostic.h"

namespace aotviz::execution {

namespace {

constexpr const char* kStage = "execution";

/// Counts the bytes the CPU allocator hands out (installed once, in front of LibTorch's; never removed, since
/// tensors it allocated may outlive any scope). The DataPtr's context is its data pointer, as raw_allocate()
/// requires; the inner allocation is kept in a table keyed by it.
class CountingAllocator final : public c10::Allocator {
 public:
  explicit CountingAllocator(c10::Allocator* base) : base_(base) {}
  c10::DataPtr allocate(size_t n) override {
    c10::DataPtr inner = base_->allocate(n);
    void* data = inner.get();
    c10::Device device = inner.device();
    if (!data) return inner;
    {
      std::lock_guard<std::mutex> lock(mu_);
      live_ += static_cast<int64_t>(n);
      peak_ = std::max(peak_, live_);
      table_.emplace(data, Entry{std::move(inner), static_cast<int64_t>(n)});
    }
    return {data, data, &release, device};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
  /// Starts a new peak measurement; returns the live bytes now.
  int64_t resetPeak() const {
    std::lock_guard<std::mutex> lock(mu_);
    peak_ = live_;
    return live_;
  }
  int64_t peak() const {
    std::lock_guard<std::mutex> lock(mu_);
    return peak_;
  }

 private:
  struct Entry {
    c10::DataPtr inner;
    int64_t n;
  };
  static void release(void* p);
  c10::Allocator* base_;
  mutable std::mutex mu_;
  mutable std::unordered_map<void*, Entry> table_;
  mutable int64_t live_ = 0, peak_ = 0;
  friend const CountingAllocator& countingAllocator();
};

CountingAllocator* g_counting = nullptr;

void CountingAllocator::release(void* p) {
  Entry e;
  {
    std::lock_guard<std::mutex> lock(g_counting->mu_);
    auto it = g_counting->table_.find(p);
    if (it == g_counting->table_.end()) return;
    e = std::move(it->second);
    g_counting->table_.erase(it);
    g_counting->live_ -= e.n;
  }
  // e.inner frees the memory here, outside the lock.
}

const CountingAllocator& countingAllocator() {
  static CountingAllocator* a = [] {
    g_counting = new CountingAllocator(c10::GetCPUAllocator());
    c10::SetCPUAllocator(g_counting, /*priority=*/100);
    return g_counting;
  }();
  return *a;
}

using StepFn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;

struct StepResult {
  std::vector<at::Tensor> inputs, outputs, grads;
  std::vector<std::string> grad_names;  // the input each gradient is for
};

StepResult step(const models::Model& m, const StepFn& f, const Options& opts) {
  StepResult r;
  std::vector<at::Tensor> leaves;
  std::vector<std::string> leaf_names;
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    const capture::InputDesc& d = m.inputs[i];
    // Inputs that share memory share it in the fresh copies too: duplicates are the same tensor, and an input that
    // views an earlier one's memory is the same view of that input's copy (dedupe and synthetic bases depend on it).
    size_t anchor = i;
    for (size_t j = 0; j < i && anchor == i; ++j)
      if (m.inputs[j].example.is_alias_of(d.example)) anchor = j;
    if (anchor != i) {
      const at::Tensor& a = m.inputs[anchor].example;
      if (a.unsafeGetTensorImpl() == d.example.unsafeGetTensorImpl()) {
        r.inputs.push_back(r.inputs[anchor]);
        continue;
      }
      if (!a.is_contiguous() || a.storage_offset() != 0 ||
          a.storage().nbytes() != static_cast<size_t>(a.numel()) * a.element_size())
        fail(kStage, d.name, "inputs '" + m.inputs[anchor].name + "' and '" + d.name +
                                 "' share memory in a layout the eager run cannot reproduce",
             "make the first of them a whole, contiguous tensor and the other a view of it");
      r.inputs.push_back(r.inputs[anchor].as_strided(d.example.sizes(), d.example.strides(), d.example.storage_offset()));
      continue;
    }
    at::Tensor leaf = d.example.detach().clone().to(opts.device);
    if (d.requires_grad) leaf.requires_grad_(true);
    leaves.push_back(leaf);
    leaf_names.push_back(d.name);
    r.inputs.push_back(d.requires_grad && !d.is_leaf ? leaf.clone() : leaf);
  }
  {
    c10::AutoGradMode g(m.grad_enabled);
    at::manual_seed(opts.rng_seed);  // Note [One RNG state for both sides]
    r.outputs = f(r.inputs);
  }
  std::vector<at::Tensor> diff, tangents, wrt;
  at::manual_seed(5);
  for (const at::Tensor& o : r.outputs)
    if (o.defined() && o.requires_grad()) {
      diff.push_back(o);
      tangents.push_back(at::randn(o.sizes(), o.options().requires_grad(false)));
    }
  for (size_t i = 0; i < leaves.size(); ++i)
    if (leaves[i].requires_grad()) {
      wrt.push_back(leaves[i]);
      r.grad_names.push_back(leaf_names[i]);
    }
  if (!diff.empty() && !wrt.empty()) r.grads = torch::autograd::grad(diff, wrt, tangents, false, false, true);
  return r;
}

// Note [One RNG state for both sides]: eager and compiled each start the forward from at::manual_seed(rng_seed)
// (every device's generator). The compiled forward runs the traced ops in the order eager ran them, so each random
// op (dropout's bernoulli_, stochastic depth, rand_like) draws the same numbers on both sides and the comparison
// is exact up to rounding. Without it a model with dropout differs by the masks alone, which says nothing.

TensorCheck compareTensor(const at::Tensor& e, const at::Tensor& c, const Options& opts, bool undefined_is_zero) {
  TensorCheck t;
  // An undefined gradient means zero to autograd. Eager leaves it undefined when no output depends on the input;
  // PyTorch's CompiledFunction, one node for all outputs, fills zeros in (test_input_output_view_mutate_multiple).
  if (undefined_is_zero && e.defined() != c.defined() && (e.defined() ? e : c).count_nonzero().item<int64_t>() == 0)
    return t;
  if (e.defined() != c.defined()) {
    t.ok = false;
    t.problem = std::string("defined on the ") + (e.defined() ? "eager" : "compiled") + " side only";
    return t;
  }
  if (!e.defined() || e.numel() == 0) return t;
  if (e.sizes() != c.sizes() || e.scalar_type() != c.scalar_type()) {
    t.ok = false;
    std::ostringstream os;
    os << "eager gives " << e.scalar_type() << e.sizes() << ", compiled " << c.scalar_type() << c.sizes();
    t.problem = os.str();
    return t;
  }
  const Tolerance d = defaultTolerance(e.scalar_type());
  t.tolerance = {opts.rtol >= 0 ? opts.rtol : d.rtol, opts.atol >= 0 ? opts.atol : d.atol};
  at::Tensor ed = e.detach().to(at::kCPU, at::kDouble), cd = c.detach().to(at::kCPU, at::kDouble);
  at::Tensor err = (ed - cd).abs();
  // NaN in the same places on both sides is equal (as torch.testing's equal_nan); anywhere else it fails.
  at::Tensor both_nan = ed.isnan().logical_and(cd.isnan());
  err = err.masked_fill(both_nan, 0).nan_to_num(std::numeric_limits<double>::infinity());
  t.max_abs_diff = err.max().item<double>();
  at::Tensor bound = ed.abs().nan_to_num(0) * t.tolerance.rtol + t.tolerance.atol;
  t.tolerance_ratio = bound.min().item<double>() > 0 ? (err / bound).max().item<double>()
                                                      : (t.max_abs_diff > 0 ? std::numeric_limits<double>::infinity() : 0);
  t.ok = t.tolerance_ratio <= 1;
  return t;
}

/// Compares one kind of tensors, appends their checks to `r` and returns the largest max |diff|.
double compareAll(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b, const std::string& kind,
                  const std::function<std::string(size_t)>& name, const Options& opts, Report& r) {
  if (a.size() != b.size())
    fail(kStage, "", "eager and compiled give " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + " " +
                         kind + "s", "this is an aotviz bug; please report it with the model");
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    TensorCheck t = compareTensor(a[i], b[i], opts, /*undefined_is_zero=*/kind == "gradient");
    t.kind = kind;
    t.index = i;
    t.name = name(i);
    m = std::max(m, t.max_abs_diff);
    r.checks.push_back(std::move(t));
  }
  return m;
}

Side measure(const models::Model& m, const StepFn& f, const Options& opts) {
  const CountingAllocator& alloc = countingAllocator();
  Side s;
  {
    const int64_t base = alloc.resetPeak();
    step(m, f, opts);  // warm-up, and the memory measurement
    s.peak_bytes = alloc.peak() - base;
  }
  std::vector<double> ms;
  for (int i = 0; i < opts.iters; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    step(m, f, opts);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  s.median_step_ms = ms[ms.size() / 2];
  s.min_step_ms = ms.front();
  return s;
}

}  // namespace

Report runAndCompare(const models::Model& m, const runtime::CompiledFunction& compiled, const Options& opts) {
  if (opts.iters < 1) fail(kStage, "", "--iters must be at least 1", "pass --iters N with N >= 1");
  Report r;
  r.model = m.name;
  r.training = compiled.isTraining();
  r.iters = opts.iters;
  StepFn eager = m.fn;
  StepFn comp = [&compiled](const std::vector<at::Tensor>& in) { return compiled(in); };
  StepResult e = step(m, eager, opts), c = step(m, comp, opts);
  r.rng = "eager and compiled each start from at::manual_seed(" + std::to_string(opts.rng_seed) +
          "), so random ops draw the same numbers on both sides";
  r.max_abs_diff_outputs = compareAll(e.outputs, c.outputs, "output",
                                      [](size_t i) { return "output " + std::to_string(i); }, opts, r);
  r.max_abs_diff_grads = compareAll(e.grads, c.grads, "gradient",
                                    [&](size_t i) { return "gradient of '" + e.grad_names.at(i) + "'"; }, opts, r);
  r.max_abs_diff_inputs = compareAll(e.inputs, c.inputs, "input", [&](size_t i) {
    return "input '" + m.inputs.at(i).name + "' after the call";
  }, opts, r);
  findWorst(r);
  r.outputs = e.outputs.size();
  r.grads = e.grads.size();
  r.inputs = e.inputs.size();
  r.eager = measure(m, eager, opts);
  r.compiled = measure(m, comp, opts);
  r.ratio = r.compiled.median_step_ms / r.eager.median_step_ms;
  return r;
}

std::vector<exec::Profile> profileStep(const models::Model& m, const runtime::CompiledFunction& profiled,
                                       c10::Device device) {
  (void)profiled.takeProfiles();
  Options o;
  o.device = device;
  (void)step(m, [&](const std::vector<at::Tensor>& a) { return profiled(a); }, o);
  return profiled.takeProfiles();
}

}  // namespace aotviz::execution
