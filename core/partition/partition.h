// core/partition/partition.h — the partition stage: splits a joint graph into forward and backward graphs as
// AOTAutograd's partitioners do (../shared/reference/aot_autograd_spec.md §4), and keeps what PyTorch throws
// away: why each value was saved and each node placed or recomputed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ir/graph.h"
#include "core/util/enum_names.h"

namespace aotviz::partition {

enum class Partitioner { Default, MinCut };

/// Whose rules: today's PyTorch (torch/_functorch/partitioners.py) or PyTorch 1.13's functorch (what Debian's
/// python3-torch runs; used by the fidelity test). See the README's "Partitioners" section for the differences.
enum class Rules { Current, Torch113 };

/// Per-node what-if overrides (PyTorch's CheckpointPolicy MUST_SAVE / MUST_RECOMPUTE), by joint node name.
enum class Override { MustSave, MustRecompute };

// Their names in the CLI, the app and every JSON file; PyTorch's function names are read too (TORCH_TRACE logs).
inline constexpr auto kPartitionerNames = util::enumNames<Partitioner>(
    "partitioner", util::EnumName<Partitioner>{Partitioner::Default, "default"},
    util::EnumName<Partitioner>{Partitioner::MinCut, "mincut"},
    util::EnumName<Partitioner>{Partitioner::Default, "default_partition", true},
    util::EnumName<Partitioner>{Partitioner::MinCut, "min_cut_rematerialization_partition", true});
inline constexpr auto kRulesNames = util::enumNames<Rules>("partitioner rules", util::EnumName<Rules>{Rules::Current, "current"},
                                                           util::EnumName<Rules>{Rules::Torch113, "1.13"},
                                                           util::EnumName<Rules>{Rules::Torch113, "torch113", true});
inline constexpr auto kOverrideNames = util::enumNames<Override>(
    "override", util::EnumName<Override>{Override::MustSave, "must_save"},
    util::EnumName<Override>{Override::MustRecompute, "must_recompute"});

struct Options {
  Partitioner partitioner = Partitioner::MinCut;
  Rules rules = Rules::Current;
  /// Activation memory budget in [0, 1] (min-cut, current rules): 1 = runtime-optimal cut, 0 = save only inputs.
  double memory_budget = 1.0;
  std::map<std::string, Override> overrides;
  /// Random ops may be recomputed: the forward saves the RNG state before each one it shares with the backward
  /// (run_and_save_rng_state) and the backward replays it (run_with_rng_state). Off: random ops are always saved,
  /// as in PyTorch, unless a must-recompute override names one (then the state is replayed, as PyTorch does).
  bool functionalize_rng = false;
};

/// Why a node ended up where it is, or why a value was saved. One rule fires per decision.
enum class Rule {
  Input,                  // a primal placeholder
  Tangent,                // a tangent placeholder
  ForwardOutput,          // computed in the forward: forward outputs (or saved values) need it
  TangentClosure,         // computed in the backward: it depends on tangents
  BackwardOnly,           // computed in the backward: only the backward uses it
  DefaultSavesForward,    // default partitioner: every forward value the backward uses is saved
  BannedComputeIntensive, // saved: mm/addmm/bmm/convolution… are never recomputed
  BannedRandom,           // saved: random ops are never recomputed
  BannedNotRecomputable,  // saved: not in the list of ops the partitioner may recompute
  BannedReduction,        // saved: its output is over 4x smaller than its inputs
  BannedMaterializedBackward,  // saved: recomputing would materialize it again in the backward
  BannedUsedFarApart,     // saved: its forward uses are far apart (ban_if_used_far_apart)
  BannedLongChain,        // saved: end of a fusible chain over 100 ops long
  CheaperToSave,          // saved: on the minimum cut; saving it costs less than recomputing its inputs' chain
  CheaperToRecompute,     // recomputed in the backward: cheaper than saving
  Budget,                 // recomputed to meet the activation memory budget (knapsack)
  OverrideMustSave,
  OverrideMustRecompute,
  RngState,               // saved: the RNG state a recomputed random op replays (Note [Replaying random ops])
  MergedByCse,            // identical to an earlier node; the min-cut partitioner's CSE merged it into that one
  TakenByPyTorch,         // placed as PyTorch's own partitioner placed it (read from a TORCH_TRACE compile)
  Unused,                 // in neither graph
};
const char* ruleName(Rule r);

enum class Placement { Input, Forward, Backward, Recomputed, Unused };
const char* placementName(Placement p);

struct NodeDecision {
  std::string name;  // joint node name
  std::string op;    // "aten::mm" ("" for placeholders)
  Placement placement = Placement::Unused;
  Rule rule = Rule::Unused;
  std::string reason;  // one sentence for people
};

struct SavedValue {
  std::string name;  // joint value name, also the backward placeholder's name
  int64_t bytes = 0;
  /// "graph_input" (a primal), "view_of_graph_input" (aliases a primal's storage), "activation", or "rng_state"
  /// (the generator state before a random op the backward recomputes).
  std::string kind;
  Rule rule = Rule::CheaperToSave;
  std::string reason;
};

struct Totals {
  int64_t saved_bytes = 0;
  int64_t activation_bytes = 0;  // saved bytes minus inputs and views of inputs
  size_t saved_count = 0;
  size_t recomputed_nodes = 0;   // call nodes in both graphs
  size_t forward_nodes = 0, backward_nodes = 0;  // call nodes
  int64_t backward_peak_bytes = 0;  // estimate: saved + tangents + live intermediates, freed after last use
  double seconds = 0;
};

struct PartitionResult {
  ir::Graph forward, backward;
  size_t num_fwd_outputs = 0;  // forward graph outputs before the saved values
  std::vector<size_t> static_inputs;  // the primal indices partitioned as parameters (partitionJoint's argument)
  std::vector<SavedValue> saved;      // in the order of the forward's extra outputs / backward's placeholders
  std::vector<NodeDecision> nodes;    // one per joint node (placeholders and calls), joint order
  Totals totals;
  Options options;
  std::vector<std::string> notes;     // e.g. "no node needs the backward: default partition used"
  /// The joint graph the partitioner cut: the input, after CSE for the min-cut partitioner.
  ir::Graph joint;
};

/// Partitions `joint` (a capture's joint graph: primals, tangents; outputs = `num_fwd_outputs` forward outputs then
/// one gradient per primal). `static_inputs` are the primal indices of parameters (free to save under current
/// rules). Throws AotError (stage "partition") for bad options or an unpartitionable graph.
PartitionResult partitionJoint(const ir::Graph& joint, size_t num_fwd_outputs, const std::vector<size_t>& static_inputs,
                               const Options& options);

/// PyTorch's estimate_runtime under its default "flops" estimator (partitioners.py): the FLOPs of mm, addmm, bmm
/// and convolution from the shapes, 1 for any other op. Unitless, as PyTorch's.
double estimateRuntime(const ir::Graph& g, const ir::Node& n);

/// Bytes live at the peak of running `bw` in order: its inputs, then each node's new outputs (a view shares its
/// base's storage), each freed after its last use; graph outputs stay (Totals::backward_peak_bytes). The peak is
/// taken while a node's outputs and inputs are both held (core/partition/memory_timeline.h has the walk).
int64_t backwardPeakBytes(const ir::Graph& bw);

/// A joint node two partitions place differently.
struct Moved {
  std::string name;
  Placement from = Placement::Unused, to = Placement::Unused;
};
/// The joint nodes `b` places differently from `a`, matched by name, in b's order.
std::vector<Moved> movedNodes(const PartitionResult& a, const PartitionResult& b);

inline constexpr int kPartitionSchemaVersion = 1;

/// partition.json: options, totals, saved values with bytes and reasons, and every node's decision; with
/// `with_graphs` also the forward, backward and (CSE'd) joint graphs, which makes it a complete record.
nlohmann::json partitionToJson(const PartitionResult& r, bool with_graphs = false);
/// partition.json's "totals" object.
nlohmann::json totalsToJson(const Totals& t);
/// Validating reader of totalsToJson's form (AotError naming the field under `path`).
Totals totalsFromJson(const nlohmann::json& j, const std::string& path);
/// Reads a partitionToJson(r, true) document back; validates it (AotError, stage "load", naming the field).
PartitionResult partitionFromJson(const nlohmann::json& j);

// By the tables above; the parsers throw AotError (stage "partition") listing the names.
Partitioner parsePartitioner(const std::string& name);
Rules parseRules(const std::string& name);
inline const char* partitionerName(Partitioner p) { return kPartitionerNames.name(p); }
inline const char* rulesName(Rules r) { return kRulesNames.name(r); }
inline const char* overrideName(Override o) { return kOverrideNames.name(o); }
inline std::optional<Override> parseOverride(const std::string& name) { return kOverrideNames.parse(name); }

}  // namespace aotviz::partition
