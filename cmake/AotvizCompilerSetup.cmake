# Compiler setup shared by every aotviz target: ccache, warnings-as-errors, sanitizers.

find_program(AOTVIZ_CCACHE ccache)
if(AOTVIZ_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${AOTVIZ_CCACHE}")
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
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex, std::function) once
    # sanitizer instrumentation is on; keep them visible but not fatal in sanitizer builds only.
    target_compile_options(aotviz_sanitize INTERFACE -Wno-error=maybe-uninitialized)
  endif()
  message(STATUS "aotviz: sanitizers ${AOTVIZ_SANITIZE}")
endif()

# aotviz_target_defaults(<target>): every first-party target links this.
function(aotviz_target_defaults target)
  target_link_libraries(${target} PRIVATE aotviz_warnings aotviz_sanitize)
endfunction()
