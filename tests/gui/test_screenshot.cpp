// tests/gui/test_screenshot.cpp — runs the real `aotviz` GUI under Xvfb in screenshot mode and checks the PNG:
// it exists, has the window's size, and is not a single colour.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

namespace {

std::string runUnderXvfb(const std::string& args) {
  // xvfb-run -a picks a free display number, so tests can run in parallel.
  return std::string("xvfb-run -a -s '-screen 0 1920x1200x24' ") + AOTVIZ_BINARY + " " + args;
}

TEST(GuiScreenshot, DefaultModelWindowRendersPanels) {
  ASSERT_EQ(std::system("command -v xvfb-run >/dev/null 2>&1"), 0)
      << "xvfb-run is missing: install the xvfb package (scripts/run-tests.sh does)";
  const std::filesystem::path png = std::filesystem::temp_directory_path() / "aotviz_gui_test_default.png";
  std::filesystem::remove(png);
  const int rc = std::system(runUnderXvfb("--screenshot " + png.string() + " --frames 3 --size 1280x800").c_str());
  ASSERT_EQ(rc, 0) << "aotviz exited with " << rc;
  ASSERT_TRUE(std::filesystem::exists(png));
  int w = 0, h = 0, n = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &w, &h, &n, 4);
  ASSERT_NE(pixels, nullptr) << stbi_failure_reason();
  EXPECT_EQ(w, 1280);
  EXPECT_EQ(h, 800);
  std::set<uint32_t> colours;
  for (int i = 0; i < w * h && colours.size() < 64; i += 97) {
    const unsigned char* p = pixels + 4 * i;
    colours.insert(uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16);
  }
  stbi_image_free(pixels);
  EXPECT_GT(colours.size(), 4u) << "the screenshot is (nearly) a single colour: nothing was drawn";
}

TEST(GuiScreenshot, UnknownModelIsAClearErrorNotACrash) {
  const int rc = std::system(runUnderXvfb("no_such_model --screenshot /dev/null 2>/dev/null").c_str());
  EXPECT_NE(rc, 0);
}

}  // namespace
