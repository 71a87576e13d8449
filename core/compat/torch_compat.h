// core/compat/torch_compat.h — the one place where LibTorch 1.13 and 2.x differ for aotviz.
// See ../shared/reference/libtorch_capture.md §7 for the measured differences this header gates.
#pragma once

#include <c10/core/impl/LocalDispatchKeySet.h>
#include <c10/util/Optional.h>
#include <torch/csrc/api/include/torch/version.h>

#include <optional>

#define AOTVIZ_TORCH_AT_LEAST(maj, min) \
  (TORCH_VERSION_MAJOR > (maj) || (TORCH_VERSION_MAJOR == (maj) && TORCH_VERSION_MINOR >= (min)))

namespace aotviz::compat {

/// LibTorch's optional: its own class in 1.13 (std::optional does not convert), an alias of std::optional in 2.x.
template <class T>
using optional = c10::optional<T>;

inline constexpr int kTorchMajor = TORCH_VERSION_MAJOR;
inline constexpr int kTorchMinor = TORCH_VERSION_MINOR;

/// "1.13" / "2.5": the LibTorch this binary was compiled against.
inline const char* torchVersionString() { return TORCH_VERSION; }

/// Sets the thread's whole dispatch-key TLS and restores it on destruction.
/// Note [ForceDispatchKeyGuard only]: in 1.13, IncludeDispatchKeyGuard with a per-backend key (PrivateUse1)
/// leaks the backend bit on destruction, after which every op dispatches to PrivateUse1 forever. Saving and
/// restoring the whole set is correct on every version, so aotviz never uses the delta-based guards for
/// backend keys.
class TlsKeySetGuard {
 public:
  TlsKeySetGuard(c10::DispatchKeySet include_add, c10::DispatchKeySet exclude_add,
                 c10::DispatchKeySet include_remove = {})
      : saved_(c10::impl::tls_local_dispatch_key_set()) {
    c10::impl::LocalDispatchKeySet s = saved_;
    s.included_ = (s.included_ | include_add) - include_remove;
    s.excluded_ = s.excluded_ | exclude_add;
    c10::impl::_force_tls_local_dispatch_key_set(s);
  }
  ~TlsKeySetGuard() { c10::impl::_force_tls_local_dispatch_key_set(saved_); }
  TlsKeySetGuard(const TlsKeySetGuard&) = delete;
  TlsKeySetGuard& operator=(const TlsKeySetGuard&) = delete;

 private:
  c10::impl::LocalDispatchKeySet saved_;
};

/// 1.13's autograd engine does not carry the functionalization reapply-views flag to its worker threads, so
/// backward formulas would record `*_copy` view ops. A hook on each differentiable output sets the flag on the
/// worker before any backward node runs (the worker is persistent). 2.x propagates the flag itself.
inline constexpr bool kNeedsReapplyViewsHook = !AOTVIZ_TORCH_AT_LEAST(2, 0);

/// 1.13's `aten::copy` is CompositeImplicit and returns an unmaterialized expand of `src`; executing it as
/// `empty_strided(self) + copy_(src)` is required on 1.13 (capture and interpreter). 2.x has a real op.
inline constexpr bool kCopyNeedsMaterialize = !AOTVIZ_TORCH_AT_LEAST(2, 0);

/// 2.1+'s FunctionalTensorWrapper answers mutation queries itself (has_data_mutation,
/// are_all_mutations_under_no_grad_or_inference_mode, ...); 1.13 has none, and the metadata stage derives them
/// (Note [Mutation queries on 1.13]). A macro, because the code that calls them must not compile on 1.13.
#define AOTVIZ_HAS_FUNCTIONAL_MUTATION_QUERIES AOTVIZ_TORCH_AT_LEAST(2, 1)

}  // namespace aotviz::compat
