// core/capture/key_set_guard.h — sets the thread's whole dispatch-key TLS for the tracer and restores it after.
#pragma once

#include <c10/core/impl/LocalDispatchKeySet.h>

namespace aotviz::capture {

/// Note [Why not c10's key guards]: below the tracer the call must reach neither autograd, functionalization nor
/// the tracer again, whatever the caller's TLS holds. c10's IncludeDispatchKeyGuard / ExcludeDispatchKeyGuard are
/// deltas: they cannot take a key out of the *included* set, and excluding a per-backend key such as PrivateUse1
/// removes its functionality bit (Dense) for every backend, so CPU and Meta kernels would vanish too. Saving the
/// whole LocalDispatchKeySet, editing it and restoring it is exact. (On LibTorch 1.13 the delta guards also leaked
/// the backend bit; 2.11 restores correctly, but the two reasons above remain.)
class KeySetGuard {
 public:
  KeySetGuard(c10::DispatchKeySet include_add, c10::DispatchKeySet exclude_add,
              c10::DispatchKeySet include_remove = {})
      : saved_(c10::impl::tls_local_dispatch_key_set()) {
    c10::impl::LocalDispatchKeySet s = saved_;
    s.included_ = (s.included_ | include_add) - include_remove;
    s.excluded_ = s.excluded_ | exclude_add;
    c10::impl::_force_tls_local_dispatch_key_set(s);
  }
  ~KeySetGuard() { c10::impl::_force_tls_local_dispatch_key_set(saved_); }
  KeySetGuard(const KeySetGuard&) = delete;
  KeySetGuard& operator=(const KeySetGuard&) = delete;

 private:
  c10::impl::LocalDispatchKeySet saved_;
};

}  // namespace aotviz::capture
