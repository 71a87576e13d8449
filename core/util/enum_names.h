// core/util/enum_names.h — one name table per enum: the names the CLI, the app and the JSON files use for its
// values, with the parser and the "use one of" list made from the same rows.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aotviz::util {

template <class E>
struct EnumName {
  E value;
  const char* name;
  bool alias = false;  // accepted when read, never written (e.g. PyTorch's own spelling in a TORCH_TRACE log)
};

template <class E, size_t N>
struct EnumNames {
  const char* what;  // "partitioner", for errors
  std::array<EnumName<E>, N> rows;

  /// The canonical name (the first non-alias row of the value); "?" for a value without one.
  constexpr const char* name(E v) const {
    for (const auto& r : rows)
      if (r.value == v && !r.alias) return r.name;
    return "?";
  }
  constexpr std::optional<E> parse(std::string_view s) const {
    for (const auto& r : rows)
      if (s == r.name) return r.value;
    return std::nullopt;
  }
  /// "default, mincut or none".
  std::string choices() const {
    std::string out;
    size_t n = 0, total = 0;
    for (const auto& r : rows) total += r.alias ? 0 : 1;
    for (const auto& r : rows) {
      if (r.alias) continue;
      if (n) out += n + 1 == total ? " or " : ", ";
      out += r.name;
      ++n;
    }
    return out;
  }
};

template <class E, class... R>
constexpr auto enumNames(const char* what, R... rows) {
  return EnumNames<E, sizeof...(R)>{what, {{rows...}}};
}

}  // namespace aotviz::util
