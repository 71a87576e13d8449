# Compiler setup shared by every aotviz target: ccache, warnings-as-errors, sanitizers.

option(AOTVIZ_PCH "Precompile the LibTorch headers once per target (a TU then compiles in seconds, not 30 s)" ON)

find_program(AOTVIZ_CCACHE ccache)
if(AOTVIZ_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # ccache caches compilations that use a precompiled header only with these sloppiness settings (ccache manual,
  # "Precompiled headers"); the header's own compilation is cached too.
  # BASEDIR and NOHASHDIR let a fresh clone in another folder (CI) reuse the cache.
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CMAKE_COMMAND};-E;env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;CCACHE_BASEDIR=${CMAKE_SOURCE_DIR};CCACHE_NOHASHDIR=1;${AOTVIZ_CCACHE}")
  message(STATUS "aotviz: using ccache at ${AOTVIZ_CCACHE}")
endif()

# Warnings apply to our own code only (third-party headers are included as SYSTEM).
add_library(aotviz_warnings INTERFACE)
target_compile_options(aotviz_warnings INTERFACE -Wall -Wextra -Werror -Wno-unused-parameter)

add_library(aotviz_sanitize INTERFACE)
if(AOTVIZ_SANITIZE)
  target_compile_options(aotviz_sanitize INTERFACE -fsanitize=${AOTVIZ_SANITIZE} -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_link_options(aotviz_sanitize INTERFACE -fsanitize=${AOTVIZ_SANITIZE})
  # UBSan's vptr check needs the RTTI of every polymorphic class it sees, and the torch wheel does not export all of
  # it (e.g. `typeinfo for c10::DynamicType`, reached through TypePtr::cast in TorchScript code): the link fails.
  if(AOTVIZ_SANITIZE MATCHES "undefined")
    target_compile_options(aotviz_sanitize INTERFACE -fno-sanitize=vptr)
    target_link_options(aotviz_sanitize INTERFACE -fno-sanitize=vptr)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex, std::function) once
    # sanitizer instrumentation is on; keep them visible but not fatal in sanitizer builds only.
    target_compile_options(aotviz_sanitize INTERFACE -Wno-error=maybe-uninitialized)
  endif()
  message(STATUS "aotviz: sanitizers ${AOTVIZ_SANITIZE}")
endif()

# aotviz_torch_pch(<target>): LibTorch's heaviest common headers (and nlohmann's) precompiled for the target.
# Measured: a core TU took 29-48 s on this 2-core machine, almost all of it in these headers.
function(aotviz_torch_pch target)
  if(AOTVIZ_PCH)
    target_precompile_headers(${target} PRIVATE <ATen/core/Tensor.h> <ATen/core/ivalue.h>
                              <ATen/core/dispatch/Dispatcher.h> <nlohmann/json.hpp> <string> <vector>)
    if(AOTVIZ_CCACHE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -fpch-preprocess)
    elseif(AOTVIZ_CCACHE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      target_compile_options(${target} PRIVATE "SHELL:-Xclang -fno-pch-timestamp")
    endif()
  endif()
endfunction()

# aotviz_target_defaults(<target>): every first-party target links this.
function(aotviz_target_defaults target)
  target_link_libraries(${target} PRIVATE aotviz_warnings aotviz_sanitize)
endfunction()
