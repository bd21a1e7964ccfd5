# monde_library(<name> [SOURCES ...] [DEPS ...] [PRIVATE_DEPS ...])
# A project library: one include root for everything (the repository root, so every include
# reads "tlm/cxl/cxl_link.hpp"), the project's warnings, and an entry in the list of
# libraries that `cmake --install` exports as monde::<name without the monde_ prefix>.
function(monde_library name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
  target_link_libraries(${name} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  monde_target_defaults(${name})
  set_property(GLOBAL APPEND PROPERTY MONDE_LIBRARIES ${name})
endfunction()

# monde_tool(<name> SOURCES ... DEPS ...): a command-line tool in <build>/bin.
function(monde_tool name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  monde_target_defaults(${name})
  set_property(GLOBAL APPEND PROPERTY MONDE_TOOLS ${name})
endfunction()
