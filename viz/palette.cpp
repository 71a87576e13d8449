// viz/palette.cpp — the colour table (no UI library: used by exports and the headless CLI too).
#include "viz/palette.h"

namespace aotviz::viz {

namespace {
struct Entry {
  NodeCategory c;
  const char* name;
  const char* hex;
  uint32_t rgba;  // 0xAABBGGRR
};
constexpr Entry kTable[] = {
    {NodeCategory::Input, "input", "#8c96a8", 0xFFA8968C},
    {NodeCategory::Forward, "forward", "#4f8fdc", 0xFFDC8F4F},
    {NodeCategory::Backward, "backward", "#d9823b", 0xFF3B82D9},
    {NodeCategory::Saved, "saved for backward", "#d8c341", 0xFF41C3D8},
    {NodeCategory::Recomputed, "recomputed in backward", "#a56fd6", 0xFFD66FA5},
    {NodeCategory::MutatedInput, "mutated input", "#e0524c", 0xFF4C52E0},
    {NodeCategory::AliasedOutput, "output aliasing an input", "#3fb98a", 0xFF8AB93F},
    {NodeCategory::Output, "output", "#c8ccd4", 0xFFD4CCC8},
};
const Entry& entry(NodeCategory c) {
  for (const Entry& e : kTable)
    if (e.c == c) return e;
  return kTable[0];
}
}  // namespace

uint32_t categoryColour(NodeCategory c) { return entry(c).rgba; }
const char* categoryHex(NodeCategory c) { return entry(c).hex; }
const char* categoryName(NodeCategory c) { return entry(c).name; }

}  // namespace aotviz::viz
