// tests/core/test_layering.cpp — core/ must stay free of UI libraries: no ImGui, GLFW, GL or Graphviz include.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace {

TEST(Layering, CoreIncludesNoUiHeader) {
  const std::filesystem::path core = std::filesystem::path(AOTVIZ_SOURCE_DIR) / "core";
  ASSERT_TRUE(std::filesystem::is_directory(core)) << core;
  const std::regex ui(R"(^\s*#\s*include\s*[<"](imgui|GLFW/|GL/|graphviz/|gvc\.h|cgraph\.h|backends/imgui|stb_))");
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(core)) {
    if (!entry.is_regular_file()) continue;
    const auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cpp") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      EXPECT_FALSE(std::regex_search(line, ui)) << entry.path().string() << ":" << n << " includes a UI header: " << line;
    }
  }
  EXPECT_GT(files, 10u) << "the scan found too few files; is AOTVIZ_SOURCE_DIR right?";
}

}  // namespace
