// core/execution/execution.cpp — the execution stage.
#include "core/execution/execution.h"

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <unordered_map>
#include <chrono>
#include <mutex>

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
};

StepResult step(const models::Model& m, const StepFn& f, c10::Device device) {
  StepResult r;
  std::vector<at::Tensor> leaves;
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
    at::Tensor leaf = d.example.detach().clone().to(device);
    if (d.requires_grad) leaf.requires_grad_(true);
    leaves.push_back(leaf);
    r.inputs.push_back(d.requires_grad && !d.is_leaf ? leaf.clone() : leaf);
  }
  {
    c10::AutoGradMode g(m.grad_enabled);
    r.outputs = f(r.inputs);
  }
  std::vector<at::Tensor> diff, tangents, wrt;
  at::manual_seed(5);
  for (const at::Tensor& o : r.outputs)
    if (o.defined() && o.requires_grad()) {
      diff.push_back(o);
      tangents.push_back(at::randn(o.sizes(), o.options().requires_grad(false)));
    }
  for (const at::Tensor& l : leaves)
    if (l.requires_grad()) wrt.push_back(l);
  if (!diff.empty() && !wrt.empty()) r.grads = torch::autograd::grad(diff, wrt, tangents, false, false, true);
  return r;
}

double maxAbsDiff(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b, const std::string& what) {
  if (a.size() != b.size())
    fail(kStage, "", "eager and compiled give " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + " " +
                         what, "this is an aotviz bug; please report it with the model");
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].defined() != b[i].defined())
      fail(kStage, "", what + " " + std::to_string(i) + " is defined on one side only", "this is an aotviz bug");
    if (!a[i].defined() || a[i].numel() == 0) continue;
    if (a[i].sizes() != b[i].sizes())
      fail(kStage, "", what + " " + std::to_string(i) + " has different shapes", "this is an aotviz bug");
    m = std::max(m, (a[i].detach().to(at::kDouble) - b[i].detach().to(at::kDouble)).abs().max().item<double>());
  }
  return m;
}

Side measure(const models::Model& m, const StepFn& f, const Options& opts) {
  const CountingAllocator& alloc = countingAllocator();
  Side s;
  {
    const int64_t base = alloc.resetPeak();
    step(m, f, opts.device);  // warm-up, and the memory measurement
    s.peak_bytes = alloc.peak() - base;
  }
  std::vector<double> ms;
  for (int i = 0; i < opts.iters; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    step(m, f, opts.device);
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
  StepResult e = step(m, eager, opts.device), c = step(m, comp, opts.device);
  r.max_abs_diff_outputs = maxAbsDiff(e.outputs, c.outputs, "outputs");
  r.max_abs_diff_grads = maxAbsDiff(e.grads, c.grads, "gradients");
  r.max_abs_diff_inputs = maxAbsDiff(e.inputs, c.inputs, "inputs after the call");
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
  (void)step(m, [&](const std::vector<at::Tensor>& a) { return profiled(a); }, device);
  return profiled.takeProfiles();
}

nlohmann::json reportToJson(const Report& r) {
  auto side = [](const Side& s) {
    return nlohmann::json{{"median_step_ms", s.median_step_ms}, {"min_step_ms", s.min_step_ms},
                          {"peak_bytes", s.peak_bytes}};
  };
  return {{"model", r.model},
          {"training", r.training},
          {"iters", r.iters},
          {"eager", side(r.eager)},
          {"compiled", side(r.compiled)},
          {"ratio", r.ratio},
          {"max_abs_diff", {{"outputs", r.max_abs_diff_outputs}, {"gradients", r.max_abs_diff_grads},
                            {"inputs", r.max_abs_diff_inputs}}}};
}

}  // namespace aotviz::execution
