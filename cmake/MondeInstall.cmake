# `cmake --install`: the libraries with their public headers (under include/monde, the same
# "tlm/cxl/cxl_link.hpp" paths as in the tree), an exported, versioned CMake package
# (find_package(monde): targets monde::<library without the monde_ prefix>, and without "_sc"
# where that is the only form, e.g. monde::device, monde::system), monde-sim and
# monde-calibrate, and the presets under share/monde/configs.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MONDE_INSTALL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/monde)
set(MONDE_INSTALL_CONFIGS_DIR ${CMAKE_INSTALL_DATADIR}/monde/configs)

get_property(monde_libs GLOBAL PROPERTY MONDE_LIBRARIES)
set(MONDE_EXPORTED "")
foreach(lib IN LISTS monde_libs)
  target_include_directories(${lib} PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/monde>)
  string(REGEX REPLACE "^monde_" "" name "${lib}")
  if(name MATCHES "_sc$")
    string(REGEX REPLACE "_sc$" "" plain "${name}")
    if(NOT TARGET monde_${plain})
      set(name ${plain})
    endif()
  endif()
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${name})
  list(APPEND MONDE_EXPORTED monde::${name})
  # A sanitized build's libraries need the sanitizer runtimes wherever they are linked: the
  # installed package says so, so a user's testbench links as this tree's executables do.
  if(MONDE_SANITIZE)
    target_link_options(${lib} INTERFACE $<INSTALL_INTERFACE:-fsanitize=address,undefined>)
  endif()
endforeach()
set_target_properties(monde_rtl_mac_array PROPERTIES EXPORT_NAME rtl_mac_array)

install(TARGETS ${monde_libs} monde_rtl_mac_array EXPORT mondeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(area core tlm host system)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${area} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/monde
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT mondeTargets NAMESPACE monde:: DESTINATION ${MONDE_INSTALL_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mondeConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/mondeConfig.cmake
                              INSTALL_DESTINATION ${MONDE_INSTALL_CMAKE_DIR}
                              PATH_VARS MONDE_INSTALL_CONFIGS_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mondeConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mondeConfig.cmake ${PROJECT_BINARY_DIR}/mondeConfigVersion.cmake
        DESTINATION ${MONDE_INSTALL_CMAKE_DIR})

get_property(monde_tools GLOBAL PROPERTY MONDE_TOOLS)
install(TARGETS ${monde_tools} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${MONDE_INSTALL_CONFIGS_DIR})
