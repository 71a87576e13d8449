// core/capture/trace_accelerator.cpp — see Note [Trace device as the accelerator].
#include "core/capture/trace_accelerator.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/PrivateUse1HooksInterface.h>
#include <c10/core/DeviceType.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include "core/util/build_info.h"

namespace aotviz::capture {

namespace {

/// What the engine and the accelerator API ask of the accelerator's hooks: the trace device is always there and
/// "has a context" (so the engine stashes its one stream before a backward and compares it after). It has no memory
/// of its own and no generator of its own; everything else keeps PrivateUse1HooksInterface's "not implemented" answers.
struct TraceDeviceHooks final : at::PrivateUse1HooksInterface {
  bool isBuilt() const override { return true; }
  bool isAvailable() const override { return true; }
  bool hasPrimaryContext(c10::DeviceIndex) const override { return true; }
  c10::DeviceIndex deviceCount() const override { return 1; }
  at::Device getDeviceFromPtr(void*) const override { return at::Device(c10::DeviceType::PrivateUse1, 0); }
  /// Seeding "every accelerator" (torch::manual_seed) reaches here; the trace device's random ops run on the
  /// inner device (meta or CPU), so its generator is the CPU one.
  const at::Generator& getDefaultGenerator(c10::DeviceIndex) const override {
    return at::detail::getDefaultCPUGenerator();
  }
};

/// The no-op guard with no-op events and one stream on privateuseone:0, the trace tensors' device (see the Note).
/// NoOpDeviceGuardImpl's streams are on device index -1, which the engine uses as an index into its per-device
/// stream table after the backward (GraphTask::exec_post_processing).
struct TraceDeviceGuard final : c10::impl::NoOpDeviceGuardImpl<c10::DeviceType::PrivateUse1> {
  static c10::Device device() { return c10::Device(c10::DeviceType::PrivateUse1, 0); }
  static c10::Stream stream() { return c10::Stream(c10::Stream::DEFAULT, device()); }
  c10::Device exchangeDevice(c10::Device) const override { return device(); }
  c10::Device getDevice() const override { return device(); }
  c10::Stream getStream(c10::Device) const noexcept override { return stream(); }
  c10::Stream getNewStream(c10::Device, int) const override { return stream(); }
  c10::Stream exchangeStream(c10::Stream) const noexcept override { return stream(); }
  void record(void**, const c10::Stream&, const c10::DeviceIndex, const c10::EventFlag) const override {}
  void block(void*, const c10::Stream&) const override {}
  bool queryEvent(void*) const override { return true; }
  void synchronizeEvent(void*) const override {}
  void recordDataPtrOnStream(const c10::DataPtr&, const c10::Stream&) const override {}
};

}  // namespace

void registerTraceDevice() {
  static c10::impl::DeviceGuardImplRegistrar guard(c10::DeviceType::PrivateUse1, new TraceDeviceGuard());
  if (visibleCudaDevices() > 0 || c10::is_privateuse1_backend_registered()) return;
  c10::register_privateuse1_backend("privateuseone");
  static TraceDeviceHooks hooks;
  at::RegisterPrivateUse1HooksInterface(&hooks);
}

}  // namespace aotviz::capture
