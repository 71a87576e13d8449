// app/gui/panels/help_texts.cpp — the teaching texts (assets/teaching/help.json), loaded once.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>

#include "app/gui/panels/panels.h"
#include "core/util/atomic_file.h"

namespace aotviz::gui {

const std::string& helpText(const std::string& section, const std::string& key) {
  static const std::map<std::string, std::string> texts = [] {
    std::map<std::string, std::string> m;
    const char* env = std::getenv("AOTVIZ_ASSETS_DIR");
    const std::string dir = env && *env ? env : AOTVIZ_ASSETS_DIR;
    try {
      auto j = nlohmann::json::parse(util::readFile(dir + "/teaching/help.json", 1 << 20));
      for (const auto& [sec, entries] : j.items())
        for (const auto& [k, v] : entries.items())
          if (v.is_string()) m[sec + "/" + k] = v.get<std::string>();
    } catch (const std::exception&) {
      // No texts: tooltips just stay short.
    }
    return m;
  }();
  static const std::string none;
  auto it = texts.find(section + "/" + key);
  return it == texts.end() ? none : it->second;
}

}  // namespace aotviz::gui
