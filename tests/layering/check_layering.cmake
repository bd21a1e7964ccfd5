# The dependency direction DESIGN.md fixes, checked on the code as it is:
#   core (configuration, performance formulas, statistics; no SystemC)  <  rtl  <  tlm  <  host
#   <  system  <  tools
# A file may include only headers of its own area or of an area below it; a library may link
# only libraries of its own area or below (the link graph comes from the configure step:
# cmake/MondeLayering.cmake). Usage:
#   cmake -DSOURCE_DIR=<repo> -DGRAPH=<build>/monde_link_graph.txt -P check_layering.cmake
cmake_minimum_required(VERSION 3.25)
set(rank_core 0)
set(rank_rtl 1)
set(rank_tlm 2)
set(rank_host 3)
set(rank_system 4)
set(rank_tools 5)
set(problems "")

# ---- includes
foreach(area core tlm host system tools)
  file(GLOB_RECURSE files "${SOURCE_DIR}/${area}/*.hpp" "${SOURCE_DIR}/${area}/*.cpp" "${SOURCE_DIR}/${area}/*.cu")
  foreach(f IN LISTS files)
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]+\"(core|rtl|tlm|host|system|tools)/")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([a-z]+)/.*" "\\1" target_area "${line}")
      if(${rank_${target_area}} GREATER ${rank_${area}})
        file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
        string(APPEND problems "  ${rel}: ${line} (${area}/ may not include ${target_area}/)\n")
      endif()
    endforeach()
  endforeach()
endforeach()

# ---- links
file(STRINGS "${GRAPH}" graph)
set(area_of_names "")
foreach(line IN LISTS graph)
  string(REPLACE " " ";" parts "${line}")
  list(GET parts 0 lib)
  list(GET parts 1 area)
  set(area_${lib} ${area})
endforeach()
foreach(line IN LISTS graph)
  string(REPLACE " " ";" parts "${line}")
  list(GET parts 0 lib)
  list(GET parts 1 area)
  list(LENGTH parts n)
  if(n GREATER 2)
    list(SUBLIST parts 2 -1 deps)
    foreach(dep IN LISTS deps)
      if(DEFINED area_${dep} AND ${rank_${area_${dep}}} GREATER ${rank_${area}})
        string(APPEND problems "  ${lib} (${area}/) links ${dep} (${area_${dep}}/)\n")
      endif()
    endforeach()
  endif()
endforeach()

if(problems)
  message(FATAL_ERROR "layering: dependencies that point upwards:\n${problems}")
endif()
list(LENGTH graph libs)
message(STATUS "layering: ${libs} libraries and every include under core/ tlm/ host/ system/ tools/ point downwards")
