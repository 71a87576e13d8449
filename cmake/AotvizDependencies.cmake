# Finds every dependency the standard way. All come from Debian packages, except LibTorch on the
# GPU machine, which comes from pip torch 2.x through -DTorch_DIR=... (see README).

find_package(Torch REQUIRED)
# Torch's exported flags carry the C++ ABI define; apply them to our targets through an interface target
# instead of CMAKE_CXX_FLAGS so third-party code is not affected.
add_library(aotviz_torch INTERFACE)
target_link_libraries(aotviz_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(aotviz_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
separate_arguments(_aotviz_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
target_compile_options(aotviz_torch INTERFACE ${_aotviz_torch_flags})
message(STATUS "aotviz: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
if(Torch_VERSION)
  string(REPLACE "." ";" _tv "${Torch_VERSION}")
  list(GET _tv 0 AOTVIZ_TORCH_MAJOR)
  list(GET _tv 1 AOTVIZ_TORCH_MINOR)
  target_compile_definitions(aotviz_torch INTERFACE AOTVIZ_TORCH_VERSION_STRING="${Torch_VERSION}")
endif()

find_package(nlohmann_json 3 REQUIRED)
find_package(Boost 1.71 REQUIRED)          # Boost.Graph is header-only
find_package(CLI11 QUIET CONFIG)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()
find_package(Threads REQUIRED)

if(AOTVIZ_TESTS)
  find_package(GTest REQUIRED)
endif()

if(AOTVIZ_GUI)
  find_package(PkgConfig REQUIRED)
  find_package(glfw3 3.3 REQUIRED)
  find_package(OpenGL REQUIRED)
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui stb)
  pkg_check_modules(GVC REQUIRED IMPORTED_TARGET libgvc)
else()
  # Graphviz is optional without the GUI (the GPU machine has none): `aotviz render` then writes DOT only.
  find_package(PkgConfig)
  if(PkgConfig_FOUND)
    pkg_check_modules(GVC IMPORTED_TARGET libgvc)
  endif()
endif()
