// viz/palette.h — colours that encode meaning on every graph view and export (fw / bw / saved / recomputed /
// mutated input / aliased output). No UI library: exports and the headless CLI use it too.
#pragma once

#include <cstdint>

namespace aotviz::viz {

enum class NodeCategory : uint8_t { Input, Forward, Backward, Saved, Recomputed, MutatedInput, AliasedOutput, Output };

/// RGBA packed as 0xAABBGGRR (ImGui's IM_COL32 layout).
uint32_t categoryColour(NodeCategory c);
/// "#rrggbb", for DOT/SVG exports, the same colours as on screen.
const char* categoryHex(NodeCategory c);
const char* categoryName(NodeCategory c);

}  // namespace aotviz::viz
