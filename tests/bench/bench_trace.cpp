// tests/bench/bench_trace.cpp — reading TORCH_TRACE logs: listing the compiles of a ~300 MB trace directory (the
// shipped assets/trace logs concatenated until the file is that big) and reading the largest printed joint graph
// of the assets into aotviz IR. Prints medians with min–max. Not a test: `build/tests/bench/bench_trace [reps]`.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/trace/compiled_graphs.h"
#include "core/trace/fx_graph.h"
#include "tests/bench/bench_stats.h"

using namespace aotviz;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const fs::path assets = fs::path(AOTVIZ_SOURCE_DIR) / "assets" / "trace";
  std::string all;
  for (const auto& d : fs::directory_iterator(assets))
    for (const auto& f : fs::directory_iterator(d.path())) {
      std::ifstream in(f.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      all += ss.str();
    }
  const fs::path dir = fs::temp_directory_path() / "aotviz_bench_trace";
  const fs::path log = dir / "dedicated_log_torch_trace_big.log";
  const uintmax_t target = uintmax_t(300) << 20;
  if (!fs::exists(log) || fs::file_size(log) < target) {
    fs::create_directories(dir);
    std::ofstream out(log, std::ios::binary);
    for (uintmax_t n = 0; n < target; n += all.size()) out << all;
  }
  const double mb = static_cast<double>(fs::file_size(log)) / (1 << 20);
  auto ms = [](auto t0) { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };

  std::vector<double> list;
  size_t graphs = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const trace::TraceIndex t = trace::indexTrace(dir.string());
    list.push_back(ms(t0));
    graphs = t.graphs.size();
  }
  const bench::Stat l = bench::stat(list);
  std::printf("| list the compiles of a %.0f MB trace (%zu compiles) | %.0f ms (%.0f-%.0f) | %.0f MB/s |\n", mb, graphs,
              l.median, l.min, l.max, mb / (l.median / 1000));

  // The largest joint graph of the assets, read 20 times per rep.
  trace::Artifact biggest;
  for (const auto& d : fs::directory_iterator(assets))
    for (const auto& g : trace::indexTrace(d.path().string()).graphs)
      if (g.joint && g.joint->code.size() > biggest.code.size()) biggest = *g.joint;
  size_t nodes = 0;
  std::vector<double> per_node;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < 20; ++k)
      nodes = trace::parseFxGraph(biggest.code, trace::GraphKind::Joint, biggest.file, biggest.line + 1).graph.nodes.size();
    per_node.push_back(ms(t0) * 1000 / 20 / static_cast<double>(nodes));
  }
  const bench::Stat p = bench::stat(per_node);
  std::printf("| read a printed joint graph (%zu nodes) | %.1f us per node (%.1f-%.1f) | 10k nodes: %.0f ms |\n", nodes,
              p.median, p.min, p.max, p.median * 10);
  return 0;
}
