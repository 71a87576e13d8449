// core/partition/names.cpp — names of the partition stage's enums and their parsers (used by the stage, its JSON,
// the CLI and the session loader).
#include "core/partition/partition.h"
#include "core/util/diagnostic.h"

namespace aotviz::partition {

const char* ruleName(Rule r) {
  switch (r) {
    case Rule::Input: return "input";
    case Rule::Tangent: return "tangent";
    case Rule::ForwardOutput: return "forward_output";
    case Rule::TangentClosure: return "tangent_closure";
    case Rule::BackwardOnly: return "backward_only";
    case Rule::DefaultSavesForward: return "default_saves_forward";
    case Rule::BannedComputeIntensive: return "banned_compute_intensive";
    case Rule::BannedRandom: return "banned_random";
    case Rule::BannedNotRecomputable: return "banned_not_recomputable";
    case Rule::BannedReduction: return "banned_reduction";
    case Rule::BannedMaterializedBackward: return "banned_materialized_backward";
    case Rule::BannedUsedFarApart: return "banned_used_far_apart";
    case Rule::BannedLongChain: return "banned_long_fusible_chain";
    case Rule::CheaperToSave: return "cheaper_to_save";
    case Rule::CheaperToRecompute: return "cheaper_to_recompute";
    case Rule::Budget: return "memory_budget";
    case Rule::OverrideMustSave: return "override_must_save";
    case Rule::OverrideMustRecompute: return "override_must_recompute";
    case Rule::RngState: return "rng_state";
    case Rule::MergedByCse: return "merged_by_cse";
    case Rule::TakenByPyTorch: return "pytorch";
    case Rule::Unused: return "unused";
  }
  return "?";
}

const char* placementName(Placement p) {
  switch (p) {
    case Placement::Input: return "input";
    case Placement::Forward: return "forward";
    case Placement::Backward: return "backward";
    case Placement::Recomputed: return "recomputed";
    case Placement::Unused: return "unused";
  }
  return "?";
}

Partitioner parsePartitioner(const std::string& name) {
  if (auto p = kPartitionerNames.parse(name)) return *p;
  fail("partition", "", "unknown partitioner '" + name + "'", "use " + kPartitionerNames.choices());
}

Rules parseRules(const std::string& name) {
  if (auto r = kRulesNames.parse(name)) return *r;
  fail("partition", "", "unknown partitioner rules '" + name + "'", "use " + kRulesNames.choices());
}

}  // namespace aotviz::partition
