// tests/fuzz/fuzz_session_json.cpp — libFuzzer target: the session loader (config, snapshots, their graphs and
// partitions) on arbitrary bytes. Anything but a clean AotError is a bug.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/pipeline/snapshot.h"
#include "core/util/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;  // not JSON: loadSession reports that before this function (tested elsewhere)
  try {
    (void)aotviz::pipeline::sessionFromJson(j);
  } catch (const aotviz::AotError&) {
  }
  return 0;
}
