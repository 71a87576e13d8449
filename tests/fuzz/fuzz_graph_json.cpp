// tests/fuzz/fuzz_graph_json.cpp — libFuzzer target: the graph JSON loader, the IR verifier and the printer (what
// every view of a loaded graph relies on) on arbitrary bytes.
// Anything but a clean AotError (a crash, an assertion, another exception, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/ir/printer.h"
#include "core/ir/serialize.h"
#include "core/ir/verify.h"
#include "core/util/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    aotviz::ir::Graph g = aotviz::ir::graphFromJsonString(std::string(reinterpret_cast<const char*>(data), size));
    (void)aotviz::ir::verify(g);
    (void)aotviz::ir::printGraph(g);
  } catch (const aotviz::AotError&) {
  }
  return 0;
}
