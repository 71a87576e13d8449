# Finds every dependency the standard way. All come from Debian packages, except LibTorch, which comes from the
# pinned torch wheel in the project venv (scripts/common.sh).

# LibTorch: the pinned PyPI wheel in the project venv (scripts/common.sh passes its cmake_prefix_path), CUDA 13.0
# build. With the CUDA toolkit present (nvcc), the wheel's own TorchConfig is used and CUDA support is compiled in;
# without it, that config cannot load (it needs the toolkit), so the wheel's CPU libraries are linked directly.
set(AOTVIZ_MIN_TORCH 2.11)
set(_aotviz_venv_hint "scripts/run-tests.sh installs the pinned wheel into .venv and configures against it, or by "
    "hand: .venv/bin/pip install torch==2.11.0, then -DCMAKE_PREFIX_PATH set to that torch's "
    "torch.utils.cmake_prefix_path")
find_file(AOTVIZ_TORCH_CONFIG TorchConfig.cmake PATH_SUFFIXES Torch share/cmake/Torch lib/cmake/Torch
          DOC "LibTorch's TorchConfig.cmake (from the venv's torch wheel)")
if(NOT AOTVIZ_TORCH_CONFIG)
  message(FATAL_ERROR "aotviz: LibTorch ${AOTVIZ_MIN_TORCH} not found. " ${_aotviz_venv_hint})
endif()
get_filename_component(_aotviz_torch_cmake_dir "${AOTVIZ_TORCH_CONFIG}" DIRECTORY)
include("${_aotviz_torch_cmake_dir}/TorchConfigVersion.cmake")
set(AOTVIZ_TORCH_VERSION "${PACKAGE_VERSION}")
if(AOTVIZ_TORCH_VERSION VERSION_LESS AOTVIZ_MIN_TORCH)
  message(FATAL_ERROR "aotviz: LibTorch ${AOTVIZ_TORCH_VERSION} at ${_aotviz_torch_cmake_dir} is too old; aotviz "
          "needs ${AOTVIZ_MIN_TORCH} or newer. " ${_aotviz_venv_hint})
endif()

find_package(CUDAToolkit QUIET)
add_library(aotviz_torch INTERFACE)
if(CUDAToolkit_FOUND)
  set(Torch_DIR "${_aotviz_torch_cmake_dir}")
  find_package(Torch REQUIRED)
  target_link_libraries(aotviz_torch INTERFACE ${TORCH_LIBRARIES})
  target_include_directories(aotviz_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  separate_arguments(_aotviz_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(aotviz_torch INTERFACE ${_aotviz_torch_flags})
  # libtorch_cuda registers the CUDA kernels from static initialisers; nothing references it directly.
  target_link_options(aotviz_torch INTERFACE "LINKER:--no-as-needed")
  target_compile_definitions(aotviz_torch INTERFACE AOTVIZ_WITH_CUDA=1
                             AOTVIZ_CUDA_VERSION_STRING="${CUDAToolkit_VERSION_MAJOR}.${CUDAToolkit_VERSION_MINOR}")
  set(AOTVIZ_WITH_CUDA ON)
  message(STATUS "aotviz: LibTorch ${AOTVIZ_TORCH_VERSION} from ${_aotviz_torch_cmake_dir}, CUDA ${CUDAToolkit_VERSION} "
          "compiled in (toolkit at ${CUDAToolkit_BIN_DIR})")
else()
  get_filename_component(_aotviz_torch_prefix "${_aotviz_torch_cmake_dir}/../../.." ABSOLUTE)
  foreach(_lib torch torch_cpu c10)
    find_library(AOTVIZ_TORCH_LIB_${_lib} ${_lib} PATHS "${_aotviz_torch_prefix}/lib" NO_DEFAULT_PATH REQUIRED)
    target_link_libraries(aotviz_torch INTERFACE "${AOTVIZ_TORCH_LIB_${_lib}}")
  endforeach()
  target_include_directories(aotviz_torch SYSTEM INTERFACE "${_aotviz_torch_prefix}/include"
                             "${_aotviz_torch_prefix}/include/torch/csrc/api/include")
  target_compile_definitions(aotviz_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
  target_link_options(aotviz_torch INTERFACE "LINKER:-rpath,${_aotviz_torch_prefix}/lib")
  set(AOTVIZ_WITH_CUDA OFF)
  message(STATUS "aotviz: LibTorch ${AOTVIZ_TORCH_VERSION} from ${_aotviz_torch_cmake_dir}, CPU only: no CUDA toolkit "
          "found (install it and put nvcc on PATH for CUDA support)")
endif()
target_compile_definitions(aotviz_torch INTERFACE AOTVIZ_TORCH_VERSION_STRING="${AOTVIZ_TORCH_VERSION}")
# Note [libstdc++ before libtorch]: the wheel's libtorch.so exports its own copy of std::filesystem (64 symbols),
# whose remove_all jumps to a null pointer when called from our code. Symbols bind to the first library that
# defines them in DT_NEEDED order, so libstdc++ is linked ahead of LibTorch (link options precede the libraries).
target_link_options(aotviz_torch INTERFACE "SHELL:-Wl,--push-state,--no-as-needed -lstdc++ -Wl,--pop-state")

# The venv's python: PyTorch's own AOTAutograd for the fidelity tests and the benchmark peer.
set(AOTVIZ_PYTHON "" CACHE FILEPATH "python of the project venv (PyTorch ${AOTVIZ_MIN_TORCH}); scripts set it")
if(NOT AOTVIZ_PYTHON)
  get_filename_component(_aotviz_guess "${_aotviz_torch_cmake_dir}/../../../../../../../bin/python" ABSOLUTE)
  if(EXISTS "${_aotviz_guess}")
    set(AOTVIZ_PYTHON "${_aotviz_guess}" CACHE FILEPATH "" FORCE)
  endif()
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
