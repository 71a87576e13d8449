// tests/core/pytorch_reference.h — PyTorch 2.11 run live as the reference: runs a script of tests/fidelity/ with
// the venv's python and hands its JSON to the test, cached in the build directory while the script is unchanged.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/ir/graph.h"
#include "core/util/run_command.h"

namespace aotviz::testing {

/// Runs tests/fidelity/`script` (which prints one JSON object on stdout) once, as
/// `OMP_NUM_THREADS=1 AOTVIZ_PYTHON tests/fidelity/<script>`, and keeps its output in the build directory
/// (<script's stem>.json), reused while it is newer than the script; once per process and script. nullptr with the
/// reason, and the command to run by hand, when it cannot run.
inline const nlohmann::json* pytorchReference(const std::string& script, std::string* why) {
  struct Result {
    std::optional<nlohmann::json> json;
    std::string reason;
  };
  static std::map<std::string, Result> results;
  auto it = results.find(script);
  if (it == results.end()) {
    namespace fs = std::filesystem;
    Result r;
    const fs::path path = fs::path(AOTVIZ_SOURCE_DIR "/tests/fidelity") / script;
    const fs::path cache = fs::path(AOTVIZ_BINARY_DIR) / (path.stem().string() + ".json");
    std::error_code ec;
    if (fs::exists(cache) && fs::last_write_time(cache, ec) >= fs::last_write_time(path, ec)) {
      std::ifstream in(cache);
      try {
        r.json = nlohmann::json::parse(in);
      } catch (const std::exception&) {
        // regenerate below
      }
    }
    const std::string python = AOTVIZ_PYTHON;
    if (r.json) {
      // cached
    } else if (python.empty()) {
      r.reason = "no venv python was configured (AOTVIZ_PYTHON); scripts/run-tests.sh sets it";
    } else {
      const std::string cmd = "OMP_NUM_THREADS=1 " + python + " " + path.string() + " 2>/dev/null";
      const util::CommandResult run = util::runCommand(cmd);
      if (run.exit_code != 0) {
        r.reason = script + " failed (exit " + std::to_string(run.exit_code) + "); run it by hand: " + cmd;
      } else {
        r.json = nlohmann::json::parse(run.out);
        const fs::path tmp = cache.string() + "." + std::to_string(::getpid());
        std::ofstream(tmp) << run.out;
        fs::rename(tmp, cache, ec);
      }
    }
    it = results.emplace(script, std::move(r)).first;
  }
  *why = it->second.reason;
  return it->second.json ? &*it->second.json : nullptr;
}

/// A call node's op as torch.fx prints the target: "aten.mm.default", "aten.add.Tensor".
inline std::string fxTarget(const ir::Node& n) {
  std::string op = n.op;
  op.replace(op.find("::"), 2, ".");
  return op + "." + (n.overload.empty() ? std::string("default") : n.overload);
}

// Op multisets as the fidelity and corpus tests compare them: FX targets, with aten.detach and getitem set aside
// (README, "Fidelity against PyTorch 2.11").
using Multiset = std::map<std::string, int>;

inline bool setAside(const std::string& op) {
  return op == "aten.detach.default" || op.find("getitem") != std::string::npos;
}

/// A reference's {"aten.mm.default": 3, ...}.
inline Multiset theirOps(const nlohmann::json& ops) {
  Multiset m;
  for (const auto& [k, v] : ops.items())
    if (!setAside(k)) m[k] = v.get<int>();
  return m;
}

/// PyTorch's ops less `dead` (an op multiset of nodes nothing live uses; Note [Dead random ops in PyTorch's
/// partitions] in test_corpus.cpp), when given.
inline Multiset liveOps(const nlohmann::json& ops, const nlohmann::json* dead) {
  Multiset m = theirOps(ops);
  if (!dead) return m;
  for (const auto& [op, n] : dead->items())
    if (m.count(op) && (m[op] -= n.get<int>()) <= 0) m.erase(op);
  return m;
}

inline Multiset ourOps(const ir::Graph& g) {
  Multiset m;
  for (const auto& n : g.nodes)
    if (n.kind == ir::NodeKind::Call) {
      const std::string op = fxTarget(n);
      if (!setAside(op)) ++m[op];
    }
  return m;
}

/// "aten.mm.default: ours 2 vs 2.11 3; " for every op whose counts differ ("" when equal).
inline std::string diff(const Multiset& ours, const Multiset& theirs) {
  std::set<std::string> keys;
  for (const auto& [k, v] : ours) keys.insert(k);
  for (const auto& [k, v] : theirs) keys.insert(k);
  std::string s;
  for (const auto& k : keys) {
    const int a = ours.count(k) ? ours.at(k) : 0, b = theirs.count(k) ? theirs.at(k) : 0;
    if (a != b) s += k + ": ours " + std::to_string(a) + " vs 2.11 " + std::to_string(b) + "; ";
  }
  return s;
}

}  // namespace aotviz::testing
