// app/gui/scenarios.cpp — reads the teaching gallery once.
#include "app/gui/scenarios.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "core/util/atomic_file.h"

namespace aotviz::gui {

std::string assetsDir() {
  const char* env = std::getenv("AOTVIZ_ASSETS_DIR");
  return env && *env ? env : AOTVIZ_ASSETS_DIR;
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> list = [] {
    std::vector<Scenario> v;
    try {
      auto j = nlohmann::json::parse(util::readFile(assetsDir() + "/teaching/scenarios.json", 1 << 20));
      for (const auto& e : j) {
        Scenario sc{e.at("title"), e.at("model"), e.at("stage"), e.at("what")};
        const std::string tab = e.value("tab", "joint");
        sc.tab = tab == "forward" ? 1 : tab == "backward" ? 2 : 0;
        if (sc.model.find(".pt") != std::string::npos) sc.model = assetsDir() + "/" + sc.model;
        v.push_back(std::move(sc));
      }
    } catch (const std::exception&) {
      // No gallery without the assets.
    }
    return v;
  }();
  return list;
}

}  // namespace aotviz::gui
