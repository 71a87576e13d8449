// core/ir/serialize.h — versioned JSON form of the graph IR (write → read → identical graph).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "core/ir/graph.h"

namespace aotviz::ir {

/// Version of the graph JSON format. Readers accept exactly this version and say what to do otherwise.
inline constexpr int kGraphSchemaVersion = 1;

nlohmann::json graphToJson(const Graph& g);
/// Validates while reading: a malformed document throws AotError (stage "load") naming the JSON path of the
/// offending field, e.g. `nodes[3].args[1]: expected an integer value id`.
Graph graphFromJson(const nlohmann::json& j);

std::string graphToJsonString(const Graph& g);
Graph graphFromJsonString(const std::string& text);

nlohmann::json metaToJson(const TensorMeta& m);
TensorMeta metaFromJson(const nlohmann::json& j, const std::string& path);

}  // namespace aotviz::ir
