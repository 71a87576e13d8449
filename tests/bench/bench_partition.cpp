// tests/bench/bench_partition.cpp — partition time: aotviz's partitioners vs PyTorch 2.11's Python partitioners
// (default_partition / min_cut_rematerialization_partition, timed by tests/fidelity/torch211_aot.py --time in the
// same run) on the built-in models, both with today's rules (the fidelity test checks they decide alike). Prints
// medians and the ratio; run by hand (README, Performance).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/models/zoo.h"
#include "core/partition/partition.h"
#include "core/util/run_command.h"

using namespace aotviz;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
  const char* kModels = "mlp,mlp_gelu_ln,cnn,attn_block,mutation_fn,deep_mlp,gpt,resnet18";
  std::string cmd = "OMP_NUM_THREADS=1 " AOTVIZ_PYTHON " " AOTVIZ_SOURCE_DIR "/tests/fidelity/torch211_aot.py --time " +
                    std::to_string(reps) + " --models " + kModels + " 2>/dev/null";
  std::fprintf(stderr, "running PyTorch 2.11's partitioners (%d timed calls each)...\n", reps);
  const util::CommandResult run = util::runCommand(cmd);
  if (run.exit_code != 0) {
    std::fprintf(stderr, "cannot run %s (the project venv's python with PyTorch 2.11; scripts/run-tests.sh makes it)\n",
                 cmd.c_str());
    return 1;
  }
  nlohmann::json py = nlohmann::json::parse(run.out);
  std::printf("| model | partitioner | joint ops | aotviz ms median (min-max) | PyTorch 2.11 ms median | speed-up |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const char* model : {"mlp", "mlp_gelu_ln", "cnn", "attn_block", "mutation_fn", "deep_mlp", "gpt", "resnet18"}) {
    models::Model m = models::buildModel(model, 0);
    auto cap = capture::captureGraph(m.fn, m.inputs);
    std::vector<size_t> params = models::parameterIndices(m);
    for (const char* part : {"default", "mincut"}) {
      partition::Options o;
      o.partitioner = partition::parsePartitioner(part);
      o.rules = partition::Rules::Current;
      for (int i = 0; i < 3; ++i) partition::partitionJoint(cap.graph, cap.numForwardOutputs(), params, o);
      std::vector<double> ms;
      for (int i = 0; i < reps; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        partition::partitionJoint(cap.graph, cap.numForwardOutputs(), params, o);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      double ours = ms[ms.size() / 2];
      double theirs = py["models"][model]["partitions"][part]["partition_ms"]["median"].get<double>();
      std::printf("| %s | %s | %zu | %.3f (%.3f-%.3f) | %.2f | %.0fx |\n", model, part, cap.graph.numCalls(), ours,
                  ms.front(), ms.back(), theirs, theirs / ours);
    }
  }
  return 0;
}
