// core/util/json_read.h — validating access to JSON documents aotviz reads (graphs, partitions, cache entries,
// sessions): every error names the JSON path of the offending field and says what to do.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace aotviz::util {

/// Reads fields of one document. `stage` and `hint` go into every error (AotError): e.g. stage "load", hint "the
/// file is not an aotviz graph of this version, or it is damaged".
struct JsonReader {
  std::string stage = "load";
  std::string hint;

  /// Throws AotError "<path>: <what>".
  [[noreturn]] void bad(const std::string& path, const std::string& what) const;
  const nlohmann::json& field(const nlohmann::json& j, const char* key, const std::string& path) const;
  const nlohmann::json& array(const nlohmann::json& j, const std::string& path) const;
  int64_t getInt(const nlohmann::json& j, const std::string& path) const;
  double getDouble(const nlohmann::json& j, const std::string& path) const;  // also "nan", "inf", "-inf"
  std::string getString(const nlohmann::json& j, const std::string& path) const;
  bool getBool(const nlohmann::json& j, const std::string& path) const;
  std::vector<int64_t> getInts(const nlohmann::json& j, const std::string& path) const;
  std::vector<std::string> getStrings(const nlohmann::json& j, const std::string& path) const;

  // Shorthands for a field of an object: intAt(j, "bytes", "saved[3]") reads saved[3].bytes.
  int64_t intAt(const nlohmann::json& j, const char* key, const std::string& path) const {
    return getInt(field(j, key, path), path + "." + key);
  }
  double doubleAt(const nlohmann::json& j, const char* key, const std::string& path) const {
    return getDouble(field(j, key, path), path + "." + key);
  }
  std::string stringAt(const nlohmann::json& j, const char* key, const std::string& path) const {
    return getString(field(j, key, path), path + "." + key);
  }
  bool boolAt(const nlohmann::json& j, const char* key, const std::string& path) const {
    return getBool(field(j, key, path), path + "." + key);
  }
  /// Checks `format` and `schema_version` of a top-level document.
  void expectFormat(const nlohmann::json& j, const std::string& format, int version) const;
};

inline std::string indexPath(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

/// The string form aotviz writes non-finite doubles in ("nan", "inf", "-inf"); finite values stay numbers.
nlohmann::json doubleToJson(double d);

}  // namespace aotviz::util
