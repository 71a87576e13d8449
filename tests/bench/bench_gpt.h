// tests/bench/bench_gpt.h — a scaled gpt run through the partition stage, shared by the big-graph benchmarks.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/pipeline/pipeline.h"

namespace aotviz::bench {

/// The config of `gpt --layers N --width 64 --seq 16` with the cache off (72 layers: a 10k-node joint graph).
inline pipeline::Config scaledGpt(int64_t layers) {
  pipeline::Config c;
  c.model = "gpt";
  c.model_options = {{"layers", layers}, {"width", 64}, {"seq", 16}};
  c.use_cache = false;
  return c;
}

/// Runs `p` through the partition stage; exits the benchmark with a message when a stage fails.
inline void runToPartition(pipeline::Pipeline& p) {
  while (!p.finished() && p.next() <= pipeline::index(pipeline::StageId::Partition)) p.runNext();
  if (p.halted()) {
    std::fprintf(stderr, "the pipeline failed at %s\n", pipeline::stageName(p.snapshots().back()->stage));
    std::exit(1);
  }
}

}  // namespace aotviz::bench
