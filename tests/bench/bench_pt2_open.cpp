// tests/bench/bench_pt2_open.cpp — opening a torch.export archive up to the inputs stage: aotviz's loader
// (zip CRC check, model.json, weights, sample inputs, every node resolved) against PyTorch 2.11's torch.export.load
// on the same ~100 MB archive, in the same run. Writes the archive with scripts/export_pt2.py when it is missing.
// Prints medians with min–max. Not a test: run it by hand, `build/tests/bench/bench_pt2_open [reps]`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/models/exported_program.h"
#include "core/util/run_command.h"
#include "tests/bench/bench_stats.h"

using namespace aotviz;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::string path = (std::filesystem::temp_directory_path() / "aotviz_bench_big.pt2").string();
  if (!std::filesystem::exists(path)) {
    const std::string cmd = AOTVIZ_PYTHON " " AOTVIZ_SOURCE_DIR "/scripts/export_pt2.py " AOTVIZ_SOURCE_DIR
                            "/tests/bench/big_pt2.py:big_mlp --input 8,2048 -o " + path + " 2>&1";
    const util::CommandResult r = util::runCommand(cmd);
    if (r.exit_code != 0) {
      std::fprintf(stderr, "bench_pt2_open: writing the archive failed:\n%s\n", r.out.c_str());
      return 1;
    }
  }
  const double mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;

  std::vector<double> ours;
  size_t inputs = 0;
  for (int i = 0; i < reps + 1; ++i) {  // the first is the process's cold open
    const auto t0 = std::chrono::steady_clock::now();
    models::Model m = models::loadExportedProgram(path);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    inputs = m.inputs.size();
    if (i == 0) std::printf("aotviz cold open: %.1f ms\n", ms);
    else ours.push_back(ms);
  }
  const std::string py = AOTVIZ_PYTHON " -c \"import sys, time, warnings; warnings.simplefilter('ignore'); import torch\n"
                         "for _ in range(" + std::to_string(reps) + "):\n"
                         "    t = time.perf_counter(); torch.export.load(sys.argv[1]); print((time.perf_counter() - t) * 1e3)\" " +
                         path + " 2>/dev/null";
  const util::CommandResult r = util::runCommand(py);
  std::vector<double> theirs;
  size_t pos = 0;
  while (pos < r.out.size()) {
    const size_t end = r.out.find('\n', pos);
    const std::string line = r.out.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!line.empty()) theirs.push_back(std::stod(line));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  const bench::Stat a = bench::stat(ours);
  std::printf("\n| archive | aotviz open, ms (min-max) | torch.export.load, ms (min-max) | ratio |\n|---|---|---|---|\n");
  if (theirs.empty()) {
    std::printf("| %.1f MB, %zu inputs | %.1f (%.1f-%.1f) | (python failed: %s) | |\n", mb, inputs, a.median, a.min, a.max,
                r.out.c_str());
    return 1;
  }
  const bench::Stat b = bench::stat(theirs);
  std::printf("| %.1f MB, %zu inputs | %.1f (%.1f-%.1f) | %.1f (%.1f-%.1f) | %.1fx |\n", mb, inputs, a.median, a.min, a.max,
              b.median, b.min, b.max, b.median / a.median);
  return 0;
}
