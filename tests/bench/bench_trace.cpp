// tests/bench/bench_trace.cpp — reading TORCH_TRACE logs: listing the compiles of a ~300 MB trace directory (the
// shipped assets/trace logs concatenated until the file is that big) and reading the largest printed joint graph
// of the assets into aotviz IR; then opening one compile of a real ~10k-node trace (a stack of GPT blocks compiled
// by PyTorch with aot_eager, written on first use by scripts/make_trace_assets.py --big with the venv's python) as
// the app does (traceSession: index, parse the joint, forward and backward graphs, both partitions). Prints
// medians with min–max. Not a test: `build/tests/bench/bench_trace [reps] [layers]` (layers 0 skips the big trace).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/trace/compiled_graphs.h"
#include "core/trace/fx_graph.h"
#include "core/trace/trace_session.h"
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

  const int layers = argc > 2 ? std::atoi(argv[2]) : 100;  // 100 blocks: a 10,003-node joint graph
  if (layers <= 0) return 0;
  const fs::path big = fs::temp_directory_path() / ("aotviz_bench_big_trace_" + std::to_string(layers));
  const fs::path python = fs::path(AOTVIZ_SOURCE_DIR) / ".venv" / "bin" / "python";
  if (!fs::exists(big)) {
    const std::string cmd = python.string() + " " + AOTVIZ_SOURCE_DIR + "/scripts/make_trace_assets.py --out " + big.string() +
                            " --only gpt_big_aot_eager --big " + std::to_string(layers) + " > /dev/null";
    std::fprintf(stderr, "writing a %d-block trace with PyTorch: %s\n", layers, cmd.c_str());
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "could not write the big trace (is the venv there? scripts/run-tests.sh makes it)\n");
      fs::remove_all(big);
      return 1;
    }
  }
  uintmax_t big_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(big))
    if (e.is_regular_file()) big_bytes += e.file_size();
  std::vector<double> open;
  size_t joint_nodes = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const pipeline::SessionRecord rec = trace::traceSession((big / "gpt_big_aot_eager").string());
    open.push_back(ms(t0));
    for (const auto& sn : rec.snapshots)
      if (sn->stage == pipeline::StageId::Joint && sn->graph) joint_nodes = sn->graph->nodes.size();
  }
  const bench::Stat o = bench::stat(open);
  std::printf("| open a compile of a %.1f MB trace with a %zu-node joint graph (%d blocks) as the app does | %.0f ms (%.0f-%.0f) | "
              "%.1f us per joint node |\n",
              static_cast<double>(big_bytes) / (1 << 20), joint_nodes, layers, o.median, o.min, o.max,
              o.median * 1000 / static_cast<double>(std::max<size_t>(joint_nodes, 1)));
  return 0;
}
