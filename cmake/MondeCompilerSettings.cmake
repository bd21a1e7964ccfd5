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

if(MONDE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
