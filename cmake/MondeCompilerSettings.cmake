# Warning and sanitizer flags for the project's own targets (never for Verilated or
# third-party code, whose warnings we do not own).
function(monde_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast)
  if(MONDE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(MONDE_FUZZ)
    # Coverage feedback for libFuzzer in the project's own code (not Verilated or SystemC code).
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

if(MONDE_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MONDE_FUZZ needs clang (libFuzzer): use the fuzz preset (cmake --preset fuzz) or make fuzz")
endif()

# Verilated (generated) code: always optimised (a -O0 model makes the Debug suite crawl), no
# debug info (tens of MB of generated C++ would dominate Debug build time), no warnings (not ours)
# and no sanitizer instrumentation: ASan + UBSan on the 16 x 16 array's generated C++ takes longer
# to compile than the rest of the project, and the accesses our code makes into the model are
# instrumented on our side.
function(monde_generated_code target)
  target_compile_options(${target} PRIVATE -O2 -g0 -w)
  if(MONDE_SANITIZE)
    target_compile_options(${target} PRIVATE -fno-sanitize=all)
  endif()
endfunction()

if(MONDE_SANITIZE)
  # C++ only: nvcc (MONDE_CUDA) takes no -fsanitize.
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=undefined>)
  add_link_options(-fsanitize=address,undefined)
endif()
