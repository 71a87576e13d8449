// tests/fuzz/fuzz_pt2.cpp — libFuzzer target: reading a torch.export archive (the zip and its CRC-32s, the archive
// records, models/model.json through the generated serialization types, the weight configs and payloads, the
// sample inputs' pickle, the graph signature, every node's operator resolved through the dispatcher) on arbitrary
// bytes. Anything but a clean AotError (a crash, an assertion, another exception, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/models/export_archive.h"
#include "core/util/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    aotviz::models::pt2::readArchive(std::string(reinterpret_cast<const char*>(data), size), "fuzz.pt2", nullptr, 0);
  } catch (const aotviz::AotError&) {
  }
  return 0;
}
