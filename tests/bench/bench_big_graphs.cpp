// tests/bench/bench_big_graphs.cpp — the partition-side interactions on real-size joint graphs (gpt sized by its
// options to about 10k nodes): the partition stage itself, a what-if edit as the app applies it (a restart of the
// pipeline from the cache stage with a must-recompute override, then the cache and partition stages again), and a
// 20-run Pareto sweep of the memory budget. Prints medians with min–max. Not a test:
// `build/tests/bench/bench_big_graphs [reps] [layers]`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/partition/pareto.h"
#include "core/pipeline/pipeline.h"
#include "tests/bench/bench_gpt.h"
#include "tests/bench/bench_stats.h"

using namespace aotviz;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const int64_t layers = argc > 2 ? std::atoll(argv[2]) : 72;  // 72 blocks at width 64, seq 16: a 10k-node joint
  auto ms = [](auto t0) { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };

  const pipeline::Config c = bench::scaledGpt(layers);
  pipeline::Pipeline p(c);
  bench::runToPartition(p);
  const auto& snaps = p.snapshots();
  const auto joint = snaps[pipeline::index(pipeline::StageId::Passes)]->graph;
  const auto part = snaps[pipeline::index(pipeline::StageId::Partition)]->partition;
  std::printf("| gpt --layers %lld --width 64 --seq 16: joint graph | %zu nodes | %zu ops | partition stage %.0f ms |\n",
              static_cast<long long>(layers), joint->nodes.size(), joint->numCalls(),
              snaps[pipeline::index(pipeline::StageId::Partition)]->seconds * 1000);

  // A what-if edit: must-recompute on a saved activation, as the app's right-click applies it.
  std::string node;
  for (const auto& s : part->saved)
    if (s.kind == "activation") node = s.name;
  std::vector<double> edit;
  for (int r = 0; r < reps; ++r) {
    pipeline::Config w = c;
    if (r % 2 == 0) w.overrides[node] = partition::Override::MustRecompute;
    const auto t0 = std::chrono::steady_clock::now();
    p.restart(w);
    while (!p.finished() && p.next() <= pipeline::index(pipeline::StageId::Partition)) p.runNext();
    edit.push_back(ms(t0));
  }
  const bench::Stat e = bench::stat(edit);
  std::printf("| re-partition after a what-if edit (restart at the cache stage, cache + partition) | %.0f ms (%.0f-%.0f) | goal 200 ms |\n",
              e.median, e.min, e.max);

  std::vector<double> sweep;
  size_t points = 0, runs = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const partition::ParetoSweep s =
        partition::paretoSweep(*joint, part->num_fwd_outputs, part->static_inputs, part->options, 20);
    sweep.push_back(ms(t0));
    points = s.points.size();
    runs = s.partitions;
  }
  const bench::Stat s = bench::stat(sweep);
  std::printf("| Pareto sweep, %zu partitioner runs (%zu distinct points) | %.0f ms (%.0f-%.0f) | goal 2000 ms |\n", runs,
              points, s.median, s.min, s.max);
  return 0;
}
