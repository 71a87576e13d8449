// tests/bench/bench_stages.cpp — where the warm pipeline's time goes: per model, the median of each stage's own
// time from metadata to partition over repeated in-process runs after a warm-up (cache off, fake tensors), the
// same span `aotviz bench` times as "aotviz warm". Prints a table; not a test: run it by hand (README, Performance).
// Arguments: [reps] [models, comma-separated; default the bench's eight] [rerun: one pipeline per model, its stages
// from metadata on run again with restart() — the model is built once, so a profile sees only the stages].
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/pipeline/pipeline.h"

using namespace aotviz;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 9;
  std::stringstream names(argc > 2 ? argv[2] : "mlp,mlp_gelu_ln,cnn,attn_block,mutation_fn,deep_mlp,gpt,resnet18");
  const bool rerun = argc > 3 && std::string(argv[3]) == "rerun";
  const size_t first = pipeline::index(pipeline::StageId::Metadata), last = pipeline::index(pipeline::StageId::Partition);
  std::printf("warm stage times, ms, median of %d runs after a warm-up\n\n| model | total |", reps);
  for (size_t i = first; i <= last; ++i) std::printf(" %s |", pipeline::stageName(pipeline::kStages[i].id));
  std::printf("\n|---|---|");
  for (size_t i = first; i <= last; ++i) std::printf("---|");
  std::printf("\n");
  for (std::string name; std::getline(names, name, ',');) {
    std::vector<std::vector<double>> ms(last + 1);
    std::vector<double> total;
    pipeline::Config c;
    c.model = name;
    c.use_cache = false;
    pipeline::Pipeline p(c);
    for (int r = 0; r <= reps; ++r) {
      if (!rerun) p.restart(c, 0);
      else if (r > 0) p.restart(c, first);
      while (p.next() <= last) p.runNext();
      if (r == 0) continue;  // the warm-up
      double t = 0;
      for (size_t i = first; i <= last; ++i) {
        ms[i].push_back(p.snapshots()[i]->seconds * 1e3);
        t += ms[i].back();
      }
      total.push_back(t);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("| %s | %.3f |", name.c_str(), median(total));
    for (size_t i = first; i <= last; ++i) std::printf(" %.3f |", median(ms[i]));
    std::printf("\n");
  }
}
