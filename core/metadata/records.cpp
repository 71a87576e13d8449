// core/metadata/records.cpp — JSON for what the dedupe and synthetic_base stages decided.
#include "core/metadata/records.h"

#include <climits>

#include "core/util/json_read.h"

namespace aotviz::meta {

using nlohmann::json;

namespace {

const util::JsonReader kR{"load", "the saved metadata is damaged or from another aotviz version; run the stage again"};

std::vector<bool> boolsAt(const json& j, const char* key, const std::string& p) {
  const std::string ap = p + "." + key;
  const json& a = kR.field(j, key, p);
  if (!a.is_array()) kR.bad(ap, "expected an array of true or false");
  std::vector<bool> r;
  for (size_t i = 0; i < a.size(); ++i) r.push_back(kR.getBool(a[i], util::indexPath(ap, i)));
  return r;
}

std::vector<size_t> indicesAt(const json& j, const char* key, const std::string& p) {
  const std::string ap = p + "." + key;
  const std::vector<int64_t> v = kR.getInts(kR.field(j, key, p), ap);
  std::vector<size_t> r;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0) kR.bad(util::indexPath(ap, i), "is " + std::to_string(v[i]) + ", expected an index (0 or more)");
    r.push_back(static_cast<size_t>(v[i]));
  }
  return r;
}

/// An input index (the struct's fields are int): 0 to INT_MAX.
int indexAt(const json& j, const char* key, const std::string& p) {
  const int64_t v = kR.intAt(j, key, p);
  if (v < 0 || v > INT_MAX) kR.bad(p + "." + key, "is " + std::to_string(v) + ", expected an index (0 or more)");
  return static_cast<int>(v);
}

}  // namespace

const char* dedupeStrategyName(DedupeStrategy s) {
  switch (s) {
    case DedupeStrategy::None: return "none";
    case DedupeStrategy::LeafifyDupes: return "leafify";
    case DedupeStrategy::RemoveDupes: return "remove_dupes";
  }
  return "?";
}

json dedupeToJson(const DedupeRecord& d) {
  return {{"strategy", dedupeStrategyName(d.strategy)}, {"keep_arg_mask", d.keep_arg_mask}, {"add_dupe_map", d.add_dupe_map}};
}

json syntheticBaseToJson(const SyntheticBaseRecord& s) {
  json info = json::array();
  for (const auto& a : s.info)
    info.push_back(a.base < 0 ? json{{"inner", a.inner}}
                              : json{{"base", a.base}, {"size", a.sizes}, {"stride", a.strides}, {"storage_offset", a.storage_offset}});
  return {{"applied", s.applied},
          {"info", info},
          {"base_is_view_base", s.base_is_view_base},
          {"aliased_arg_idx_with_metadata_mutations", s.aliased_arg_idx_with_metadata_mutations}};
}

DedupeRecord dedupeFromJson(const json& j, const std::string& p) {
  DedupeRecord d;
  const std::string s = kR.stringAt(j, "strategy", p);
  std::string choices;
  bool known = false;
  for (DedupeStrategy st : {DedupeStrategy::None, DedupeStrategy::LeafifyDupes, DedupeStrategy::RemoveDupes}) {
    choices += std::string(choices.empty() ? "" : st == DedupeStrategy::RemoveDupes ? " or " : ", ") + dedupeStrategyName(st);
    if (s == dedupeStrategyName(st)) {
      d.strategy = st;
      known = true;
    }
  }
  if (!known) kR.bad(p + ".strategy", "is '" + s + "', expected " + choices);
  d.keep_arg_mask = boolsAt(j, "keep_arg_mask", p);
  d.add_dupe_map = indicesAt(j, "add_dupe_map", p);
  return d;
}

SyntheticBaseRecord syntheticBaseFromJson(const json& j, const std::string& p) {
  SyntheticBaseRecord s;
  s.applied = kR.boolAt(j, "applied", p);
  const std::string ip = p + ".info";
  const json& info = kR.array(kR.field(j, "info", p), ip);
  for (size_t i = 0; i < info.size(); ++i) {
    const std::string ep = util::indexPath(ip, i);
    SyntheticArg a;
    // A view of a base is written with its base and view metadata; an input passed through with its inner index.
    if (!info[i].is_object()) kR.bad(ep, "expected an object");
    if (info[i].contains("base")) {
      a.base = indexAt(info[i], "base", ep);
      a.sizes = kR.getInts(kR.field(info[i], "size", ep), ep + ".size");
      a.strides = kR.getInts(kR.field(info[i], "stride", ep), ep + ".stride");
      a.storage_offset = kR.intAt(info[i], "storage_offset", ep);
    } else {
      a.inner = indexAt(info[i], "inner", ep);
    }
    s.info.push_back(std::move(a));
  }
  s.base_is_view_base = boolsAt(j, "base_is_view_base", p);
  s.aliased_arg_idx_with_metadata_mutations = indicesAt(j, "aliased_arg_idx_with_metadata_mutations", p);
  return s;
}

}  // namespace aotviz::meta
