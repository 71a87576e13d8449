// core/capture/view_regeneration.h — views written in place get their layout back before autograd reads it.
#pragma once

#include <ATen/record_function.h>

namespace aotviz::capture {

/// Note [Regenerating views after an in-place op]: an in-place op on a functional view (`h[:, 0].mul_(3)`) runs as
/// `tmp = mul(view_value, 3); replace_(view, tmp); commit_update(view)`. `tmp` is a fresh contiguous tensor, and
/// 1.13's commit_update marks the view up to date, so the view keeps `tmp`'s strides and offset (stride 1, offset
/// 0 instead of 4 and 2). Autograd then records those in the CopySlices node it puts on the base, and the gradient
/// flowing through the base is read from the wrong elements. The metadata stage would see the same wrong strides
/// as a metadata mutation. 2.x no longer marks the view up to date (the line is commented out in
/// FunctionalTensorWrapper::commit_update), so the kernel's own sync regenerates the view from the updated base.
///
/// This guard does the same where LibTorch does not: after every operator call that writes a functional tensor
/// (RecordFunction end callback, thread-local, inherited by the autograd threads), when the tensor's storage still
/// has pending updates it applies them and regenerates the tensor from its base (recording the scatter and view
/// ops, as 2.x's sync does), and when the call put a new CopySlices on the tensor's autograd base, it corrects the
/// view geometry that node recorded. Where the kernel already synced (2.x) there is nothing pending and the guard
/// does nothing. In-place view ops (`t_`, `unsqueeze_`) are left alone: they regenerate the tensor themselves.
class ViewRegenerationGuard {
 public:
  ViewRegenerationGuard();
  ~ViewRegenerationGuard();
  ViewRegenerationGuard(const ViewRegenerationGuard&) = delete;
  ViewRegenerationGuard& operator=(const ViewRegenerationGuard&) = delete;

 private:
  at::CallbackHandle handle_;
};

}  // namespace aotviz::capture
