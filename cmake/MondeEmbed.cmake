# monde_embed_text(<target> <symbol> <file>): compiles <file>'s bytes into <target> as
#   extern const char <symbol>[];  (NUL-terminated)
# so that binaries carry their default configuration and run from any directory.
function(monde_embed_text target symbol file)
  get_filename_component(abs "${file}" ABSOLUTE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${symbol}.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${CMAKE_COMMAND}" -DIN=${abs} -DOUT=${out} -DSYMBOL=${symbol}
            -P "${PROJECT_SOURCE_DIR}/cmake/MondeEmbedScript.cmake"
    DEPENDS "${abs}" "${PROJECT_SOURCE_DIR}/cmake/MondeEmbedScript.cmake"
    COMMENT "Embedding ${file} as ${symbol}" VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
