// tests/fuzz/fuzz_input_spec.cpp — libFuzzer target: the input-spec parser, and making the example tensors of specs
// small enough to allocate. Anything but a clean AotError is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/models/input_spec.h"
#include "core/util/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto spec = aotviz::models::parseInputSpec(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    int64_t total = 0;
    for (const auto& e : spec.inputs) {
      int64_t n = 1;
      for (int64_t d : e.shape) n *= d;  // the parser bounds each input's elements
      total += n;
    }
    if (total <= (int64_t(1) << 16)) (void)aotviz::models::makeInputs(spec, spec.seed);
  } catch (const aotviz::AotError&) {
  }
  return 0;
}
