// core/cache/cache_stats.h — hit, miss, damaged-entry and write counts of the partition cache.
#pragma once

#include <cstddef>

namespace aotviz::cache {

struct Stats {
  size_t hits = 0, misses = 0, corrupt = 0, writes = 0;
};

}  // namespace aotviz::cache
