// core/util/json_read.cpp — validating JSON field access with paths in the errors.
#include "core/util/json_read.h"

#include <cmath>

#include "core/util/diagnostic.h"

namespace aotviz::util {

using nlohmann::json;

void JsonReader::bad(const std::string& path, const std::string& what) const {
  fail(stage, "", (path.empty() ? std::string("(document)") : path) + ": " + what, hint);
}

const json& JsonReader::field(const json& j, const char* key, const std::string& path) const {
  if (!j.is_object()) bad(path, "expected an object");
  auto it = j.find(key);
  if (it == j.end()) bad(path.empty() ? std::string(key) : path + "." + key, "missing field");
  return *it;
}

const json& JsonReader::array(const json& j, const std::string& path) const {
  if (!j.is_array()) bad(path, "expected an array");
  return j;
}

int64_t JsonReader::getInt(const json& j, const std::string& path) const {
  if (!j.is_number_integer()) bad(path, "expected an integer");
  return j.get<int64_t>();
}

double JsonReader::getDouble(const json& j, const std::string& path) const {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "nan") return std::nan("");
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
  }
  bad(path, "expected a number");
}

std::string JsonReader::getString(const json& j, const std::string& path) const {
  if (!j.is_string()) bad(path, "expected a string");
  return j.get<std::string>();
}

bool JsonReader::getBool(const json& j, const std::string& path) const {
  if (!j.is_boolean()) bad(path, "expected true or false");
  return j.get<bool>();
}

std::vector<int64_t> JsonReader::getInts(const json& j, const std::string& path) const {
  if (!j.is_array()) bad(path, "expected an array of integers");
  std::vector<int64_t> r;
  r.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) r.push_back(getInt(j[i], indexPath(path, i)));
  return r;
}

std::vector<std::string> JsonReader::getStrings(const json& j, const std::string& path) const {
  if (!j.is_array()) bad(path, "expected an array of strings");
  std::vector<std::string> r;
  r.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) r.push_back(getString(j[i], indexPath(path, i)));
  return r;
}

void JsonReader::expectFormat(const json& j, const std::string& format, int version) const {
  if (!j.is_object()) bad("", "expected a JSON object");
  std::string f = stringAt(j, "format", "");
  if (f != format) bad("format", "is '" + f + "', expected '" + format + "'");
  int64_t v = intAt(j, "schema_version", "");
  if (v != version)
    bad("schema_version", "is " + std::to_string(v) + ", this aotviz reads version " + std::to_string(version));
}

json doubleToJson(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  return d;
}

}  // namespace aotviz::util
