# monde_embed_presets(<target>): compiles every preset under configs/ (models, devices, GPU
# profiles, experiments) into <target>, so that binaries find them by name from any directory
# and after installation (core/config/presets.hpp).
function(monde_embed_presets target)
  set(files "")
  set(deps "")
  foreach(kind model device gpu experiment)
    set(dir "${PROJECT_SOURCE_DIR}/configs/${kind}s")
    if(kind STREQUAL "device" OR kind STREQUAL "gpu")
      set(dir "${PROJECT_SOURCE_DIR}/configs/${kind}")
    endif()
    file(GLOB found CONFIGURE_DEPENDS "${dir}/*.json")
    list(SORT found)
    foreach(f IN LISTS found)
      list(APPEND files "${kind}:${f}")
      list(APPEND deps "${f}")
    endforeach()
  endforeach()
  string(REPLACE ";" "|" joined "${files}")
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_presets.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${CMAKE_COMMAND}" "-DFILES=${joined}" "-DOUT=${out}" "-DROOT=${PROJECT_SOURCE_DIR}"
            -P "${PROJECT_SOURCE_DIR}/cmake/MondePresetsScript.cmake"
    DEPENDS ${deps} "${PROJECT_SOURCE_DIR}/cmake/MondePresetsScript.cmake"
    COMMENT "Embedding the presets under configs/" VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
