// tests/fuzz/fuzz_pt_archive.cpp — libFuzzer target: the TorchScript archive check (zip central directory parsing
// and every record's CRC-32, through LibTorch's archive reader) on arbitrary bytes. Anything but a clean AotError
// (a crash, an assertion, another exception, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/models/pt_archive.h"
#include "core/util/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    aotviz::models::verifyArchive(in, size, "fuzz.pt");
  } catch (const aotviz::AotError&) {
  }
  return 0;
}
