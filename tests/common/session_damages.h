// tests/common/session_damages.h — a saved session damaged one field at a time (issue 25): every stage's status,
// seconds, notes, summary, each summary field and the metadata tables, each removed, retyped and cut short. The CLI
// test runs `aotviz inspect` on each and the GUI test opens each in the app; both check the field is named.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace aotviz::testing {

struct SessionDamage {
  std::string path;  // the damaged field, as the messages name it: "snapshots[3].summary.is_joint"
  nlohmann::json doc;
};

inline std::vector<SessionDamage> sessionDamages(const nlohmann::json& good) {
  std::vector<SessionDamage> damages;
  // Read when present, defaults otherwise (sessions from before they were added have none).
  auto optional = [](const std::string& k) {
    return k == "ops_recorded" || k == "cpu_fallbacks" || k == "cpu_fallbacks_replayed" || k == "problem" || k == "worst";
  };
  const auto& snaps = good["snapshots"];
  for (size_t i = 0; i < snaps.size(); ++i) {
    const std::string base = "snapshots[" + std::to_string(i) + "]";
    auto add = [&](const std::string& path, const nlohmann::json::json_pointer& ptr) {
      const nlohmann::json& v = good[ptr];
      nlohmann::json removed = good, retyped = good, truncated = good;
      removed[ptr.parent_pointer()].erase(ptr.back());
      retyped[ptr] = v.is_string() ? nlohmann::json(12345) : nlohmann::json("12345");
      damages.push_back({path, removed});
      damages.push_back({path, retyped});
      std::string last;  // cut short: its last required field is gone
      if (v.is_object())
        for (const auto& [k, _] : v.items())
          if (!optional(k)) last = k;
      if (!last.empty()) {
        truncated[ptr].erase(last);
        damages.push_back({path, truncated});  // the message names the object or its missing field
      }
    };
    const nlohmann::json::json_pointer sp("/snapshots/" + std::to_string(i));
    for (const char* part : {"status", "seconds", "notes", "summary"})
      if (snaps[i].contains(part)) add(base + "." + part, sp / part);
    if (snaps[i].contains("summary") && snaps[i]["summary"].is_object())
      for (const auto& [k, v] : snaps[i]["summary"].items())
        if (!optional(k)) add(base + ".summary." + k, sp / "summary" / k);
    if (snaps[i].contains("meta") && snaps[i]["meta"].contains("input_info"))
      for (const char* table : {"input_info", "output_info"}) add(base + ".meta." + table, sp / "meta" / table);
  }
  return damages;
}

}  // namespace aotviz::testing
