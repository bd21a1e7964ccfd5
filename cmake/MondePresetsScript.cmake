# Script mode helper of monde_embed_presets: writes every preset file (KIND:PATH pairs in FILES,
# separated by '|') as a byte array plus a table of {kind, name, file, text}.
string(REPLACE "|" ";" entries "${FILES}")
set(arrays "")
set(table "")
set(i 0)
foreach(entry IN LISTS entries)
  string(FIND "${entry}" ":" colon)
  string(SUBSTRING "${entry}" 0 ${colon} kind)
  math(EXPR start "${colon} + 1")
  string(SUBSTRING "${entry}" ${start} -1 path)
  get_filename_component(name "${path}" NAME_WE)
  file(RELATIVE_PATH rel "${ROOT}" "${path}")
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "const char kText${i}[] = {${bytes}0x00};\n")
  string(APPEND table "    {\"${kind}\", \"${name}\", \"${rel}\", kText${i}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from configs/ by cmake/MondePresetsScript.cmake; do not edit.
#include \"core/config/presets.hpp\"

namespace monde::config {
namespace {
${arrays}}  // namespace

const std::vector<EmbeddedPreset>& embedded_presets() {
  static const std::vector<EmbeddedPreset> presets = {
${table}  };
  return presets;
}

}  // namespace monde::config
")
# Only touch the output when it changed, so that an unrelated reconfigure rebuilds nothing.
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUT}.tmp" "${OUT}")
