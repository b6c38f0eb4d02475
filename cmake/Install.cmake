# `make install PREFIX=dir`: the public headers, libcharmrt and a CMake package so that C++
# applications can do find_package(charmrt) and link charmrt::charmrt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS charmrt EXPORT charmrtTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Only the public API (include/: charm.h and charm/...); the layers' own headers
# (comm/, runtime/, lb/) are internal and stay in the source tree.
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT charmrtTargets NAMESPACE charmrt::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/charmrt)
configure_package_config_file(cmake/charmrtConfig.cmake.in
  ${CMAKE_BINARY_DIR}/charmrtConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/charmrt)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/charmrtConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/charmrtConfig.cmake
  ${CMAKE_BINARY_DIR}/charmrtConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/charmrt)
