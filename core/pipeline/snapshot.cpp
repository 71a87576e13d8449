// core/pipeline/snapshot.cpp — snapshot and session JSON.
#include "core/pipeline/snapshot.h"

#include <algorithm>

#include "core/ir/serialize.h"
#include "core/ir/verify.h"
#include "core/util/atomic_file.h"
#include "core/util/build_info.h"
#include "core/util/digest.h"
#include "core/util/json_read.h"

namespace aotviz::pipeline {

using nlohmann::json;

namespace {

const util::JsonReader kReader{"load", "the session file is damaged or from another aotviz version"};

StageStatus statusFromName(const std::string& s, const std::string& path) {
  for (StageStatus st : {StageStatus::Done, StageStatus::Failed, StageStatus::Skipped})
    if (s == stageStatusName(st)) return st;
  kReader.bad(path, "unknown status '" + s + "' (expected done, failed or skipped)");
}

json diagnosticToJson(const Diagnostic& d) {
  return {{"stage", d.stage}, {"node", d.node}, {"node_id", d.node_id}, {"message", d.message}, {"hint", d.hint},
          {"notes", d.notes}};
}

Diagnostic diagnosticFromJson(const json& j, const std::string& p) {
  const auto& R = kReader;
  Diagnostic d;
  d.stage = R.stringAt(j, "stage", p);
  d.node = R.stringAt(j, "node", p);
  d.node_id = static_cast<int32_t>(R.intAt(j, "node_id", p));
  d.message = R.stringAt(j, "message", p);
  d.hint = R.stringAt(j, "hint", p);
  d.notes = R.getStrings(R.field(j, "notes", p), p + ".notes");
  return d;
}

StageId parseStageAt(const std::string& name, const std::string& path) {
  if (auto id = findStage(name)) return *id;
  kReader.bad(path, "unknown stage '" + name + "'");
}

/// The saved "meta" of a snapshot: the metadata stage's ViewAndMutationMeta in meta.json form; dedupe and
/// synthetic_base: {"dedupe" | "synthetic_base": the record, "traced_function": the traced function's}; null for
/// the other stages and for one that left none (skipped, failed).
json savedMeta(const Snapshot& s) {
  if (s.stage == StageId::Metadata && s.view_meta) return meta::metaToJson(*s.view_meta);
  if (s.stage == StageId::Dedupe && s.dedupe && s.view_meta)
    return {{"dedupe", meta::dedupeToJson(*s.dedupe)}, {"traced_function", meta::metaToJson(*s.view_meta)}};
  if (s.stage == StageId::SyntheticBase && s.synthetic_base && s.view_meta)
    return {{"synthetic_base", meta::syntheticBaseToJson(*s.synthetic_base)},
            {"traced_function", meta::metaToJson(*s.view_meta)}};
  return nullptr;
}

/// Reads what savedMeta wrote into `s`, all or nothing (AotError naming the field).
void readSavedMeta(const json& m, const std::string& p, Snapshot& s) {
  if (m.is_null()) return;  // a stage without metadata (how it is saved)
  if (!m.is_object()) kReader.bad(p, "expected an object");
  if (m.empty()) return;  // skipped or failed
  auto traced = [&] {
    return std::make_shared<const meta::ViewAndMutationMeta>(
        meta::metaFromJson(kReader.field(m, "traced_function", p), p + ".traced_function"));
  };
  switch (s.stage) {
    case StageId::Metadata:
      s.view_meta = std::make_shared<const meta::ViewAndMutationMeta>(meta::metaFromJson(m, p));
      break;
    case StageId::Dedupe: {
      auto d = std::make_shared<const meta::DedupeRecord>(
          meta::dedupeFromJson(kReader.field(m, "dedupe", p), p + ".dedupe"));
      s.view_meta = traced();
      s.dedupe = std::move(d);
      break;
    }
    case StageId::SyntheticBase: {
      auto b = std::make_shared<const meta::SyntheticBaseRecord>(
          meta::syntheticBaseFromJson(kReader.field(m, "synthetic_base", p), p + ".synthetic_base"));
      s.view_meta = traced();
      s.synthetic_base = std::move(b);
      break;
    }
    default: break;  // the other stages save none
  }
}

/// Nested documents (graphs, partitions) report their own field paths; prefix them with where they sit.
template <typename F>
auto nested(const std::string& where, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const AotError& e) {
    Diagnostic d = e.diagnostic();
    d.message = where + ": " + d.message;
    throw AotError(d);
  }
}

}  // namespace

const char* stageStatusName(StageStatus s) {
  switch (s) {
    case StageStatus::Done: return "done";
    case StageStatus::Failed: return "failed";
    case StageStatus::Skipped: return "skipped";
  }
  return "?";
}

json snapshotToJson(const Snapshot& s) {
  json j = {{"stage", stageName(s.stage)}, {"status", stageStatusName(s.status)}, {"seconds", s.seconds},
            {"notes", s.notes},              {"summary", resultToJson(s.result)},   {"meta", savedMeta(s)}};
  if (s.error) j["error"] = diagnosticToJson(*s.error);
  if (s.graph) j["graph"] = ir::graphToJson(*s.graph);
  if (s.partition) j["partition"] = partition::partitionToJson(*s.partition, true);
  if (s.pytorch_partition) j["pytorch_partition"] = partition::partitionToJson(*s.pytorch_partition, true);
  return j;
}

Snapshot snapshotFromJson(const json& j, const std::string& p) {
  const auto& R = kReader;
  Snapshot s;
  s.stage = parseStageAt(R.stringAt(j, "stage", p), p + ".stage");
  // Everything else degrades: a part that cannot be read is left out, and `unavailable` says which and why.
  auto part = [&](auto&& read) {
    try {
      read();
    } catch (const AotError& e) {
      s.unavailable.push_back(e.diagnostic().message);
    }
  };
  s.status = StageStatus::Failed;  // until the saved status is read: a snapshot without one is not shown as done
  part([&] { s.status = statusFromName(R.stringAt(j, "status", p), p + ".status"); });
  part([&] { s.seconds = R.doubleAt(j, "seconds", p); });
  part([&] { s.notes = R.getStrings(R.field(j, "notes", p), p + ".notes"); });
  // Every stage that is done leaves a result, so its empty summary is a damaged field, not a stage without one. The
  // exception is a TORCH_TRACE session's joint stage: its graph is PyTorch's, with no aotviz capture counts.
  const bool expect_result = s.status == StageStatus::Done && s.stage != StageId::Joint;
  part([&] { s.result = resultFromJson(s.stage, R.field(j, "summary", p), p + ".summary", expect_result); });
  part([&] { readSavedMeta(R.field(j, "meta", p), p + ".meta", s); });
  if (j.contains("error")) part([&] { s.error = diagnosticFromJson(j["error"], p + ".error"); });
  if (s.status == StageStatus::Failed && !s.error)
    s.error = Diagnostic{Severity::Error, stageName(s.stage), "", -1, "the saved snapshot's status or error could not be read", "", {}};
  if (j.contains("graph"))
    part([&] {
      s.graph = std::make_shared<const ir::Graph>(nested(p + ".graph", [&] { return ir::graphFromJson(j["graph"]); }));
    });
  if (j.contains("partition"))
    part([&] {
      s.partition = std::make_shared<const partition::PartitionResult>(
          nested(p + ".partition", [&] { return partition::partitionFromJson(j["partition"]); }));
    });
  if (j.contains("pytorch_partition"))
    part([&] {
      s.pytorch_partition = std::make_shared<const partition::PartitionResult>(
          nested(p + ".pytorch_partition", [&] { return partition::partitionFromJson(j["pytorch_partition"]); }));
    });
  // A session saved with another LibTorch (e.g. torch 2.x on a GPU machine) may name operators this one does not
  // have: it is shown as saved and never run (a restart captures again); the stage's notes say so.
  auto warn = [&s](const char* what, const ir::Graph& g) {
    for (const auto& w : ir::schemaWarnings(g)) {
      std::string note = std::string(what) + ": " + w;
      if (std::find(s.notes.begin(), s.notes.end(), note) == s.notes.end()) s.notes.push_back(std::move(note));
    }
  };
  if (s.graph) warn("graph", *s.graph);
  if (s.partition) {
    warn("forward graph", s.partition->forward);
    warn("backward graph", s.partition->backward);
  }
  return s;
}

namespace {
/// The digest saved with a session: SHA-1 of its config and snapshots (a dump of parsed JSON is canonical), as the
/// dump of {"config": config, "snapshots": snapshots}, written out without copying the two (a 50k-node session's
/// snapshots are hundreds of MB of JSON tree).
std::string sessionDigest(const json& config, const json& snapshots) {
  return util::sha1Hex("{\"config\":" + config.dump() + ",\"snapshots\":" + snapshots.dump() + "}");
}
}  // namespace

json sessionToJson(const SessionRecord& s) {
  json snaps = json::array();
  for (const auto& sn : s.snapshots) snaps.push_back(snapshotToJson(*sn));
  json config = s.config.toJson();
  const std::string digest = sessionDigest(config, snaps);
  return {{"format", "aotviz.session"},
          {"schema_version", kSessionSchemaVersion},
          {"aotviz_version", AOTVIZ_VERSION},
          {"torch_version", s.torch_version.empty() ? std::string(torchVersionString()) : s.torch_version},
          {"digest", digest},
          {"config", std::move(config)},
          {"snapshots", std::move(snaps)}};
}

SessionRecord sessionFromJson(const json& j) {
  const auto& R = kReader;
  R.expectFormat(j, "aotviz.session", kSessionSchemaVersion);
  SessionRecord s;
  // Sessions from before digests (aotviz 0.1 files of the same schema) have none and are not checked.
  if (j.contains("digest") && R.stringAt(j, "digest", "") != sessionDigest(R.field(j, "config", ""), R.field(j, "snapshots", "")))
    s.warnings.push_back("the file's content does not match the digest it was saved with: it was edited or damaged "
                         "after saving, so values shown may not be what aotviz computed; restart to compute them again");
  if (j.contains("torch_version")) s.torch_version = R.stringAt(j, "torch_version", "");
  s.config = Config::fromJson(R.field(j, "config", ""));
  const json& snaps = R.array(R.field(j, "snapshots", ""), "snapshots");
  if (snaps.size() > stageList().size())
    R.bad("snapshots", "has " + std::to_string(snaps.size()) + " entries; there are only " +
                           std::to_string(stageList().size()) + " stages");
  for (size_t i = 0; i < snaps.size(); ++i) {
    std::string p = util::indexPath("snapshots", i);
    auto sn = std::make_shared<Snapshot>(snapshotFromJson(snaps[i], p));
    if (sn->stage != stageList()[i].id)
      R.bad(p + ".stage", "is '" + std::string(stageName(sn->stage)) + "', expected '" + stageList()[i].name +
                              "' (stages are in order)");
    for (const auto& u : sn->unavailable)
      s.warnings.push_back(std::string("stage ") + stageName(sn->stage) + ": " + u + "; that part is shown as unavailable");
    s.snapshots.push_back(std::move(sn));
  }
  return s;
}

void saveSession(const SessionRecord& s, const std::filesystem::path& path) {
  util::writeFileAtomic(path, sessionToJson(s).dump() + "\n");
}

SessionRecord loadSession(const std::filesystem::path& path) {
  std::string text = util::readFile(path, size_t(1) << 30);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers that overflow
    fail("load", path.string(), std::string("not valid JSON: ") + e.what(),
         "the file is truncated or not an aotviz session; save the session again");
  }
  return nested(path.string(), [&] { return sessionFromJson(j); });
}

}  // namespace aotviz::pipeline
