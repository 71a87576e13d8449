// tests/bench/bench_stats.h — median, min and max of repeated measurements, shared by the benchmarks.
#pragma once

#include <algorithm>
#include <vector>

namespace aotviz::bench {

struct Stat {
  double median, min, max;
};

inline Stat stat(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

}  // namespace aotviz::bench
